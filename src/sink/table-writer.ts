// Rows of one table -> Parquet data files: fan-out by partition, one open
// Arrow batch per partition, rolled to a new file near the table's target file
// size (write.target-file-size-bytes), uploaded through the FileIO. Returns the
// DataFiles to commit; nothing here touches the catalog.
import { randomUUID } from 'node:crypto';
import { crashPoint } from '../crash-points.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { partitionPath } from '../iceberg/partition-path.ts';
import type { PartitionSpec, PartitionTuple } from '../iceberg/partition-spec.ts';
import type { Row, Schema } from '../iceberg/types.ts';
import type { FileIO } from '../io/file-io.ts';
import { encodeParquetDataFile, writeParquetDataFile } from '../parquet/parquet-data-file-writer.ts';
import { type ParquetEncoderPool, sharedParquetEncoderPool } from '../parquet/parquet-encoder-pool.ts';
import {
  type ParquetWriteProperties,
  parquetWritePropertiesFromTable,
} from '../parquet/parquet-write-properties.ts';
import { RecordBatchBuilder } from '../parquet/record-batch-builder.ts';
import { dataFileMetrics } from './data-file-metrics.ts';
import { Partitioner, partitionKey } from './partitioner.ts';

export interface TableWriterOptions {
  readonly io: FileIO;
  readonly schema: Schema;
  readonly spec: PartitionSpec;
  readonly properties: Readonly<Record<string, string>>;
  /** Folder for data files (see table-paths.ts). */
  readonly dataDirectory: string;
  /** Upper bound on one partition's in-memory Arrow buffers before it is written out. */
  readonly maxBufferedBytesPerFile?: number;
  /** Where Parquet is encoded: a worker-thread pool (default: the shared one) or 'inline' on this thread. */
  readonly encoder?: ParquetEncoderPool | 'inline';
}

interface OpenFile {
  readonly tuple: PartitionTuple;
  builder: RecordBatchBuilder;
}

const DEFAULT_MAX_BUFFERED = 256 * 1024 * 1024;

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

  /** Adds one row; throws a ValidationError naming the field when it does not fit the schema. */
  append(row: Row): void {
    const tuple = this.#partitioner.partition(row);
    const key = partitionKey(tuple);
    let open = this.#open.get(key);
    if (open === undefined) {
      open = { tuple, builder: new RecordBatchBuilder(this.#options.schema) };
      this.#open.set(key, open);
    }
    open.builder.append(row);
  }

  get bufferedBytes(): number {
    let bytes = 0;
    for (const open of this.#open.values()) bytes += open.builder.estimatedBytes;
    return bytes;
  }

  get bufferedRows(): number {
    let rows = 0;
    for (const open of this.#open.values()) rows += open.builder.rowCount;
    return rows;
  }

  /** Writes out the partitions whose batch reached the roll-over size. */
  async rollFull(): Promise<void> {
    const limit = Math.min(
      this.#options.maxBufferedBytesPerFile ?? DEFAULT_MAX_BUFFERED,
      this.#parquet.targetFileSizeBytes / this.#compressionRatio,
    );
    for (const [key, open] of this.#open) {
      if (open.builder.estimatedBytes >= limit) {
        this.#open.delete(key);
        await this.#writeFile(open);
      }
    }
  }

  /** Writes every open batch and returns all data files of this writer. */
  async finish(): Promise<DataFile[]> {
    for (const [key, open] of this.#open) {
      this.#open.delete(key);
      if (open.builder.rowCount > 0) await this.#writeFile(open);
    }
    return [...this.#written];
  }

  async #writeFile(open: OpenFile): Promise<void> {
    const { schema, spec, properties, io, dataDirectory } = this.#options;
    const buffered = open.builder.estimatedBytes;
    const encoder = this.#options.encoder ?? sharedParquetEncoderPool();
    const file =
      encoder === 'inline'
        ? writeParquetDataFile(schema, open.builder, this.#parquet)
        : await encodeParquetDataFile(schema, open.builder, this.#parquet, encoder);
    this.#bufferedBytesWritten += buffered;
    this.#writtenBytes += file.bytes.length;
    this.#compressionRatio = Math.min(
      1,
      Math.max(0.02, this.#writtenBytes / Math.max(1, this.#bufferedBytesWritten)),
    );
    const folder =
      spec.fields.length === 0
        ? dataDirectory
        : `${dataDirectory}/${partitionPath(spec, schema, open.tuple)}`;
    const name = `${String(this.#fileCount++).padStart(5, '0')}-${this.#filePrefix}.parquet`;
    const filePath = `${folder}/${name}`;
    await io.write(filePath, file.bytes);
    crashPoint('after-data-file-write');
    this.#written.push({
      content: 0,
      filePath,
      fileFormat: 'PARQUET',
      specId: spec.specId,
      partition: open.tuple,
      recordCount: file.recordCount,
      fileSizeInBytes: file.bytes.length,
      ...dataFileMetrics(schema, file.columns, properties),
      splitOffsets: file.splitOffsets,
    });
  }
}
