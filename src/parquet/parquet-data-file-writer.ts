// Rows -> one Parquet data file plus what its manifest entry needs: record count,
// per-field-id statistics (with compressed column sizes read back from the footer)
// and row group offsets.
import type { Table } from 'apache-arrow';
import { ValidationError } from '../errors.ts';
import { isPrimitive, type Row, type Schema } from '../iceberg/types.ts';
import { type ColumnStats, mergeColumnStats } from './column-stats.ts';
import { plainColumns } from './dictionary-choice.ts';
import type { EncoderStream, ParquetEncoderPool } from './parquet-encoder-pool.ts';
import { readParquetFooter } from './parquet-footer.ts';
import { type ParquetWriterOptions, writeArrowTableToParquet } from './parquet-wasm-writer.ts';
import type { ParquetWriteProperties } from './parquet-write-properties.ts';
import { type ColumnFill, RecordBatchBuilder } from './record-batch-builder.ts';

export interface ParquetDataFile extends WrittenParquetFile {
  readonly bytes: Uint8Array;
}

/** What a data file's manifest entry needs; its bytes went to storage as they were encoded. */
export interface WrittenParquetFile {
  readonly sizeBytes: number;
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
  const bytes = writeArrowTableToParquet(prepared.table, prepared.options);
  return { ...described(bytes, bytes.length, prepared), bytes };
}

/** Where a streamed file's bytes go as they are encoded (io/file-io.ts's FileOutput fits). */
export interface ParquetSink {
  write(bytes: Uint8Array): Promise<void>;
  /** Publishes the file once every byte was written. */
  close(): Promise<void>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

export interface StreamedFileOptions {
  /** Receives the file row group by row group; without one, finish() returns the bytes. */
  readonly sink?: ParquetSink;
  /** Arrow bytes per chunk sent to the encoder (default 16 MiB: WebAssembly memory stays small). */
  readonly chunkBytes?: number;
  /** How often (in rows) the chunk's size is measured; default 1024. */
  readonly checkEveryRows?: number;
  /**
   * A chunk open this long (ms) goes to the encoder at the next check however
   * small it is (default 250), so a slow stream's rows are encoded while the
   * batch runs, not all in its commit.
   */
  readonly chunkMs?: number;
}

const CHUNK_BYTES = 16 * 1024 * 1024;
const CHECK_EVERY_ROWS = 1024;
const CHUNK_MS = 250;

/**
 * One data file written while rows arrive: every ~16 MiB of Arrow columns goes to
 * a pool thread that encodes it into the open row group, so the file's Arrow data
 * is never all in memory and encoding overlaps with decoding the next records.
 * Each finished row group goes on to the sink (S3 multipart part, local append)
 * while the next is encoded, so the encoded file is not held either: memory holds
 * the open chunk, at most two queued chunks, the encoder's open row group and the
 * row groups the sink has not taken yet (`bufferedBytes`).
 */
export class StreamedParquetFile {
  readonly #schema: Schema;
  readonly #props: ParquetWriteProperties;
  readonly #pool: ParquetEncoderPool;
  #builder: RecordBatchBuilder;
  #stream: EncoderStream | undefined;
  #columns: Map<number, ColumnStats> | undefined;
  #sentRows = 0;
  #sentBytes = 0;
  readonly #chunkBytes: number;
  readonly #checkEvery: number;
  readonly #chunkMs: number;
  /** When the open chunk took its first row (performance.now()). */
  #chunkOpenedAt = 0;
  readonly #sink: ParquetSink | undefined;
  /** Without a sink: every piece, for finish(). */
  readonly #pieces: Uint8Array[] = [];
  /** A copy of the file's last bytes so far: the footer in the end. */
  #tail: Uint8Array = new Uint8Array(0);
  #sizeBytes = 0;
  /** Sink writes in order; the first failure is kept. */
  #writes: Promise<void> = Promise.resolve();
  #unwrittenBytes = 0;
  #sinkFailure: unknown;

  constructor(
    schema: Schema,
    props: ParquetWriteProperties,
    pool: ParquetEncoderPool,
    options: StreamedFileOptions = {},
  ) {
    this.#schema = schema;
    this.#props = props;
    this.#pool = pool;
    this.#builder = new RecordBatchBuilder(schema);
    this.#chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
    this.#checkEvery = options.checkEveryRows ?? CHECK_EVERY_ROWS;
    this.#chunkMs = options.chunkMs ?? CHUNK_MS;
    this.#sink = options.sink;
  }

  /**
   * Appends a row (atomically: a ValidationError leaves the file as it was); returns
   * a promise only when the encoder is behind and the caller should wait.
   */
  append(row: Row): Promise<void> | undefined {
    this.#builder.append(row);
    return this.#appended();
  }

  /** Like append, for a row written straight into the columns (RecordBatchBuilder.appendWith). */
  appendWith(fill: ColumnFill): Promise<void> | undefined {
    this.#builder.appendWith(fill);
    return this.#appended();
  }

  #appended(): Promise<void> | undefined {
    const builder = this.#builder;
    if (builder.rowCount === 1) this.#chunkOpenedAt = performance.now();
    if (builder.rowCount % this.#checkEvery !== 0) return undefined;
    if (builder.estimatedBytes < this.#chunkBytes && performance.now() - this.#chunkOpenedAt < this.#chunkMs)
      return undefined;
    const stream = this.#send();
    // At most two chunks wait for the encoder; then the caller waits too.
    const backlog = 2 * this.#chunkBytes;
    return stream.queuedBytes > backlog ? stream.drained(backlog) : undefined;
  }

  get rowCount(): number {
    return this.#sentRows + this.#builder.rowCount;
  }

  /** Rows handed to the encoder so far (the rest are in the open chunk). */
  get sentRows(): number {
    return this.#sentRows;
  }

  /** Arrow bytes of every row so far (what the file would take uncompressed). */
  get estimatedBytes(): number {
    return this.#sentBytes + this.#builder.estimatedBytes;
  }

  /** Bytes in memory: the open chunk, the chunks the encoder has not taken, encoded bytes not yet stored. */
  get bufferedBytes(): number {
    return this.#builder.estimatedBytes + (this.#stream?.queuedBytes ?? 0) + this.#unwrittenBytes;
  }

  /** Encodes the rest, stores it and closes the sink; `bytes` only without a sink. */
  async finish(): Promise<WrittenParquetFile & { readonly bytes?: Uint8Array }> {
    if (this.#builder.rowCount > 0 || this.#stream === undefined) this.#send();
    try {
      await this.#stream!.close();
      await this.#writes;
      if (this.#sinkFailure !== undefined) throw this.#sinkFailure;
    } catch (error) {
      await this.#sink?.abort().catch(() => undefined);
      throw error;
    }
    const prepared = { recordCount: this.#sentRows, columns: this.#columns! };
    const written = described(footerBytes(this.#tail, this.#sizeBytes), this.#sizeBytes, prepared);
    if (this.#sink === undefined) return { ...written, bytes: concat(this.#pieces, this.#sizeBytes) };
    await this.#sink.close();
    return written;
  }

  /** Drops the file (its batch was discarded). */
  abort(): void {
    this.#stream?.abort();
    void this.#writes.then(() => this.#sink?.abort()).catch(() => undefined);
  }

  #received(bytes: Uint8Array): void {
    this.#sizeBytes += bytes.length;
    this.#tail = keepTail(this.#tail, bytes);
    const sink = this.#sink;
    if (sink === undefined) {
      this.#pieces.push(bytes);
      return;
    }
    this.#unwrittenBytes += bytes.length;
    this.#writes = this.#writes.then(async () => {
      try {
        if (this.#sinkFailure === undefined) await sink.write(bytes);
      } catch (error) {
        this.#sinkFailure = error;
      } finally {
        this.#unwrittenBytes -= bytes.length;
      }
    });
  }

  #send(): EncoderStream {
    const builder = this.#builder;
    const columns = builder.columnStats();
    this.#columns = this.#columns === undefined ? columns : mergeColumnStats(this.#columns, columns);
    const { rowCount, estimatedBytes } = builder;
    const table = builder.finish();
    this.#stream ??= this.#pool.openStream(
      writerOptions(this.#schema, this.#props, estimatedBytes, rowCount, table),
      (bytes) => this.#received(bytes),
    );
    this.#sentRows += rowCount;
    this.#sentBytes += estimatedBytes;
    let sent = false;
    try {
      this.#stream.write(table);
      sent = true;
    } finally {
      // write() sent an IPC copy of the table: the next chunk fills the same buffers.
      // A failed write leaves an open builder, so finish() reports the stream's failure.
      this.#builder = new RecordBatchBuilder(this.#schema, builder, sent);
    }
    return this.#stream;
  }
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
  const { estimatedBytes } = builder;
  const columns = builder.columnStats();
  const table = builder.finish();
  const options = writerOptions(schema, props, estimatedBytes, recordCount, table);
  return { table, options, recordCount, columns };
}

/**
 * Row groups of write.parquet.row-group-size-bytes, measured in Arrow bytes per
 * row; dictionaries chosen from the file's first rows (`sample`).
 */
function writerOptions(
  schema: Schema,
  props: ParquetWriteProperties,
  arrowBytes: number,
  rows: number,
  sample: Table,
): ParquetWriterOptions {
  const bytesPerRow = rows === 0 ? 1 : Math.max(1, arrowBytes / rows);
  const maxRowGroupRows = Math.max(1, Math.floor(props.rowGroupSizeBytes / bytesPerRow));
  const plain = props.dictionaryEnabled ? plainColumns(schema, sample) : [];
  // zstd-page-levels.ts counts a column per field: only when each is one leaf.
  const flat = schema.fields.every((field) => isPrimitive(field.type));
  return {
    compression: props.compression,
    ...(props.compressionLevel === undefined ? {} : { compressionLevel: props.compressionLevel }),
    maxRowGroupRows,
    dataPageSizeBytes: props.pageSizeBytes,
    dictionaryEnabled: props.dictionaryEnabled,
    dictionaryPageSizeBytes: props.dictionaryPageSizeBytes,
    plainColumns: plain,
    ...(flat && schema.fields.length > 0
      ? {
          zstdPerColumn: {
            key: `${schema.fields.map((f) => `${f.id}:${f.type.kind}`).join(',')}|${plain.join(',')}`,
            columns: schema.fields.length,
            rowGroupRows: maxRowGroupRows,
          },
        }
      : {}),
  };
}

/** The footer's statistics checked against the batch's; `footerEnd` holds at least the footer. */
function described(
  footerEnd: Uint8Array,
  sizeBytes: number,
  prepared: Pick<Prepared, 'recordCount' | 'columns'>,
): WrittenParquetFile {
  const { recordCount, columns } = prepared;
  const footer = readParquetFooter(footerEnd);
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
  return { sizeBytes, recordCount, columns, splitOffsets };
}

/** Bytes kept from a streamed file's end: its footer is a few KiB per row group of a wide schema. */
const TAIL_BYTES = 4 * 1024 * 1024;

/** The last TAIL_BYTES of `tail` followed by `piece`, copied (the piece goes on to storage). */
function keepTail(tail: Uint8Array, piece: Uint8Array): Uint8Array {
  const fromPiece = Math.min(piece.length, TAIL_BYTES);
  const fromTail = Math.min(tail.length, TAIL_BYTES - fromPiece);
  const kept = new Uint8Array(fromTail + fromPiece);
  kept.set(tail.subarray(tail.length - fromTail), 0);
  kept.set(piece.subarray(piece.length - fromPiece), fromTail);
  return kept;
}

function concat(pieces: readonly Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1 && pieces[0]!.length === length) return pieces[0]!;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  return bytes;
}

/**
 * The file's end, parseable by readParquetFooter: the leading magic and the
 * footer. A file small enough to be all in the tail is returned as it is.
 */
function footerBytes(end: Uint8Array, sizeBytes: number): Uint8Array {
  if (end.length === sizeBytes || end.length < 8) return end;
  const footerLength = new DataView(end.buffer, end.byteOffset + end.length - 8, 4).getUint32(0, true);
  if (footerLength + 8 > end.length) {
    throw new ValidationError(
      `Parquet footer of ${footerLength} bytes is larger than the ${TAIL_BYTES} kept`,
    );
  }
  const footer = end.subarray(end.length - 8 - footerLength);
  const bytes = new Uint8Array(4 + footer.length);
  bytes.set(new TextEncoder().encode('PAR1'), 0);
  bytes.set(footer, 4);
  return bytes;
}

function buildRows(schema: Schema, rows: readonly Row[]): RecordBatchBuilder {
  const builder = new RecordBatchBuilder(schema);
  for (const row of rows) builder.append(row);
  return builder;
}
