// The contract between the record-batch builder and the per-column builders that
// fill Arrow buffers directly from row values (no per-value Arrow vectors).
import type { Data } from 'apache-arrow';
import { ValidationError } from '../errors.ts';
import type { ColumnStats } from './column-stats.ts';
import type { RowEpoch } from './row-epoch.ts';
import { ValidityBitmap } from './validity-bitmap.ts';

export interface ColumnBuilder {
  /** Arrow slots appended so far. */
  readonly length: number;
  /** Appends a row's value; null or undefined is a null, rejected for a required field. */
  append(value: unknown): void;
  /** Appends a null imposed by a null parent struct, allowed for required fields too. */
  appendMaskedNull(): void;
  /**
   * Counts the leaf slot Parquet writes for an empty or null list/map (a definition
   * level without a value) without adding anything to the Arrow data.
   */
  countAbsent(): void;
  /**
   * Undoes the row being appended (see RowEpoch): keeps the first `length` slots,
   * nested children cut to match, and restores the statistics as they were before
   * the row. Called on every column a failed row may have touched.
   */
  rollback(length: number): void;
  /**
   * Makes room for `rows` slots up front, and for as many value bytes as `like`
   * (the same column of the batch before) holds, so a batch about as large as
   * the one before does not grow its buffers row by row. Only a hint. With
   * `recycle`, `like` is finished and its Arrow data is read no more (its chunk
   * went to the encoder as an IPC copy): its buffers are taken over instead of
   * new ones allocated, which spares the garbage collector ~0.5 KB a wide row.
   */
  presize(rows: number, like: ColumnBuilder, recycle: boolean): void;
  /** Approximate bytes held in Arrow buffers so far. */
  byteLength(): number;
  finish(): Data;
  /** Adds this column's leaf statistics, keyed by field id. */
  collectStats(into: Map<number, ColumnStats>): void;
}

export interface LeafField {
  readonly fieldId: number;
  /** Dotted path for error messages, e.g. `order.items.element.price`. */
  readonly path: string;
  readonly required: boolean;
}

/** Shared null handling, counting and row rollback of every primitive column. */
export abstract class LeafColumnBuilder implements ColumnBuilder {
  readonly field: LeafField;
  protected readonly validity = new ValidityBitmap();
  private readonly epoch: RowEpoch;
  private absent = 0;
  /** The row whose pre-row statistics are saved (savedAbsent and the subclass's saveStats). */
  private savedEpoch = -1;
  private savedAbsent = 0;

  constructor(field: LeafField, epoch: RowEpoch) {
    this.field = field;
    this.epoch = epoch;
  }

  get length(): number {
    return this.validity.length;
  }

  append(value: unknown): void {
    if (value === null || value === undefined) {
      if (this.field.required) throw requiredIsNull(this.field.path);
      this.reserveNull(this.validity.length);
      this.validity.appendNull();
      return;
    }
    this.appendValue(value, this.validity.length);
    this.validity.appendValid();
  }

  appendMaskedNull(): void {
    this.reserveNull(this.validity.length);
    this.validity.appendNull();
  }

  /** append(null) for the typed fast path (avro-column-decoder.ts): throws for a required field. */
  appendNull(): void {
    if (this.field.required) throw requiredIsNull(this.field.path);
    this.reserveNull(this.validity.length);
    this.validity.appendNull();
  }

  countAbsent(): void {
    this.willChangeStats();
    this.absent++;
  }

  rollback(length: number): void {
    if (this.savedEpoch === this.epoch.current) {
      this.savedEpoch = -1;
      this.absent = this.savedAbsent;
      this.restoreStats();
    }
    if (length < this.validity.length) {
      this.dropSlots(length);
      this.validity.truncate(length);
    }
  }

  presize(rows: number, like: ColumnBuilder, recycle: boolean): void {
    if (recycle && like.constructor === this.constructor && this.length === 0) {
      const before = like as this;
      this.validity.recycle(before.validity);
      this.takeBuffers(before);
    }
    if (rows > this.length) this.reserveNull(rows - 1);
    this.validity.expect(rows);
  }

  byteLength(): number {
    return this.validity.byteLength() + this.valuesByteLength();
  }

  collectStats(into: Map<number, ColumnStats>): void {
    const stats: ColumnStats = {
      valueCount: this.validity.length + this.absent,
      nullCount: this.validity.nullCount + this.absent,
    };
    this.addBounds(stats);
    into.set(this.field.fieldId, stats);
  }

  abstract finish(): Data;

  /** Writes a non-null value at slot `index` and updates min/max. */
  protected abstract appendValue(value: unknown, index: number): void;
  /**
   * Makes room for a null at slot `index` (Arrow never reads its bytes; the int,
   * long and float columns copy the slot before into it for their bounds scan).
   */
  protected abstract reserveNull(index: number): void;
  protected abstract valuesByteLength(): number;
  /** Sets min/max (and NaN count) on the stats when any non-null value was seen. */
  protected abstract addBounds(stats: ColumnStats): void;
  /** Copies the bounds (and NaN count) aside for restoreStats. */
  protected abstract saveStats(): void;
  protected abstract restoreStats(): void;

  /** Takes the value buffers of `before`, a finished column of the same class (see presize). */
  protected takeBuffers(_before: this): void {}

  /** Forgets slots `length`.. (still counted by `this.length`) beyond the validity bitmap. */
  protected dropSlots(_length: number): void {}

  /**
   * Must precede any change of the statistics: saves them the first time they
   * change in the current row, so a failed row can be undone.
   */
  protected willChangeStats(): void {
    const epoch = this.epoch.current;
    if (this.savedEpoch === epoch) return;
    this.savedEpoch = epoch;
    this.savedAbsent = this.absent;
    this.saveStats();
  }

  protected invalid(value: unknown, expected: string): ValidationError {
    return invalidValue(this.field.path, value, expected);
  }
}

export function requiredIsNull(path: string): ValidationError {
  return new ValidationError(`required field '${path}' is null`, { field: path });
}

export function invalidValue(path: string, value: unknown, expected: string): ValidationError {
  return new ValidationError(`field '${path}' expects ${expected}, got ${describeValue(value)}`, {
    field: path,
  });
}

function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof Map) return `Map(${value.size})`;
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'object';
  return `${typeof value} ${String(value)}`;
}

/** A typed array twice as large (at least `needed` elements) holding the old contents. */
export function grown<A extends Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array>(
  array: A,
  needed: number,
): A {
  const Ctor = array.constructor as new (length: number) => A;
  const next = new Ctor(Math.max(needed, array.length * 2));
  next.set(array as never);
  return next;
}
