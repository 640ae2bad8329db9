// Another engine writing to floe's tables through the same catalog, between and
// inside floe's steps (the driver runs it while every worker is parked at a
// catalog or FileIO call): it adds a column (a fresh field id, with the
// requirements a careful engine sends), appends its own rows (a Parquet file
// written by floe's TableWriter), commits a snapshot without data, and replaces
// files (compaction: a copy in, the original out), and expires snapshots as
// Spark does (expire_snapshots(retain_last => n): the oldest retained snapshot
// keeps naming its expired parent) or as PyIceberg leaves a table (that parent
// id gone), deleting the removed snapshots' manifest lists. On a keyed seed's
// table it rewrites files as Spark does (keyed-engine.ts), and on a v3 one it
// only adds columns and expires as Java does (its manifests are v2 ones). Its snapshots carry
// no floe offsets, so floe must find them in main's ancestry, or, once every
// snapshot with them expired, in the table property. Its snapshots' manifests and
// manifest lists: engine-snapshot.ts.
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { CommitConflictError } from '../../src/errors.ts';
import type { DataFile } from '../../src/iceberg/data-file.ts';
import {
  ancestors,
  branchHead,
  currentSchema,
  specById,
  type TableMetadata,
} from '../../src/iceberg/table-metadata.ts';
import type { TableRequirement, TableUpdate } from '../../src/iceberg/table-update.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { TableWriter } from '../../src/sink/table-writer.ts';
import { EMPTY_APPEND, type EngineChange, writeEngineSnapshot } from './engine-snapshot.ts';
import { keyedRewrite } from './keyed-engine.ts';
import { KeyedTableReader } from './keyed-table-reader.ts';
import { liveEntries } from './live-entries.ts';
import type { CatalogWatch } from './sim-catalog.ts';
import type { SimWorld } from './sim-world.ts';

export type EngineOp =
  | 'add-column'
  | 'append-rows'
  | 'empty-append'
  | 'replace-files'
  | 'expire-java'
  | 'expire-pyiceberg';

export class SecondEngine {
  readonly #world: SimWorld;
  readonly #catalog: Catalog;
  readonly #io: FileIO;
  readonly #watch: CatalogWatch;
  /** Table name -> ids of the rows the engine committed there. */
  readonly rows = new Map<string, Set<string>>();
  #next = 0;

  /** A keyed seed's table format (v3: the engine writes no manifests, they would be v2 ones). */
  readonly #keyed: { readonly formatVersion: number; readonly reader: KeyedTableReader } | undefined;

  constructor(world: SimWorld, catalog: Catalog, io: FileIO, watch: CatalogWatch, keyedFormat?: number) {
    this.#world = world;
    this.#catalog = catalog;
    this.#io = io;
    this.#watch = watch;
    this.#keyed =
      keyedFormat === undefined
        ? undefined
        : { formatVersion: keyedFormat, reader: new KeyedTableReader(io) };
  }

  /** One operation on one of the tables that exist; does nothing when none does. */
  async act(tables: readonly TableIdentifier[]): Promise<void> {
    const rng = this.#world.rng.engine;
    const existing: TableIdentifier[] = [];
    for (const id of tables) if (await this.#catalog.tableExists(id)) existing.push(id);
    if (existing.length === 0) return;
    const id = rng.pick(existing);
    const writes = this.#keyed === undefined || this.#keyed.formatVersion < 3;
    const op = rng.weighted<EngineOp>([
      ['add-column', 2],
      ['append-rows', writes ? 3 : 0],
      ['empty-append', writes ? 1 : 0],
      ['replace-files', writes ? 2 : 0],
      ['expire-java', 1],
      // (modelled by re-adding a snapshot, which a v3 table refuses below its next-row-id)
      ['expire-pyiceberg', writes ? 1 : 0],
    ]);
    const name = [...id.namespace, id.name].join('.');
    const metadata = (await this.#catalog.loadTable(id)).metadata;
    try {
      const done = await this.#run(op, id, name, metadata);
      this.#world.log.add(`engine ${op} ${name}${done ? '' : ' (nothing to do)'}`);
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
      this.#world.log.add(`engine ${op} ${name} conflict`);
    }
  }

  async #run(op: EngineOp, id: TableIdentifier, name: string, metadata: TableMetadata): Promise<boolean> {
    if (op === 'add-column') return this.#addColumn(id, metadata);
    if (op === 'append-rows') return this.#appendRows(id, name, metadata);
    if (op === 'empty-append') return this.#commitSnapshot(id, metadata, EMPTY_APPEND);
    if (op === 'expire-java' || op === 'expire-pyiceberg') return this.#expire(id, metadata, op);
    return this.#replaceFiles(id, metadata);
  }

  /**
   * Keeps main's newest 1-3 snapshots and every other ref's, removes the rest
   * (Java keeps the oldest retained snapshot's parent id; PyIceberg's tables
   * lose it: modelled by re-adding that snapshot without it), then deletes the
   * removed snapshots' manifest lists (their manifests and data files may
   * still be reached, and are left).
   */
  async #expire(id: TableIdentifier, metadata: TableMetadata, op: EngineOp): Promise<boolean> {
    const head = branchHead(metadata, 'main');
    if (head === undefined) return false;
    const kept = ancestors(metadata, head.snapshotId).slice(0, this.#world.rng.engine.range(1, 3));
    const keep = new Set([...kept, ...Object.values(metadata.refs)].map((s) => s.snapshotId));
    const removed = metadata.snapshots.filter((s) => !keep.has(s.snapshotId));
    if (removed.length === 0) return false;
    const updates: TableUpdate[] = [
      { action: 'remove-snapshots', snapshotIds: removed.map((s) => s.snapshotId) },
    ];
    const oldest = kept.at(-1)!;
    if (op === 'expire-pyiceberg' && oldest.parentSnapshotId !== undefined) {
      const { parentSnapshotId: _, ...orphaned } = oldest;
      updates[0] = { action: 'remove-snapshots', snapshotIds: [...removed, oldest].map((s) => s.snapshotId) };
      updates.push({ action: 'add-snapshot', snapshot: orphaned });
      // removing main's head drops main: point it back
      if (oldest === head)
        updates.push({
          action: 'set-snapshot-ref',
          refName: 'main',
          type: 'branch',
          snapshotId: head.snapshotId,
        });
    }
    await this.#commit(
      id,
      Object.entries(metadata.refs).map(
        ([ref, r]): TableRequirement => ({ type: 'assert-ref-snapshot-id', ref, snapshotId: r.snapshotId }),
      ),
      updates,
    );
    for (const snapshot of removed) await this.#io.delete(snapshot.manifestList);
    return true;
  }

  async #addColumn(id: TableIdentifier, metadata: TableMetadata): Promise<boolean> {
    const schema = currentSchema(metadata);
    const fieldId = metadata.lastColumnId + 1;
    const schemaId = Math.max(...metadata.schemas.map((s) => s.schemaId)) + 1;
    const field = {
      id: fieldId,
      name: `eng_${this.#next++}`,
      required: false,
      type: { kind: 'string' as const },
    };
    await this.#commit(
      id,
      [
        { type: 'assert-table-uuid', uuid: metadata.tableUuid },
        { type: 'assert-current-schema-id', currentSchemaId: schema.schemaId },
        { type: 'assert-last-assigned-field-id', lastAssignedFieldId: metadata.lastColumnId },
      ],
      [
        {
          action: 'add-schema',
          schema: { ...schema, schemaId, fields: [...schema.fields, field] },
          lastColumnId: fieldId,
        },
        { action: 'set-current-schema', schemaId: -1 },
      ],
    );
    return true;
  }

  async #appendRows(id: TableIdentifier, name: string, metadata: TableMetadata): Promise<boolean> {
    const rng = this.#world.rng.engine;
    const ids = Array.from({ length: rng.range(1, 4) }, () => `e${this.#next++}`);
    const writer = new TableWriter({
      io: this.#io,
      schema: currentSchema(metadata),
      spec: specById(metadata, metadata.defaultSpecId),
      properties: metadata.properties,
      dataDirectory: `${metadata.location.replace(/\/+$/, '')}/data`,
    });
    for (const rowId of ids) {
      const pending = writer.append({ id: rowId, route: 'engine' });
      if (pending) await pending;
    }
    const files = await writer.finish();
    await this.#commitSnapshot(id, metadata, { operation: 'append', added: files, kept: [], removed: [] });
    const mine = this.rows.get(name) ?? new Set<string>();
    for (const rowId of ids) mine.add(rowId);
    this.rows.set(name, mine);
    return true;
  }

  /**
   * Copies one or two live files and swaps them in (what a compaction commits);
   * on a keyed table rewrites them with their deletes applied, as Spark does.
   */
  async #replaceFiles(id: TableIdentifier, metadata: TableMetadata): Promise<boolean> {
    const head = branchHead(metadata, 'main');
    if (head === undefined) return false;
    if (this.#keyed) {
      const rewrite = await keyedRewrite(this.#io, this.#keyed.reader, metadata, this.#world.rng.engine);
      if (rewrite === undefined) return false;
      return this.#commitSnapshot(id, metadata, { operation: 'replace', ...rewrite });
    }
    const live = await liveEntries(this.#io, head);
    if (live.length === 0) return false;
    const rng = this.#world.rng.engine;
    const replaced = rng.shuffle(live).slice(0, rng.range(1, 2));
    const copies: DataFile[] = [];
    for (const { entry } of replaced) {
      const source = entry.dataFile;
      const filePath = source.filePath.replace(/([^/]+)\.parquet$/, `compacted-${this.#next++}-$1.parquet`);
      await this.#io.write(filePath, await this.#io.read(source.filePath));
      copies.push({ ...source, filePath });
    }
    const gone = new Set(replaced.map((r) => r.entry.dataFile.filePath));
    const kept = live.filter((l) => !gone.has(l.entry.dataFile.filePath)).map((l) => l.entry);
    return this.#commitSnapshot(id, metadata, {
      operation: 'replace',
      added: copies,
      kept,
      removed: replaced.map((r) => r.entry),
    });
  }

  /** Commits on main's head a snapshot of `change` (engine-snapshot.ts writes its manifests). */
  async #commitSnapshot(
    id: TableIdentifier,
    metadata: TableMetadata,
    change: EngineChange,
  ): Promise<boolean> {
    const head = branchHead(metadata, 'main');
    const snapshot = await writeEngineSnapshot(this.#io, metadata, change, () => this.#world.clock.now());
    await this.#commit(
      id,
      [
        { type: 'assert-table-uuid', uuid: metadata.tableUuid },
        { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: head?.snapshotId ?? null },
      ],
      [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: snapshot.snapshotId },
      ],
    );
    return true;
  }

  async #commit(
    id: TableIdentifier,
    requirements: TableRequirement[],
    updates: TableUpdate[],
  ): Promise<void> {
    await this.#catalog.commitTable(id, requirements, updates);
    this.#watch.version++;
  }
}
