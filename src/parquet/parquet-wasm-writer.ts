// The one adapter to parquet-wasm (arrow-rs compiled to WebAssembly): an Arrow JS
// table goes over as an IPC stream and comes back as Parquet bytes. Field ids ride
// along as `PARQUET:field_id` field metadata, which arrow-rs writes into the
// Parquet schema. Runs on the main thread or in parquet-encoder-thread.ts.
import { type Table, tableToIPC } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { ValidationError } from '../errors.ts';
import type { ParquetCompression } from './parquet-write-properties.ts';

export interface ParquetWriterOptions {
  readonly compression: ParquetCompression;
  /** Rows per row group at most. */
  readonly maxRowGroupRows?: number;
  /** Bytes per row group at most, as the writer measures them (encoded, before compression). */
  readonly maxRowGroupBytes?: number;
  readonly dataPageSizeBytes?: number;
  readonly dictionaryEnabled?: boolean;
  readonly dictionaryPageSizeBytes?: number;
  /** Dotted Parquet column paths written without a dictionary (plain encoding). */
  readonly plainColumns?: readonly string[];
}

const CODECS: Readonly<Record<ParquetCompression, Compression>> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  gzip: Compression.GZIP,
  lz4_raw: Compression.LZ4_RAW,
  brotli: Compression.BROTLI,
  uncompressed: Compression.UNCOMPRESSED,
};

/**
 * Encodes the table as one Parquet file. parquet-wasm 0.8 exposes no codec level,
 * so each codec runs at its arrow-rs default (zstd: level 1).
 */
export function writeArrowTableToParquet(table: Table, options: ParquetWriterOptions): Uint8Array {
  return writeArrowIpcToParquet(tableToIPC(table, 'stream'), options);
}

/** The same from an Arrow IPC stream (what a worker thread receives). */
export function writeArrowIpcToParquet(ipc: Uint8Array, options: ParquetWriterOptions): Uint8Array {
  let builder = new WriterPropertiesBuilder().setCompression(CODECS[options.compression]);
  if (options.maxRowGroupRows !== undefined) builder = builder.setMaxRowGroupSize(options.maxRowGroupRows);
  if (options.maxRowGroupBytes !== undefined) builder = builder.setMaxRowGroupBytes(options.maxRowGroupBytes);
  if (options.dataPageSizeBytes !== undefined)
    builder = builder.setDataPageSizeLimit(options.dataPageSizeBytes);
  if (options.dictionaryEnabled !== undefined)
    builder = builder.setDictionaryEnabled(options.dictionaryEnabled);
  for (const column of options.plainColumns ?? [])
    builder = builder.setColumnDictionaryEnabled(column, false);
  if (options.dictionaryPageSizeBytes !== undefined) {
    builder = builder.setDictionaryPageSizeLimit(options.dictionaryPageSizeBytes);
  }
  const properties = builder.build();
  let wasmTable: WasmTable;
  try {
    wasmTable = WasmTable.fromIPCStream(ipc);
  } catch (cause) {
    properties.free();
    throw new ValidationError(`parquet-wasm rejected the Arrow IPC stream: ${String(cause)}`, {}, { cause });
  }
  try {
    // Consumes both the table and the properties.
    return writeParquet(wasmTable, properties);
  } catch (cause) {
    throw new ValidationError(`parquet-wasm failed to write Parquet: ${String(cause)}`, {}, { cause });
  }
}
