// Rows (Iceberg value representation) -> one Arrow record batch, built column by
// column into typed buffers, with per-leaf statistics gathered on the way.
import { type Schema as ArrowSchema, makeData, RecordBatch, Struct, Table } from 'apache-arrow';
import { FloeError, ValidationError } from '../errors.ts';
import type { Row, Schema } from '../iceberg/types.ts';
import { icebergSchemaToArrow } from './arrow-schema.ts';
import type { ColumnBuilder } from './column-builder.ts';
import { createFieldBuilder } from './column-builders.ts';
import type { ColumnStats } from './column-stats.ts';
import { RowEpoch } from './row-epoch.ts';

/** Writes one row's values into the columns, one slot each (see RecordBatchBuilder.appendWith). */
export type ColumnFill = (columns: readonly ColumnBuilder[]) => void;

export class RecordBatchBuilder {
  readonly schema: Schema;
  readonly arrowSchema: ArrowSchema;
  private readonly columns: readonly ColumnBuilder[];
  /** Appends a row's values column by column (generated: see compileAppend). */
  private readonly appendColumns: (row: Row) => void;
  private readonly epoch = new RowEpoch();
  private rows = 0;
  private finished = false;

  /**
   * `like`: the batch before, of the same schema: its size presizes the columns.
   * `recycle`: `like` is finished and its table is read no more (serialized):
   * the columns take over its buffers (see ColumnBuilder.presize).
   */
  constructor(schema: Schema, like?: RecordBatchBuilder, recycle = false) {
    this.schema = schema;
    this.arrowSchema = icebergSchemaToArrow(schema);
    this.columns = schema.fields.map((f) => createFieldBuilder(f, this.epoch));
    if (like !== undefined && like.schema === schema) {
      if (recycle && !like.finished) throw new FloeError('RecordBatchBuilder: recycling an unfinished batch');
      for (const [i, column] of this.columns.entries()) column.presize(like.rows, like.columns[i]!, recycle);
    }
    this.appendColumns = compileAppend(
      schema.fields.map((f) => f.name),
      this.columns,
      (failed, error) => {
        // Columns after the failing one were not touched.
        for (let j = 0; j <= failed && j < this.columns.length; j++) this.columns[j]!.rollback(this.rows);
        throw error;
      },
    );
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Approximate size of the Arrow buffers so far (uncompressed, before encoding). */
  get estimatedBytes(): number {
    let bytes = 0;
    for (const column of this.columns) bytes += column.byteLength();
    return bytes;
  }

  /**
   * Appends one row, atomically: a row that fails validation throws a ValidationError
   * naming the field and leaves every column (values, nulls, offsets, statistics) as
   * it was before the row, so the builder goes on with the next row.
   */
  append(row: Row): void {
    if (this.finished) throw new FloeError('RecordBatchBuilder.append after finish()');
    if (typeof row !== 'object' || row === null) {
      throw new ValidationError(`row must be an object, got ${row === null ? 'null' : typeof row}`);
    }
    this.epoch.current++;
    this.appendColumns(row);
    this.rows++;
  }

  /**
   * Appends one row that `fill` writes straight into the columns (a decoder that
   * makes no row object: src/codec/avro-column-decoder.ts), in the table schema's
   * column order; `fill` must append exactly one slot to every column. Atomic
   * like append: whatever fill throws, every column is rolled back to the rows
   * before and the error goes on.
   */
  appendWith(fill: ColumnFill): void {
    if (this.finished) throw new FloeError('RecordBatchBuilder.appendWith after finish()');
    this.epoch.current++;
    try {
      fill(this.columns);
    } catch (error) {
      for (const column of this.columns) column.rollback(this.rows);
      throw error;
    }
    this.rows++;
  }

  /** Like append, but returns the ValidationError of a rejected row instead of throwing it. */
  tryAppend(row: Row): ValidationError | undefined {
    try {
      this.append(row);
      return undefined;
    } catch (error) {
      if (error instanceof ValidationError) return error;
      throw error;
    }
  }

  /** Statistics per leaf field id (nested leaves included). */
  columnStats(): Map<number, ColumnStats> {
    const stats = new Map<number, ColumnStats>();
    for (const column of this.columns) column.collectStats(stats);
    return stats;
  }

  /** The rows as a one-batch Arrow table; the builder accepts no more rows afterwards. */
  finish(): Table {
    if (this.finished) throw new FloeError('RecordBatchBuilder.finish called twice');
    this.finished = true;
    const data = makeData({
      type: new Struct(this.arrowSchema.fields),
      length: this.rows,
      nullCount: 0,
      children: this.columns.map((column) => column.finish()),
    });
    return new Table(new RecordBatch(this.arrowSchema, data));
  }
}

/**
 * `(row) => { columns[0].append(row[names[0]]); ... }` as straight-line code, one
 * call site and one constant-key property load per column: V8 keeps each
 * monomorphic, where a loop over 50 builder classes and names is megamorphic
 * (measured on the benchmark's wide rows). `failed(i, error)` gets the index of
 * the column that threw.
 */
function compileAppend(
  names: readonly string[],
  columns: readonly ColumnBuilder[],
  failed: (index: number, error: unknown) => never,
): (row: Row) => void {
  const key = JSON.stringify(names);
  let factory = appendFactories.get(key);
  if (factory === undefined) {
    const body = names
      .map((name, i) => `c${i}.append(row[${JSON.stringify(name)}]); i = ${i + 1};`)
      .join('\n');
    const params = columns.map((_, i) => `c${i}`);
    factory = new Function(
      'failed',
      ...params,
      `return function appendColumns(row) {\nlet i = 0;\ntry {\n${body}\n} catch (error) { failed(i, error); }\n};`,
    ) as AppendFactory;
    if (appendFactories.size >= MAX_APPEND_FACTORIES) appendFactories.clear();
    appendFactories.set(key, factory);
  }
  return factory(failed, ...columns);
}

type AppendFactory = (...args: unknown[]) => (row: Row) => void;

/**
 * compileAppend's generated code per list of column names: a file makes a new
 * builder every chunk, and one function for all of them keeps V8's compiled code
 * and type feedback instead of starting cold each chunk.
 */
const appendFactories = new Map<string, AppendFactory>();
const MAX_APPEND_FACTORIES = 256;
