// The key indexes of one keyed connector (docs/upsert.md, "The key index"):
// per table a TableKeyIndex whose partition parts are rebuilt from the table
// the first time a batch touches the partition after it was assigned (or after
// the indexes were reset), and whose shared part (rows of files no partition is
// attributed to) is built with the table's first partition. Entries live in
// one LMDB environment under the worker's data folder, opened on first use.
// Revoked partitions drop their part. A failed or fenced commit sets every
// part aside, since the table may hold what the index does not (an unknown
// outcome that landed, another writer's rewrite): before its next use each is
// compared with the table (index-sources.ts) and kept, re-pointed from the
// files a compaction wrote, or rebuilt.
//
// The shared part must be as fresh as the newest partition part: a partition
// part built after another engine rewrote that partition's files into
// unattributed ones no longer holds their keys, and a stale shared part would
// not either (the next change of such a key inserted a second row); another
// worker's deletes of shared rows (its partitions' keys) make a stale shared
// part hold rows that are gone (with order.by, a newer change lost to the
// deleted row). So whenever a partition part is built, the shared part is
// rebuilt too if the unattributed files or their deletes changed since.
import { join } from 'node:path';
import type { Catalog } from '../../catalog/catalog.ts';
import { crashPoint } from '../../crash-points.ts';
import { currentSchema, type TableMetadata } from '../../iceberg/table-metadata.ts';
import type { NestedField } from '../../iceberg/types.ts';
import { type FileIO, isNotFound } from '../../io/file-io.ts';
import type { Logger } from '../../log.ts';
import { getOffset } from '../commit/table-offsets.ts';
import type { TopicPartition } from '../kafka-types.ts';
import type { TableState } from '../table-registry.ts';
import type { KeyColumn } from './change-key.ts';
import { splitByAttribution } from './file-attribution.ts';
import { type SourcesChange, setSources, sourcesChange } from './index-sources.ts';
import { type KeyIndexMetrics, PartitionKeyIndex, SHARED_INDEX, TableKeyIndex } from './key-index.ts';
import { rebuildPartitionIndex, repointPartitionIndex } from './key-index-rebuild.ts';
import { LmdbKeyStores } from './lmdb-key-store.ts';
import { type LiveFile, tableLiveFiles } from './table-live-files.ts';

export interface KeyedIndexesDeps {
  readonly connector: string;
  /** Loads a table afresh when the snapshot the worker last saw lost its files to an expiry. */
  readonly catalog: Pick<Catalog, 'loadTable'>;
  /** The worker's folder for key index stores; this connector's goes below it. */
  readonly indexDir: string;
  readonly io: FileIO;
  readonly log: Logger;
  /** Metrics per table (the index name inside is `topic:partition` or the shared part). */
  readonly metrics: (table: string) => KeyIndexMetrics;
  readonly orderBy?: string | undefined;
}

interface TableIndexes {
  readonly index: TableKeyIndex;
  readonly partitions: Set<string>;
  /** Parts set aside by reset(), not visible in `index`: checked against the table before their next use. */
  readonly parked: Map<string, PartitionKeyIndex>;
  /** What the shared part was built from (sharedInput), undefined before it is built. */
  shared: string | undefined;
}

export class KeyedIndexes {
  readonly #deps: KeyedIndexesDeps;
  readonly #tables = new Map<string, TableIndexes>();
  #stores: LmdbKeyStores | undefined;

  constructor(deps: KeyedIndexesDeps) {
    this.#deps = deps;
  }

  /** The table's index with `topic[partition]`'s part (and the shared part) in place, rebuilt from `state` when missing. */
  async ready(
    state: TableState,
    keys: readonly KeyColumn[],
    topic: string,
    partition: number,
  ): Promise<TableKeyIndex> {
    let table = this.#tables.get(state.name);
    if (table === undefined) {
      table = { index: new TableKeyIndex(), partitions: new Set(), parked: new Map(), shared: undefined };
      this.#tables.set(state.name, table);
    }
    const name = `${topic}:${partition}`;
    // The offset the fence will take as expected: a part not in step with it (another
    // writer committed the partition since it was built, and a reload or a commit of
    // this worker took that offset) is rebuilt, or the fence would pass on a stale part.
    const recorded = getOffset(state.offsets, topic, partition);
    const held = table.index.partition(topic, partition) ?? table.parked.get(name);
    if (held !== undefined && held.syncedOffset !== recorded) {
      table.index.drop(topic, partition);
      table.partitions.delete(name);
      table.parked.delete(name);
    }
    if (table.partitions.has(name) && table.shared !== undefined) return table.index;
    const build = { table, state, keys, topic, partition, recorded };
    try {
      await this.#build(build, state.metadata);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // main moved on since this worker loaded the table, and a snapshot expiry deleted
      // files only that snapshot reached: the parts are built from the table as it is now.
      // They stay in step with `recorded`: a batch with rows of the partition commits only
      // if no other writer moved its offset since, and then the newer files hold its rows.
      await this.#build(build, (await this.#deps.catalog.loadTable(state.id)).metadata);
    }
    return table.index;
  }

  /** Builds the missing parts from the table as `metadata` has it. */
  async #build(
    b: {
      table: TableIndexes;
      state: TableState;
      keys: readonly KeyColumn[];
      topic: string;
      partition: number;
      recorded: bigint | undefined;
    },
    metadata: TableMetadata,
  ): Promise<void> {
    const { table, state, topic, partition } = b;
    const name = `${topic}:${partition}`;
    const live = await tableLiveFiles(this.#deps.io, metadata, state.name);
    const { byPartition, unattributed } = splitByAttribution(live);
    const fields = this.#fields(state, b.keys);
    const input = sharedInput(unattributed);
    if (table.shared !== input) {
      const shared = await this.#rebuild(state, SHARED_INDEX, unattributed, fields);
      table.index.setShared(unattributed.length > 0 ? shared : undefined);
      table.shared = input;
    }
    if (!table.partitions.has(name)) {
      const files = byPartition.get(name) ?? [];
      const parked = table.parked.get(name);
      // Set aside by a reset: whatever happens next, it is either brought up to date or rebuilt.
      table.parked.delete(name);
      const kept = parked !== undefined && (await this.#refresh(state, parked, files, fields));
      const part = kept ? parked : await this.#rebuild(state, name, files, fields, b.recorded);
      table.index.set(topic, partition, part);
      table.partitions.add(name);
    }
  }

  /**
   * A part set aside by reset(), against the partition's live `files` now:
   * true when it is in step with them, as it was or re-pointed from the new
   * files of a rewrite; false when it must be rebuilt.
   */
  async #refresh(
    state: TableState,
    part: PartitionKeyIndex,
    files: readonly LiveFile[],
    fields: { keys: NestedField[]; order?: NestedField },
  ): Promise<boolean> {
    // Checked at the last failure already and no commit landed since: rebuilt, in case the
    // part itself is what fails the batch (a file the comparison cannot see gone).
    const change: SourcesChange = part.refreshed
      ? { kind: 'changed', reason: 'a second failed commit since it was last checked' }
      : sourcesChange(part, files);
    part.refreshed = true;
    if (change.kind === 'same') return true;
    if (change.kind === 'changed') {
      this.#deps.log.info('key index part changed under it; rebuilding', {
        table: state.name,
        index: part.name,
        reason: change.reason,
      });
      return false;
    }
    const stats = await repointPartitionIndex(part, change.removed, {
      files: change.added,
      keyFields: fields.keys,
      orderField: fields.order,
      read: (path) => this.#deps.io.read(path),
    });
    this.#deps.log.info(
      stats === undefined ? 'key index not re-pointed; rebuilding' : 'key index re-pointed',
      {
        table: state.name,
        index: part.name,
        removedFiles: change.removed.length,
        files: change.added.length,
        ...(stats === undefined
          ? {}
          : { rows: stats.rows, keys: stats.keys, seconds: Number(stats.seconds.toFixed(3)) }),
      },
    );
    if (stats === undefined) return false;
    setSources(part, files);
    return true;
  }

  /** Revoked or lost partitions: their parts go. */
  drop(partitions: readonly TopicPartition[]): void {
    for (const table of this.#tables.values()) {
      for (const { topic, partition } of partitions) {
        table.index.drop(topic, partition);
        table.partitions.delete(`${topic}:${partition}`);
        table.parked.delete(`${topic}:${partition}`);
      }
    }
  }

  /**
   * Every part is set aside, to be checked against the table on its next use
   * (#refresh: kept, re-pointed or rebuilt); the shared part is rebuilt then if
   * its input changed.
   */
  reset(): void {
    for (const table of this.#tables.values()) {
      for (const part of table.index.parts()) table.parked.set(part.name, part);
      for (const name of table.parked.keys()) {
        const split = name.lastIndexOf(':');
        table.index.drop(name.slice(0, split), Number(name.slice(split + 1)));
      }
      table.partitions.clear();
    }
  }

  async close(): Promise<void> {
    this.#tables.clear();
    await this.#stores?.close();
    this.#stores = undefined;
  }

  #fields(state: TableState, keys: readonly KeyColumn[]): { keys: NestedField[]; order?: NestedField } {
    const schema = currentSchema(state.metadata);
    const byName = (name: string) => schema.fields.find((f) => f.name === name);
    const keyFields = keys.map((k) => byName(k.name)!);
    const order = this.#deps.orderBy === undefined ? undefined : byName(this.#deps.orderBy);
    return order === undefined ? { keys: keyFields } : { keys: keyFields, order };
  }

  async #rebuild(
    state: TableState,
    name: string,
    files: readonly LiveFile[],
    fields: { keys: NestedField[]; order?: NestedField },
    syncedOffset?: bigint,
  ): Promise<PartitionKeyIndex> {
    this.#stores ??= new LmdbKeyStores(join(this.#deps.indexDir, this.#deps.connector));
    const store = this.#stores.openFresh(`${state.name}|${name}`);
    const index = new PartitionKeyIndex(name, store, this.#deps.metrics(state.name), syncedOffset);
    let reads = 0;
    const stats = await rebuildPartitionIndex(index, {
      files,
      keyFields: fields.keys,
      orderField: fields.order,
      read: (path) => {
        // Files are read one after the other: the ones before this are in the part.
        if (reads++ > 0) crashPoint('during-key-index-rebuild');
        return this.#deps.io.read(path);
      },
    });
    setSources(index, files);
    if (stats.files > 0) {
      this.#deps.log.info('key index rebuilt', {
        table: state.name,
        index: name,
        files: stats.files,
        rows: stats.rows,
        keys: stats.keys,
        seconds: Number(stats.seconds.toFixed(3)),
      });
    }
    return index;
  }
}

/**
 * The shared part's input: the unattributed live files and how many of their
 * rows are deleted (a live file's deleted positions only grow).
 */
function sharedInput(files: readonly LiveFile[]): string {
  return files.map((f) => `${f.path}\u0000${f.deleted.size}`).join('\n');
}
