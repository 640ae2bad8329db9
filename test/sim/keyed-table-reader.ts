// Reads a keyed table back as a query engine would: the live data files of
// main's head minus the rows their position deletes (v2: Parquet files of
// file_path and pos) or deletion vectors (v3: Puffin blobs) remove, a delete
// applying to a data file whose data sequence number is not above its own
// (spec, "Scan Planning"). The rows' `id`, `seq` and `note` columns are read
// with parquet-wasm, not with floe's key index code. Also reported: any
// equality-delete file (floe never writes them), two live vectors for one data
// file, a vector on a v2 table or a position-delete file added to a v3 table,
// a deleted position beyond its file. Files are immutable: each decoded once.
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { decodeDeletionVector } from '../../src/iceberg/deletion-vector.ts';
import { decodeManifest } from '../../src/iceberg/manifest.ts';
import {
  ENTRY_STATUS,
  inheritManifestMetadata,
  type ManifestEntry,
} from '../../src/iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import { puffinBlobBytes } from '../../src/iceberg/puffin-file.ts';
import { branchHead, type TableMetadata } from '../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { roaringCodec } from '../../src/sink/deletion-vector-roaring.ts';

export interface KeyedRow {
  readonly id: string;
  readonly seq: number | undefined;
  readonly note: string | undefined;
  /** Where the row lives, for messages. */
  readonly at: string;
}

export interface KeyedTableView {
  /** The live rows (deletes applied). */
  readonly rows: readonly KeyedRow[];
  /** What no floe table may hold (equality deletes, two vectors for a file, ...). */
  readonly problems: readonly string[];
}

type Column = { get(i: number): unknown } | null;

export class KeyedTableReader {
  readonly #io: FileIO;
  readonly #columns = new Map<string, Array<Record<string, unknown>>>();
  readonly #entries = new Map<string, ManifestEntry[]>();

  constructor(io: FileIO) {
    this.#io = io;
  }

  async read(metadata: TableMetadata): Promise<KeyedTableView> {
    const { data, deleted, problems } = await this.scan(metadata);
    const rows: KeyedRow[] = [];
    for (const { dataFile } of data) {
      const gone = deleted.get(dataFile.filePath);
      const columns = await this.#rows(dataFile.filePath, ['id', 'seq', 'note']);
      if (columns.length !== dataFile.recordCount)
        problems.push(
          `${dataFile.filePath}: manifest says ${dataFile.recordCount} rows, the file has ${columns.length}`,
        );
      columns.forEach((row, position) => {
        if (gone?.has(position)) return;
        const seq = row.seq;
        rows.push({
          id: String(row.id),
          seq: seq === null || seq === undefined ? undefined : Number(seq),
          note: typeof row.note === 'string' ? row.note : undefined,
          at: `${dataFile.filePath}@${position}`,
        });
      });
    }
    return { rows, problems };
  }

  /** main's live data file entries (sequence numbers inherited) and the positions deleted from each. */
  async scan(
    metadata: TableMetadata,
  ): Promise<{ data: ManifestEntry[]; deleted: Map<string, Set<number>>; problems: string[] }> {
    const head = branchHead(metadata, 'main');
    if (head === undefined) return { data: [], deleted: new Map(), problems: [] };
    const data: ManifestEntry[] = [];
    const deletes: ManifestEntry[] = [];
    for (const manifest of decodeManifestList(await this.#io.read(head.manifestList))) {
      for (const raw of await this.#manifest(manifest.manifestPath)) {
        if (raw.status === ENTRY_STATUS.DELETED) continue;
        const entry = inheritManifestMetadata(raw, manifest);
        (entry.dataFile.content === 0 ? data : deletes).push(entry);
      }
    }
    const problems: string[] = [];
    const live = new Map(data.map((e) => [e.dataFile.filePath, e]));
    const deleted = new Map<string, Set<number>>();
    const vectors = new Map<string, string>();
    for (const entry of deletes) {
      const file = entry.dataFile;
      if (file.content === 2) {
        problems.push(`equality-delete file ${file.filePath}`);
        continue;
      }
      // The sim's tables are created at their version: a v2 table has no vectors, a v3 one no Parquet deletes.
      const puffin = file.fileFormat.toUpperCase() === 'PUFFIN';
      if (puffin !== metadata.formatVersion >= 3)
        problems.push(
          `${puffin ? 'deletion vector' : 'position-delete file'} ${file.filePath} on a v${metadata.formatVersion} table`,
        );
      const targets = puffin
        ? await this.#vector(entry, vectors, problems)
        : await this.#positionDeletes(entry);
      for (const [path, positions] of targets) {
        const target = live.get(path);
        // A delete of a file no longer live dangles (the file was rewritten): readers ignore it.
        if (target === undefined || (entry.sequenceNumber ?? 0) < (target.sequenceNumber ?? 0)) continue;
        const set = deleted.get(path) ?? new Set<number>();
        deleted.set(path, set);
        for (const p of positions) {
          if (p >= target.dataFile.recordCount)
            problems.push(
              `${file.filePath} deletes position ${p} of ${path}, which has ${target.dataFile.recordCount} rows`,
            );
          set.add(p);
        }
      }
    }
    return { data, deleted, problems };
  }

  /** A position-delete file's positions by data file path. */
  async #positionDeletes(entry: ManifestEntry): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const row of await this.#rows(entry.dataFile.filePath, ['file_path', 'pos'])) {
      const path = String(row.file_path);
      const list = out.get(path) ?? [];
      list.push(Number(row.pos));
      out.set(path, list);
    }
    return out;
  }

  /** A deletion vector's positions, for its referenced data file; a second live vector for a file is a problem. */
  async #vector(
    entry: ManifestEntry,
    seen: Map<string, string>,
    problems: string[],
  ): Promise<Map<string, number[]>> {
    const file = entry.dataFile;
    const target = file.referencedDataFile ?? '';
    const other = seen.get(target);
    if (other !== undefined)
      problems.push(`two live deletion vectors for ${target}: ${other} and ${file.filePath}`);
    seen.set(target, file.filePath);
    const where = `deletion vector ${file.filePath} for ${target}`;
    const blob = puffinBlobBytes(
      await this.#io.read(file.filePath),
      file.contentOffset ?? -1,
      file.contentSizeInBytes ?? -1,
      where,
    );
    const positions = decodeDeletionVector(blob, roaringCodec, where);
    if (positions.length !== file.recordCount)
      problems.push(`${where}: ${positions.length} positions, its manifest entry says ${file.recordCount}`);
    return new Map([[target, positions]]);
  }

  async #manifest(path: string): Promise<ManifestEntry[]> {
    let entries = this.#entries.get(path);
    if (entries === undefined) {
      entries = decodeManifest(await this.#io.read(path)).entries;
      this.#entries.set(path, entries);
    }
    return entries;
  }

  /** The named columns of a Parquet file, row by row (a column the file lacks reads as undefined). */
  async #rows(path: string, names: readonly string[]): Promise<Array<Record<string, unknown>>> {
    const key = `${path}\u0000${names.join(',')}`;
    let rows = this.#columns.get(key);
    if (rows === undefined) {
      const bytes = await this.#io.read(path);
      const table = tableFromIPC(readParquet(bytes).intoIPCStream());
      const columns: Array<[string, Column]> = names.map((n) => [n, table.getChild(n)]);
      rows = [];
      for (let i = 0; i < table.numRows; i++)
        rows.push(Object.fromEntries(columns.map(([n, c]) => [n, c?.get(i) ?? undefined])));
      this.#columns.set(key, rows);
    }
    return rows;
  }
}
