// Fixed-width primitive columns: int/date (Int32), float, double and boolean
// (long/time/timestamps: int64-column-builder.ts). Int and float bounds are
// scanned from the values when the statistics are collected (column-stats.ts),
// none kept per append; a null slot repeats the slot before it so that scan
// needs no validity check. Boolean bounds are two flags.
import { type Bool, type Data, type DataType, type Float, type Int, makeData } from 'apache-arrow';
import { grown, LeafColumnBuilder, type LeafField } from './column-builder.ts';
import { type ColumnStats, floatBounds, int32Bounds } from './column-stats.ts';
import type { RowEpoch } from './row-epoch.ts';

const INITIAL_CAPACITY = 1024;

/** int and date (days since epoch). */
export class Int32ColumnBuilder extends LeafColumnBuilder {
  private readonly type: DataType;
  private values = new Int32Array(INITIAL_CAPACITY);

  constructor(field: LeafField, epoch: RowEpoch, type: DataType) {
    super(field, epoch);
    this.type = type;
  }

  protected appendValue(value: unknown, index: number): void {
    if (typeof value !== 'number' || (value | 0) !== value) throw this.invalid(value, 'a 32-bit integer');
    this.put(value, index);
  }

  /** A non-null 32-bit integer, unchecked (the typed fast path: the decoder read an Avro int). */
  appendInt(value: number): void {
    this.put(value, this.validity.length);
    this.validity.appendValid();
  }

  private put(value: number, index: number): void {
    if (index >= this.values.length) this.values = grown(this.values, index + 1);
    this.values[index] = value;
  }

  protected reserveNull(index: number): void {
    if (index >= this.values.length) this.values = grown(this.values, index + 1);
    if (index > 0) this.values[index] = this.values[index - 1] as number;
  }

  protected valuesByteLength(): number {
    return this.length * 4;
  }

  protected override takeBuffers(before: this): void {
    this.values = before.values;
  }

  protected addBounds(stats: ColumnStats): void {
    const bounds = int32Bounds(this.values, this.length, this.validity.finish());
    if (bounds === undefined) return;
    stats.min = bounds[0];
    stats.max = bounds[1];
  }

  // The bounds are scanned, nothing per row to save.
  protected saveStats(): void {}
  protected restoreStats(): void {}

  finish(): Data {
    return makeData({
      type: this.type as Int,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.finish(),
      data: this.values.subarray(0, this.length),
    });
  }
}

/** float (Float32Array) and double (Float64Array); NaN is counted, never a bound. */
export class FloatColumnBuilder extends LeafColumnBuilder {
  private readonly type: DataType;
  private values: Float32Array | Float64Array;
  private readonly single: boolean;

  constructor(field: LeafField, epoch: RowEpoch, type: DataType, single: boolean) {
    super(field, epoch);
    this.type = type;
    this.single = single;
    this.values = single ? new Float32Array(INITIAL_CAPACITY) : new Float64Array(INITIAL_CAPACITY);
  }

  protected appendValue(value: unknown, index: number): void {
    if (typeof value !== 'number') throw this.invalid(value, 'a number');
    this.put(value, index);
  }

  /** A non-null number, unchecked (the typed fast path: the decoder read an Avro float or double). */
  appendDouble(value: number): void {
    this.put(value, this.validity.length);
    this.validity.appendValid();
  }

  private put(value: number, index: number): void {
    if (index >= this.values.length) this.values = grown(this.values, index + 1);
    this.values[index] = value;
  }

  protected reserveNull(index: number): void {
    if (index >= this.values.length) this.values = grown(this.values, index + 1);
    if (index > 0) this.values[index] = this.values[index - 1] as number;
  }

  protected valuesByteLength(): number {
    return this.length * (this.single ? 4 : 8);
  }

  protected override takeBuffers(before: this): void {
    this.values = before.values;
  }

  /** Bounds of the stored values: a float's are already rounded to single precision. */
  protected addBounds(stats: ColumnStats): void {
    const bounds = floatBounds(this.values, this.length, this.validity.finish());
    stats.nanCount = bounds.nanCount;
    if (bounds.min === undefined) return;
    stats.min = bounds.min;
    stats.max = bounds.max;
  }

  protected saveStats(): void {}
  protected restoreStats(): void {}

  finish(): Data {
    return makeData({
      type: this.type as Float,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.finish(),
      data: this.values.subarray(0, this.length),
    });
  }
}

export class BoolColumnBuilder extends LeafColumnBuilder {
  private readonly type: DataType;
  private bits = new Uint8Array(INITIAL_CAPACITY >> 3);
  private sawTrue = false;
  private sawFalse = false;
  private savedSawTrue = false;
  private savedSawFalse = false;

  constructor(field: LeafField, epoch: RowEpoch, type: DataType) {
    super(field, epoch);
    this.type = type;
  }

  protected appendValue(value: unknown, index: number): void {
    if (typeof value !== 'boolean') throw this.invalid(value, 'a boolean');
    this.put(value, index);
  }

  /** A non-null boolean, unchecked (the typed fast path). */
  appendBool(value: boolean): void {
    this.put(value, this.validity.length);
    this.validity.appendValid();
  }

  private put(value: boolean, index: number): void {
    this.reserveNull(index);
    if (value) {
      this.bits[index >> 3]! |= 1 << (index & 7);
      if (!this.sawTrue) {
        this.willChangeStats();
        this.sawTrue = true;
      }
    } else if (!this.sawFalse) {
      this.willChangeStats();
      this.sawFalse = true;
    }
  }

  protected reserveNull(index: number): void {
    if (index >> 3 >= this.bits.length) this.bits = grown(this.bits, (index >> 3) + 1);
  }

  protected valuesByteLength(): number {
    return (this.length + 7) >> 3;
  }

  /** put only sets bits: the taken buffer is cleared. */
  protected override takeBuffers(before: this): void {
    this.bits = before.bits.fill(0);
  }

  protected addBounds(stats: ColumnStats): void {
    if (!this.sawTrue && !this.sawFalse) return;
    stats.min = !this.sawFalse;
    stats.max = this.sawTrue;
  }

  protected saveStats(): void {
    this.savedSawTrue = this.sawTrue;
    this.savedSawFalse = this.sawFalse;
  }

  protected restoreStats(): void {
    this.sawTrue = this.savedSawTrue;
    this.sawFalse = this.savedSawFalse;
  }

  protected override dropSlots(length: number): void {
    // appendValue only sets bits, so dropped slots must leave theirs cleared.
    for (let i = length; i < this.length; i++)
      this.bits[i >> 3] = (this.bits[i >> 3] as number) & ~(1 << (i & 7));
  }

  finish(): Data {
    return makeData({
      type: this.type as Bool,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.finish(),
      data: this.bits.subarray(0, (this.length + 7) >> 3),
    });
  }
}
