// Rows -> one Parquet data file plus what its manifest entry needs: record count,
// per-field-id statistics (with compressed column sizes read back from the footer)
// and row group offsets.
import type { Table } from 'apache-arrow';
import { ValidationError } from '../errors.ts';
import type { Row, Schema } from '../iceberg/types.ts';
import type { ColumnStats } from './column-stats.ts';
import type { ParquetEncoderPool } from './parquet-encoder-pool.ts';
import { readParquetFooter } from './parquet-footer.ts';
import { type ParquetWriterOptions, writeArrowTableToParquet } from './parquet-wasm-writer.ts';
import type { ParquetWriteProperties } from './parquet-write-properties.ts';
import { RecordBatchBuilder } from './record-batch-builder.ts';

export interface ParquetDataFile {
  readonly bytes: Uint8Array;
  readonly recordCount: number;
  /** Per leaf field id, nested leaves included. */
  readonly columns: Map<number, ColumnStats>;
  /** Byte offset where each row group starts (DataFile.splitOffsets). */
  readonly splitOffsets: readonly number[];
}

/** Builds (or takes) the Arrow batch and writes it; a passed builder is finished. */
export function writeParquetDataFile(
  schema: Schema,
  rows: readonly Row[] | RecordBatchBuilder,
  props: ParquetWriteProperties,
): ParquetDataFile {
  const prepared = prepare(schema, rows, props);
  return described(writeArrowTableToParquet(prepared.table, prepared.options), prepared);
}

/** The same, encoded on a pool thread while the caller's thread goes on. */
export async function encodeParquetDataFile(
  schema: Schema,
  rows: readonly Row[] | RecordBatchBuilder,
  props: ParquetWriteProperties,
  pool: ParquetEncoderPool,
): Promise<ParquetDataFile> {
  const prepared = prepare(schema, rows, props);
  return described(await pool.encode(prepared.table, prepared.options), prepared);
}

interface Prepared {
  readonly table: Table;
  readonly options: ParquetWriterOptions;
  readonly recordCount: number;
  readonly columns: Map<number, ColumnStats>;
}

function prepare(
  schema: Schema,
  rows: readonly Row[] | RecordBatchBuilder,
  props: ParquetWriteProperties,
): Prepared {
  const builder = rows instanceof RecordBatchBuilder ? rows : buildRows(schema, rows);
  if (builder.schema !== schema && builder.schema.schemaId !== schema.schemaId) {
    throw new ValidationError(
      `RecordBatchBuilder has schema ${builder.schema.schemaId}, the data file schema ${schema.schemaId}`,
    );
  }
  const recordCount = builder.rowCount;
  const bytesPerRow = recordCount === 0 ? 1 : Math.max(1, builder.estimatedBytes / recordCount);
  const columns = builder.columnStats();
  const table = builder.finish();
  const options: ParquetWriterOptions = {
    compression: props.compression,
    maxRowGroupRows: Math.max(1, Math.floor(props.rowGroupSizeBytes / bytesPerRow)),
    dataPageSizeBytes: props.pageSizeBytes,
    dictionaryEnabled: props.dictionaryEnabled,
    dictionaryPageSizeBytes: props.dictionaryPageSizeBytes,
    plainColumns: props.dictionaryEnabled ? plainColumns(schema) : [],
  };
  return { table, options, recordCount, columns };
}

function described(bytes: Uint8Array, prepared: Prepared): ParquetDataFile {
  const { recordCount, columns } = prepared;
  const footer = readParquetFooter(bytes);
  if (footer.numRows !== recordCount || footer.leafFieldIds.length !== columns.size) {
    throw new ValidationError(
      `written Parquet footer disagrees with the batch: ${footer.numRows} rows / ${footer.leafFieldIds.length} leaves, expected ${recordCount} / ${columns.size}`,
    );
  }
  for (const rowGroup of footer.rowGroups) {
    rowGroup.columns.forEach((chunk, leaf) => {
      const stats = columns.get(footer.leafFieldIds[leaf] ?? Number.NaN);
      if (stats === undefined) {
        throw new ValidationError(`Parquet leaf '${footer.leafNames[leaf]}' has no field id of the schema`);
      }
      stats.compressedSize = (stats.compressedSize ?? 0) + chunk.compressedSize;
    });
  }
  const splitOffsets = footer.rowGroups.map((rowGroup) => rowGroup.columns[0]?.startOffset ?? 4);
  return { bytes, recordCount, columns, splitOffsets };
}

function buildRows(schema: Schema, rows: readonly Row[]): RecordBatchBuilder {
  const builder = new RecordBatchBuilder(schema);
  for (const row of rows) builder.append(row);
  return builder;
}

/** Types whose values rarely repeat: ids, measurements, timestamps. */
const HIGH_CARDINALITY = new Set([
  'long',
  'float',
  'double',
  'decimal',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'uuid',
  'fixed',
  'binary',
]);

/**
 * Top-level columns written plain: arrow-rs starts every column with a dictionary
 * and only falls back to plain once the dictionary page is full, which costs a
 * lot on unique values (parquet-mr drops such dictionaries instead). Strings,
 * ints, dates and booleans keep theirs. Nested columns cannot be named to
 * parquet-wasm (one-part column paths only) and keep the default.
 */
function plainColumns(schema: Schema): string[] {
  return schema.fields.filter((f) => HIGH_CARDINALITY.has(f.type.kind)).map((f) => f.name);
}
