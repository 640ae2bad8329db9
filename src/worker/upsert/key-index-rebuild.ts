// Rebuilds a partition's key index from the table (docs/upsert.md, "Rebuild"):
// the key columns (and the order.by column) of every live data file attributed
// to the partition (file-attribution.ts), row by row with their positions,
// minus the positions its deletes remove. Files are read in the order given
// (data sequence order): a key found again in a later file takes its place.
// Called when a partition is assigned, before its first batch, and after a
// batch was aborted because another writer moved the partition.
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
  const keys = new KeyEncoder(input.keyFields);
  const fields =
    input.orderField === undefined ? [...input.keyFields] : [...input.keyFields, input.orderField];
  const projection: Schema = { schemaId: 0, identifierFieldIds: [], fields };
  const orderName = input.orderField?.name;
  let rows = 0;
  let chunk = new Map<string, StoredEntry>();
  for (const file of input.files) {
    const fileId = index.fileId(file.path);
    const read = readParquetRows(await input.read(file.path), projection, file.path);
    for (let position = 0; position < read.length; position++) {
      rows++;
      if (file.deleted?.has(position) === true) continue;
      const row = read[position]!;
      const order = orderName === undefined ? undefined : (row[orderName] as OrderValue | null);
      let key: string;
      try {
        key = keys.fromRow(row);
      } catch (error) {
        throw new Error(
          `rebuilding key index ${index.name}: ${file.path} row ${position}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      chunk.set(
        key,
        order === undefined || order === null
          ? { file: fileId, position }
          : { file: fileId, position, order },
      );
      if (chunk.size >= CHUNK) {
        index.load(chunk);
        chunk = new Map();
      }
    }
  }
  index.load(chunk);
  const seconds = (now() - started) / 1000;
  index.reportRebuilt(seconds);
  return { files: input.files.length, rows, keys: index.size, seconds };
}
