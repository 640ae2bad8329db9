// The one adapter to parquet-wasm (arrow-rs compiled to WebAssembly): Arrow JS
// tables go over as IPC streams and come back as Parquet bytes (and Parquet files
// back as IPC streams, for compaction), in one piece or
// chunk by chunk into one file (ParquetStreamWriter). Field ids ride along as
// `PARQUET:field_id` field metadata, which arrow-rs writes into the Parquet
// schema. Runs on the main thread or in parquet-encoder-thread.ts.
import { type Table, tableToIPC } from 'apache-arrow';
import {
  Compression,
  readParquet,
  transformParquetStream,
  type RecordBatch as WasmRecordBatch,
  Table as WasmTable,
  type WriterProperties,
  WriterPropertiesBuilder,
  writeParquet,
} from 'parquet-wasm';
import { ValidationError } from '../errors.ts';
import { DEFAULT_ZSTD, ParquetPageRecompressor, recompressParquetFile } from './parquet-page-recompressor.ts';
import type { ParquetCompression } from './parquet-write-properties.ts';
import type { PerColumnZstd, ZstdSettings } from './zstd-page-levels.ts';

export interface ParquetWriterOptions {
  readonly compression: ParquetCompression;
  /** zstd only (the other codecs run at arrow-rs's defaults); default DEFAULT_ZSTD. */
  readonly compressionLevel?: number;
  /** Rows per row group at most. */
  readonly maxRowGroupRows?: number;
  readonly dataPageSizeBytes?: number;
  readonly dictionaryEnabled?: boolean;
  readonly dictionaryPageSizeBytes?: number;
  /** Dotted Parquet column paths written without a dictionary (plain encoding). */
  readonly plainColumns?: readonly string[];
  /** zstd at the default level: let each column of a flat schema take level 1 where it wins. */
  readonly zstdPerColumn?: PerColumnZstd;
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
 * Encodes the table as one Parquet file. parquet-wasm 0.8 exposes no codec level:
 * zstd pages are written uncompressed and compressed at the level asked for by
 * parquet-page-recompressor.ts; the other codecs run at arrow-rs's defaults.
 */
export function writeArrowTableToParquet(table: Table, options: ParquetWriterOptions): Uint8Array {
  return writeArrowIpcToParquet(tableToIPC(table, 'stream'), options);
}

/** The same from an Arrow IPC stream (what a worker thread receives). */
export function writeArrowIpcToParquet(ipc: Uint8Array, options: ParquetWriterOptions): Uint8Array {
  const properties = writerProperties(options);
  let wasmTable: WasmTable;
  try {
    wasmTable = WasmTable.fromIPCStream(ipc);
  } catch (cause) {
    properties.free();
    throw rejectedIpc(cause);
  }
  try {
    // Consumes both the table and the properties.
    const bytes = writeParquet(wasmTable, properties);
    const zstd = zstdSettings(options);
    return zstd === undefined ? bytes : recompressParquetFile(bytes, zstd);
  } catch (cause) {
    throw new ValidationError(`parquet-wasm failed to write Parquet: ${String(cause)}`, {}, { cause });
  }
}

/**
 * Decodes a whole Parquet file, or only the row groups listed, into an Arrow IPC
 * stream (compaction reads data files back with it, one row group at a time).
 */
export function readParquetToArrowIpc(bytes: Uint8Array, rowGroups?: readonly number[]): Uint8Array {
  let table: WasmTable;
  try {
    table = rowGroups === undefined ? readParquet(bytes) : readParquet(bytes, { rowGroups: [...rowGroups] });
  } catch (cause) {
    throw new ValidationError(
      `parquet-wasm could not read the Parquet file: ${String(cause)}`,
      {},
      { cause },
    );
  }
  // Consumes the table.
  return table.intoIPCStream();
}

/**
 * Where the plain pages arrow-rs writes for zstd go to be compressed: `pages`
 * takes whole pages (what arrow-rs flushed before its input ended), `finish`
 * the rest of the file. ParquetPageRecompressor does it on the spot; a
 * compressor thread (parquet-compressor-thread.ts) while the next row group is
 * encoded, its promises pacing the writer.
 */
export interface PageRewriter {
  pages(bytes: Uint8Array): void | Promise<void>;
  finish(bytes: Uint8Array): void | Promise<void>;
  /** The file was dropped or failed: free what is held for it. */
  abort?(): void;
}

export type PageRewriterFactory = (zstd: ZstdSettings, emit: (bytes: Uint8Array) => void) => PageRewriter;

const inPlace: PageRewriterFactory = (zstd, emit) => new ParquetPageRecompressor(zstd, emit);

/**
 * One Parquet file written from Arrow IPC chunks as they come: arrow-rs encodes
 * each chunk into the open row group (row groups close at maxRowGroupRows), so
 * WebAssembly memory holds one chunk and the encoded row group, not the file's
 * Arrow data. `onTaken` runs when the writer takes a chunk (backpressure);
 * `onOutput` receives the file's bytes in order as arrow-rs flushes them (one
 * piece per row group, the footer with the last), so the file is never whole
 * in memory. `rewriter` compresses zstd pages (default: on this thread).
 */
export class ParquetStreamWriter {
  readonly #pending: WasmRecordBatch[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #aborted: Error | undefined;
  readonly #done: Promise<void>;
  /** Set once the writer saw the end of its input: only then come indexes and footer. */
  #inputEnded = false;

  constructor(
    options: ParquetWriterOptions,
    onTaken: () => void,
    onOutput: (bytes: Uint8Array) => void,
    rewriter: PageRewriterFactory = inPlace,
  ) {
    const zstd = zstdSettings(options);
    const recompressor = zstd === undefined ? undefined : rewriter(zstd, onOutput);
    const tail: Uint8Array[] = [];
    const input = new ReadableStream<WasmRecordBatch>(
      {
        pull: async (controller) => {
          while (this.#pending.length === 0 && !this.#closed && this.#aborted === undefined) {
            await new Promise<void>((resolve) => {
              this.#wake = resolve;
            });
          }
          if (this.#aborted !== undefined) controller.error(this.#aborted);
          else if (this.#pending.length > 0) {
            controller.enqueue(this.#pending.shift()!);
            onTaken();
          } else {
            this.#inputEnded = true;
            controller.close();
          }
        },
      },
      { highWaterMark: 0 },
    );
    this.#done = transformParquetStream(input, writerProperties(options))
      .then(async (output) => {
        for await (const bytes of output) {
          if (recompressor === undefined) onOutput(bytes);
          else if (this.#inputEnded) tail.push(bytes);
          else await recompressor.pages(bytes);
        }
        await recompressor?.finish(concatBytes(tail));
      })
      .catch((cause: unknown) => {
        recompressor?.abort?.();
        throw new ValidationError(`parquet-wasm failed to write Parquet: ${String(cause)}`, {}, { cause });
      });
    this.#done.catch(() => undefined); // surfaced by close()
  }

  /** Queues a chunk (an Arrow IPC stream of the file's schema); the first one fixes the schema. */
  write(ipc: Uint8Array): void {
    let table: WasmTable;
    try {
      table = WasmTable.fromIPCStream(ipc);
    } catch (cause) {
      throw rejectedIpc(cause);
    }
    const batches = table.recordBatches();
    table.free();
    this.#pending.push(...batches);
    this.#wake?.();
  }

  /** Ends the file: resolves once every piece, the footer last, went to `onOutput`. */
  close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    return this.#done;
  }

  /** Drops the file (its batch was discarded), freeing what the writer holds. */
  abort(): void {
    this.#aborted = new ValidationError('Parquet stream aborted');
    for (const batch of this.#pending.splice(0)) batch.free();
    this.#wake?.();
  }
}

/** How to recompress zstd pages, or undefined when arrow-rs compresses (other codecs). */
function zstdSettings(options: ParquetWriterOptions): ZstdSettings | undefined {
  if (options.compression !== 'zstd') return undefined;
  if (options.compressionLevel !== undefined) return { level: options.compressionLevel };
  return options.zstdPerColumn === undefined
    ? DEFAULT_ZSTD
    : { ...DEFAULT_ZSTD, perColumn: options.zstdPerColumn };
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/**
 * Values arrow-rs writes per step (its default is 1024). A page closes after
 * the step that reaches 20,000 rows, so pages of nullable columns hold 24,576
 * rows instead of 20,480: on the benchmark's wide rows the files came out 0.5%
 * smaller at the same CPU; 16,384 and more cost 10% more WebAssembly time.
 */
const WRITE_BATCH_ROWS = 8192;

function writerProperties(options: ParquetWriterOptions): WriterProperties {
  // zstd is applied afterwards, at its level (parquet-page-recompressor.ts).
  const codec = zstdSettings(options) === undefined ? CODECS[options.compression] : Compression.UNCOMPRESSED;
  let builder = new WriterPropertiesBuilder().setCompression(codec).setWriteBatchSize(WRITE_BATCH_ROWS);
  if (options.maxRowGroupRows !== undefined) builder = builder.setMaxRowGroupSize(options.maxRowGroupRows);
  if (options.dataPageSizeBytes !== undefined)
    builder = builder.setDataPageSizeLimit(options.dataPageSizeBytes);
  if (options.dictionaryEnabled !== undefined)
    builder = builder.setDictionaryEnabled(options.dictionaryEnabled);
  for (const column of options.plainColumns ?? [])
    builder = builder.setColumnDictionaryEnabled(column, false);
  if (options.dictionaryPageSizeBytes !== undefined) {
    builder = builder.setDictionaryPageSizeLimit(options.dictionaryPageSizeBytes);
  }
  return builder.build();
}

function rejectedIpc(cause: unknown): ValidationError {
  return new ValidationError(`parquet-wasm rejected the Arrow IPC stream: ${String(cause)}`, {}, { cause });
}
