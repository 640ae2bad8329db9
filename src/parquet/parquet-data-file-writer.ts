// Rows -> one Parquet data file plus what its manifest entry needs: record count,
// per-field-id statistics (with compressed column sizes read back from the footer)
// and row group offsets.
import type { Table } from 'apache-arrow';
import { ValidationError } from '../errors.ts';
import type { Row, Schema } from '../iceberg/types.ts';
import { type ColumnStats, mergeColumnStats } from './column-stats.ts';
import type { EncoderStream, ParquetEncoderPool } from './parquet-encoder-pool.ts';
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

export interface StreamedFileOptions {
  /** Arrow bytes per chunk sent to the encoder (default 16 MiB: WebAssembly memory stays small). */
  readonly chunkBytes?: number;
  /** How often (in rows) the chunk's size is measured; default 1024. */
  readonly checkEveryRows?: number;
}

const CHUNK_BYTES = 16 * 1024 * 1024;
const CHECK_EVERY_ROWS = 1024;

/**
 * One data file written while rows arrive: every ~16 MiB of Arrow columns goes to
 * a pool thread that encodes it into the open row group, so the file's Arrow data
 * is never all in memory and encoding overlaps with decoding the next records.
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
  }

  /**
   * Appends a row (atomically: a ValidationError leaves the file as it was); returns
   * a promise only when the encoder is behind and the caller should wait.
   */
  append(row: Row): Promise<void> | undefined {
    const builder = this.#builder;
    builder.append(row);
    if (builder.rowCount % this.#checkEvery !== 0 || builder.estimatedBytes < this.#chunkBytes)
      return undefined;
    const stream = this.#send();
    // At most two chunks wait for the encoder; then the caller waits too.
    const backlog = 2 * this.#chunkBytes;
    return stream.queuedBytes > backlog ? stream.drained(backlog) : undefined;
  }

  get rowCount(): number {
    return this.#sentRows + this.#builder.rowCount;
  }

  /** Arrow bytes of every row so far (what the file would take uncompressed). */
  get estimatedBytes(): number {
    return this.#sentBytes + this.#builder.estimatedBytes;
  }

  /** Arrow bytes in memory: the open chunk and the chunks the encoder has not taken. */
  get bufferedBytes(): number {
    return this.#builder.estimatedBytes + (this.#stream?.queuedBytes ?? 0);
  }

  async finish(): Promise<ParquetDataFile> {
    if (this.#builder.rowCount > 0 || this.#stream === undefined) this.#send();
    const bytes = await this.#stream!.close();
    return described(bytes, { recordCount: this.#sentRows, columns: this.#columns! });
  }

  /** Drops the file (its batch was discarded). */
  abort(): void {
    this.#stream?.abort();
  }

  #send(): EncoderStream {
    const builder = this.#builder;
    const columns = builder.columnStats();
    this.#columns = this.#columns === undefined ? columns : mergeColumnStats(this.#columns, columns);
    this.#stream ??= this.#pool.openStream(
      writerOptions(this.#schema, this.#props, builder.estimatedBytes, builder.rowCount),
    );
    this.#sentRows += builder.rowCount;
    this.#sentBytes += builder.estimatedBytes;
    this.#builder = new RecordBatchBuilder(this.#schema);
    this.#stream.write(builder.finish());
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
  const options = writerOptions(schema, props, builder.estimatedBytes, recordCount);
  const columns = builder.columnStats();
  const table = builder.finish();
  return { table, options, recordCount, columns };
}

/** Row groups of write.parquet.row-group-size-bytes, measured in Arrow bytes per row. */
function writerOptions(
  schema: Schema,
  props: ParquetWriteProperties,
  arrowBytes: number,
  rows: number,
): ParquetWriterOptions {
  const bytesPerRow = rows === 0 ? 1 : Math.max(1, arrowBytes / rows);
  return {
    compression: props.compression,
    maxRowGroupRows: Math.max(1, Math.floor(props.rowGroupSizeBytes / bytesPerRow)),
    dataPageSizeBytes: props.pageSizeBytes,
    dictionaryEnabled: props.dictionaryEnabled,
    dictionaryPageSizeBytes: props.dictionaryPageSizeBytes,
    plainColumns: props.dictionaryEnabled ? plainColumns(schema) : [],
  };
}

function described(bytes: Uint8Array, prepared: Pick<Prepared, 'recordCount' | 'columns'>): ParquetDataFile {
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
