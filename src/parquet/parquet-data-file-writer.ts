// Rows -> one Parquet data file plus what its manifest entry needs: record count,
// per-field-id statistics (with compressed column sizes read back from the footer)
// and row group offsets.
import { ValidationError } from '../errors.ts';
import type { Row, Schema } from '../iceberg/types.ts';
import type { ColumnStats } from './column-stats.ts';
import { readParquetFooter } from './parquet-footer.ts';
import { writeArrowTableToParquet } from './parquet-wasm-writer.ts';
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
  const bytes = writeArrowTableToParquet(table, {
    compression: props.compression,
    maxRowGroupRows: Math.max(1, Math.floor(props.rowGroupSizeBytes / bytesPerRow)),
    dataPageSizeBytes: props.pageSizeBytes,
    dictionaryEnabled: props.dictionaryEnabled,
    dictionaryPageSizeBytes: props.dictionaryPageSizeBytes,
  });

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
