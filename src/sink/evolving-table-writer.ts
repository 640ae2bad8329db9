// Rows whose source schemas change over time -> data files of one table. Each
// new record schema is folded into the table schema by name (spec: "Schema
// Evolution"); when that adds columns, the open files are closed and later rows
// are written with the evolved schema, which the commit then adds to the table
// before (atomically with) the data that needs it.
import type { DataFile } from '../iceberg/data-file.ts';
import type { PartitionSpec } from '../iceberg/partition-spec.ts';
import { IncompatibleSchemaError, unionByName } from '../iceberg/schema-evolution.ts';
import type { Row, Schema } from '../iceberg/types.ts';
import type { FileIO } from '../io/file-io.ts';
import type { ColumnFill } from '../parquet/record-batch-builder.ts';
import { TableWriter } from './table-writer.ts';

export interface EvolvingTableWriterOptions {
  readonly io: FileIO;
  /** The table's current schema and last assigned column id when the batch starts. */
  readonly schema: Schema;
  readonly lastColumnId: number;
  readonly spec: PartitionSpec;
  readonly properties: Readonly<Record<string, string>>;
  readonly dataDirectory: string;
  /** When false, a record schema that would change the table is incompatible. */
  readonly evolve: boolean;
  /** Parquet bytes per file at most (below the table's target size). */
  readonly maxFileBytes?: number;
}

export class EvolvingTableWriter {
  readonly #options: EvolvingTableWriterOptions;
  readonly #initial: Schema;
  #schema: Schema;
  #lastColumnId: number;
  #writer: TableWriter;
  readonly #finished: DataFile[] = [];
  /** Record schemas already known to fit the current table schema. */
  readonly #fits = new WeakSet<Schema>();
  #lastFit: Schema | undefined;
  readonly #changes: string[] = [];

  constructor(options: EvolvingTableWriterOptions) {
    this.#options = options;
    this.#initial = options.schema;
    this.#schema = options.schema;
    this.#lastColumnId = options.lastColumnId;
    this.#writer = this.#newWriter();
  }

  /** The schema rows are written with now; differs from the table's when `evolved`. */
  get schema(): Schema {
    return this.#schema;
  }

  get evolved(): boolean {
    return this.#schema !== this.#initial;
  }

  /** Human descriptions of the schema changes made in this batch. */
  get changes(): readonly string[] {
    return this.#changes;
  }

  get bufferedBytes(): number {
    return this.#writer.bufferedBytes;
  }

  /**
   * Adds a row described by `recordSchema` (ids ignored; matched by name); returns a
   * promise only when the record schema is new to this writer or the encoder is behind.
   * Throws IncompatibleSchemaError (nothing written) when the record cannot fit,
   * and ValidationError when a value does not fit its column.
   */
  append(row: Row, recordSchema: Schema): Promise<void> | undefined {
    if (recordSchema === this.#lastFit || this.#fits.has(recordSchema)) {
      this.#lastFit = recordSchema;
      return this.#writer.append(row); // the common case: no promise per row
    }
    return this.#adopt(recordSchema).then(() => this.#writer.append(row));
  }

  /**
   * The schema a record of `recordSchema` can be written with straight into the
   * columns (appendWith) without waiting: the record schema is known to fit and
   * the table is unpartitioned. Undefined otherwise (append a row instead).
   */
  directSchema(recordSchema: Schema): Schema | undefined {
    if (recordSchema !== this.#lastFit && !this.#fits.has(recordSchema)) return undefined;
    if (!this.#writer.unpartitioned) return undefined;
    this.#lastFit = recordSchema;
    return this.#schema;
  }

  /**
   * Adds a row that `fill` writes into the columns of the schema directSchema
   * returned (atomically); a promise only when the encoder is behind.
   */
  appendWith(fill: ColumnFill): Promise<void> | undefined {
    return this.#writer.appendWith(fill);
  }

  /** Writes out partitions that reached the file size target. */
  rollFull(): Promise<void> {
    return this.#writer.rollFull();
  }

  /** Drops the open files (the batch was discarded). */
  abort(): void {
    this.#writer.abort();
  }

  /** Every data file of the batch, open ones written out. */
  async finish(): Promise<DataFile[]> {
    this.#finished.push(...(await this.#writer.finish()));
    return [...this.#finished];
  }

  async #adopt(recordSchema: Schema): Promise<void> {
    const union = unionByName(this.#schema, recordSchema, this.#lastColumnId);
    if (union.changes.length > 0) {
      if (!this.#options.evolve) {
        throw new IncompatibleSchemaError(
          `record schema differs from the table and schema evolution is off: ${union.changes.join('; ')}`,
        );
      }
      this.#finished.push(...(await this.#writer.finish()));
      this.#schema = union.schema;
      this.#lastColumnId = union.lastColumnId;
      this.#changes.push(...union.changes);
      this.#writer = this.#newWriter();
    }
    this.#fits.add(recordSchema);
  }

  #newWriter(): TableWriter {
    const { io, spec, properties, dataDirectory, maxFileBytes } = this.#options;
    return new TableWriter({
      io,
      schema: this.#schema,
      spec,
      properties,
      dataDirectory,
      ...(maxFileBytes === undefined ? {} : { maxFileBytes }),
    });
  }
}
