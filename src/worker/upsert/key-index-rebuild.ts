// Rebuilds a partition's key index from the table (docs/upsert.md, "Rebuild"):
// the key columns (and the order.by column) of every live data file attributed
// to the partition (file-attribution.ts), row by row with their positions,
// minus the positions its deletes remove. Files are read in the order given
// (data sequence order): a key found again in a later file takes its place.
// Called when a partition is assigned, before its first batch, and after a
// batch was aborted because another writer moved the partition. After a
// rewrite of some of the partition's files that kept their attribution (floe's
// compaction), repointPartitionIndex reads only the new files instead.
import type { NestedField, Schema } from '../../iceberg/types.ts';
import { readParquetRows } from '../../parquet/parquet-row-reader.ts';
import type { OrderValue } from './change.ts';
import { KeyEncoder } from './change-key.ts';
import type { PartitionKeyIndex } from './key-index.ts';
import type { StoredEntry } from './lmdb-key-store.ts';

export interface LiveDataFile {
  readonly path: string;
  /** Positions deleted by the table's position deletes or deletion vector for this file. */
  readonly deleted?: ReadonlySet<number>;
}

export interface RebuildInput {
  /** The partition's live data files, in data sequence order. */
  readonly files: readonly LiveDataFile[];
  /** The table's key columns (identifier fields), with their field ids. */
  readonly keyFields: readonly NestedField[];
  /** The table's order.by column, when the connector has one. */
  readonly orderField?: NestedField | undefined;
  /** Reads a data file (FileIO.read). */
  readonly read: (path: string) => Promise<Uint8Array>;
  /** Monotonic milliseconds (performance.now), for the rebuild time. */
  readonly now?: () => number;
}

export interface RebuildStats {
  readonly files: number;
  /** Rows read, deleted ones included. */
  readonly rows: number;
  /** Live keys in the index afterwards. */
  readonly keys: number;
  readonly seconds: number;
}

/** Entries are written to the store in chunks of this many keys. */
const CHUNK = 100_000;

export async function rebuildPartitionIndex(
  index: PartitionKeyIndex,
  input: RebuildInput,
): Promise<RebuildStats> {
  const now = input.now ?? (() => performance.now());
  const started = now();
  let rows = 0;
  let chunk = new Map<string, StoredEntry>();
  for (const file of input.files) {
    rows +=
      (await liveRows(index, file, input, (key, entry) => {
        chunk.set(key, entry);
        if (chunk.size >= CHUNK) {
          index.load(chunk);
          chunk = new Map();
        }
        return true;
      })) ?? 0;
  }
  index.load(chunk);
  const seconds = (now() - started) / 1000;
  index.reportRebuilt(seconds);
  return { files: input.files.length, rows, keys: index.size, seconds };
}

/**
 * A rewrite of some of the partition's files (`removed`) into new ones
 * (`input.files`, the added files only; a compaction keeping the attribution):
 * the entries pointing into the removed files are re-pointed to the new files'
 * rows, reading only those. It holds only when the new files' live rows are
 * exactly the removed files' live rows as the part has them: every key read
 * must be live in the part in a removed file, once, and afterwards no entry may
 * point into a removed file. Undefined when it does not hold: the part is then
 * partly re-pointed, and must be rebuilt.
 */
export async function repointPartitionIndex(
  index: PartitionKeyIndex,
  removed: readonly string[],
  input: RebuildInput,
): Promise<RebuildStats | undefined> {
  const now = input.now ?? (() => performance.now());
  const started = now();
  const gone = new Set(removed);
  let rows = 0;
  let chunk = new Map<string, StoredEntry>();
  for (const file of input.files) {
    const read = await liveRows(index, file, input, (key, entry) => {
      const found = index.lookup(key);
      // a key of a file the part does not know, or twice in the new files: not a pure rewrite
      if (found?.live !== true || !gone.has(found.file) || chunk.has(key)) return false;
      chunk.set(key, entry);
      if (chunk.size >= CHUNK) {
        index.load(chunk);
        chunk = new Map();
      }
      return true;
    });
    if (read === undefined) return undefined;
    rows += read;
  }
  index.load(chunk);
  // Every re-pointed key pointed into a removed file; none may be left there.
  if (index.countIn(removed) > 0) return undefined;
  return { files: input.files.length, rows, keys: index.size, seconds: (now() - started) / 1000 };
}

/**
 * Reads the key (and order) of each live row of `file` into `take`; the rows
 * read (deleted ones included), or undefined once `take` refused one.
 */
async function liveRows(
  index: PartitionKeyIndex,
  file: LiveDataFile,
  input: RebuildInput,
  take: (key: string, entry: StoredEntry) => boolean,
): Promise<number | undefined> {
  const keys = new KeyEncoder(input.keyFields);
  const fields =
    input.orderField === undefined ? [...input.keyFields] : [...input.keyFields, input.orderField];
  const projection: Schema = { schemaId: 0, identifierFieldIds: [], fields };
  const orderName = input.orderField?.name;
  const fileId = index.fileId(file.path);
  const read = readParquetRows(await input.read(file.path), projection, file.path);
  for (let position = 0; position < read.length; position++) {
    if (file.deleted?.has(position) === true) continue;
    const row = read[position]!;
    const order = orderName === undefined ? undefined : (row[orderName] as OrderValue | null);
    let key: string;
    try {
      key = keys.fromRow(row);
    } catch (error) {
      throw new Error(
        `rebuilding key index ${index.name}: ${file.path} row ${position}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const entry =
      order === undefined || order === null ? { file: fileId, position } : { file: fileId, position, order };
    if (!take(key, entry)) return undefined;
  }
  return read.length;
}
