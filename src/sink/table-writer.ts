// Rows of one table -> Parquet data files: fan-out by partition, one open file
// per partition (encoded chunk by chunk on the encoder pool, each row group
// streamed to the FileIO as it is encoded), rolled to a new file near the
// table's target file size (write.target-file-size-bytes). Returns the
// DataFiles to commit; nothing here touches the catalog.
import { randomUUID } from 'node:crypto';
import { crashPoint } from '../crash-points.ts';
import { FloeError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { partitionPath } from '../iceberg/partition-path.ts';
import type { PartitionSpec, PartitionTuple } from '../iceberg/partition-spec.ts';
import type { Row, Schema } from '../iceberg/types.ts';
import { type FileIO, openOutput } from '../io/file-io.ts';
import { StreamedParquetFile } from '../parquet/parquet-data-file-writer.ts';
import { type ParquetEncoderPool, sharedParquetEncoderPool } from '../parquet/parquet-encoder-pool.ts';
import {
  type ParquetWriteProperties,
  parquetWritePropertiesFromTable,
} from '../parquet/parquet-write-properties.ts';
import type { ColumnFill } from '../parquet/record-batch-builder.ts';
import { dataFileMetrics } from './data-file-metrics.ts';
import { Partitioner, partitionKey } from './partitioner.ts';

export interface TableWriterOptions {
  readonly io: FileIO;
  readonly schema: Schema;
  readonly spec: PartitionSpec;
  readonly properties: Readonly<Record<string, string>>;
  /** Folder for data files (see table-paths.ts). */
  readonly dataDirectory: string;
  /** Parquet bytes per file at most, when smaller than write.target-file-size-bytes. */
  readonly maxFileBytes?: number;
  /** The worker-thread pool encoding Parquet (default: the shared one). */
  readonly encoder?: ParquetEncoderPool;
  /** The end of every data file's name (default `.parquet`; keyed modes attribute files to a Kafka partition). */
  readonly fileSuffix?: string;
}

interface OpenFile {
  readonly tuple: PartitionTuple;
  readonly file: StreamedParquetFile;
  readonly path: string;
}

/** A file rolls before this many Arrow bytes whatever the compression (guards a bad estimate). */
const MAX_FILE_ARROW_BYTES = 4 * 1024 * 1024 * 1024;

export class TableWriter {
  readonly #options: TableWriterOptions;
  readonly #parquet: ParquetWriteProperties;
  readonly #partitioner: Partitioner;
  readonly #open = new Map<string, OpenFile>();
  readonly #written: DataFile[] = [];
  readonly #filePrefix = randomUUID();
  #fileCount = 0;
  /** Written bytes per buffered byte so far; adapts the roll-over point to the real compression. */
  #compressionRatio = 0.5;
  #writtenBytes = 0;
  #bufferedBytesWritten = 0;

  constructor(options: TableWriterOptions) {
    this.#options = options;
    this.#parquet = parquetWritePropertiesFromTable(options.properties);
    this.#partitioner = new Partitioner(options.spec, options.schema);
  }

  /**
   * Adds one row; throws a ValidationError naming the field when it does not fit
   * the schema. Returns a promise only when the encoder is behind (wait for it).
   * `placed` learns the file and row position the row gets (the upsert key index).
   */
  append(row: Row, placed?: (path: string, position: number) => void): Promise<void> | undefined {
    const tuple = this.#partitioner.partition(row);
    const open = this.#openFile(tuple, partitionKey(tuple));
    const position = open.file.rowCount;
    const appended = open.file.append(row);
    placed?.(open.path, position);
    return appended;
  }

  /** An unpartitioned table: rows can be written without a row object (appendWith). */
  get unpartitioned(): boolean {
    return this.#partitioner.spec.fields.length === 0;
  }

  /**
   * Adds one row of an unpartitioned table that `fill` writes straight into the
   * columns of the writer's schema (RecordBatchBuilder.appendWith), atomically.
   */
  appendWith(fill: ColumnFill): Promise<void> | undefined {
    if (!this.unpartitioned) throw new FloeError('TableWriter.appendWith on a partitioned table');
    return this.#openFile([], '').file.appendWith(fill);
  }

  #openFile(tuple: PartitionTuple, key: string): OpenFile {
    let open = this.#open.get(key);
    if (open === undefined) {
      const path = this.#nextPath(tuple);
      const file = new StreamedParquetFile(
        this.#options.schema,
        this.#parquet,
        this.#options.encoder ?? sharedParquetEncoderPool(),
        { sink: openOutput(this.#options.io, path) },
      );
      open = { tuple, file, path };
      this.#open.set(key, open);
    }
    return open;
  }

  /** Arrow bytes held in memory (open chunks and chunks waiting for the encoder). */
  get bufferedBytes(): number {
    let bytes = 0;
    for (const open of this.#open.values()) bytes += open.file.bufferedBytes;
    return bytes;
  }

  /** Writes out the partitions whose file reached the roll-over size. */
  async rollFull(): Promise<void> {
    const target = Math.min(this.#parquet.targetFileSizeBytes, this.#options.maxFileBytes ?? Infinity);
    const limit = Math.min(MAX_FILE_ARROW_BYTES, target / this.#compressionRatio);
    for (const [key, open] of this.#open) {
      if (open.file.estimatedBytes >= limit) {
        this.#open.delete(key);
        await this.#writeFile(open);
      }
    }
  }

  /** Writes every open batch and returns all data files of this writer. */
  async finish(): Promise<DataFile[]> {
    for (const [key, open] of this.#open) {
      this.#open.delete(key);
      if (open.file.rowCount > 0) await this.#writeFile(open);
    }
    return [...this.#written];
  }

  /** Drops the open files (the batch was discarded); the encoder frees them. */
  abort(): void {
    for (const open of this.#open.values()) open.file.abort();
    this.#open.clear();
  }

  #nextPath(tuple: PartitionTuple): string {
    const { schema, spec, dataDirectory } = this.#options;
    const folder =
      spec.fields.length === 0 ? dataDirectory : `${dataDirectory}/${partitionPath(spec, schema, tuple)}`;
    const suffix = this.#options.fileSuffix ?? '.parquet';
    const name = `${String(this.#fileCount++).padStart(5, '0')}-${this.#filePrefix}${suffix}`;
    return `${folder}/${name}`;
  }

  /** Encodes the file's last rows and closes it in storage (its row groups went there already). */
  async #writeFile(open: OpenFile): Promise<void> {
    const { schema, spec, properties } = this.#options;
    const buffered = open.file.estimatedBytes;
    const file = await open.file.finish();
    this.#bufferedBytesWritten += buffered;
    this.#writtenBytes += file.sizeBytes;
    this.#compressionRatio = Math.min(
      1,
      Math.max(0.02, this.#writtenBytes / Math.max(1, this.#bufferedBytesWritten)),
    );
    crashPoint('after-data-file-write');
    this.#written.push({
      content: 0,
      filePath: open.path,
      fileFormat: 'PARQUET',
      specId: spec.specId,
      partition: open.tuple,
      recordCount: file.recordCount,
      fileSizeInBytes: file.sizeBytes,
      ...dataFileMetrics(schema, file.columns, properties),
      splitOffsets: file.splitOffsets,
    });
  }
}
