// Fixed-width primitive columns: int/date (Int32), float, double and boolean
// (long/time/timestamps: int64-column-builder.ts). Each keeps its min/max in plain
// fields on the hot path.
import { type Bool, type Data, type DataType, type Float, type Int, makeData } from 'apache-arrow';
import { grown, LeafColumnBuilder, type LeafField } from './column-builder.ts';
import type { ColumnStats } from './column-stats.ts';
import type { RowEpoch } from './row-epoch.ts';

const INITIAL_CAPACITY = 1024;

/** int and date (days since epoch). */
export class Int32ColumnBuilder extends LeafColumnBuilder {
  private readonly type: DataType;
  private values = new Int32Array(INITIAL_CAPACITY);
  private seen = false;
  private min = 0;
  private max = 0;
  private savedSeen = false;
  private savedMin = 0;
  private savedMax = 0;

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
    if (!this.seen) {
      this.willChangeStats();
      this.seen = true;
      this.min = value;
      this.max = value;
    } else if (value < this.min) {
      this.willChangeStats();
      this.min = value;
    } else if (value > this.max) {
      this.willChangeStats();
      this.max = value;
    }
  }

  protected reserveNull(index: number): void {
    if (index >= this.values.length) this.values = grown(this.values, index + 1);
  }

  protected valuesByteLength(): number {
    return this.length * 4;
  }

  protected addBounds(stats: ColumnStats): void {
    if (!this.seen) return;
    stats.min = this.min;
    stats.max = this.max;
  }

  protected saveStats(): void {
    this.savedSeen = this.seen;
    this.savedMin = this.min;
    this.savedMax = this.max;
  }

  protected restoreStats(): void {
    this.seen = this.savedSeen;
    this.min = this.savedMin;
    this.max = this.savedMax;
  }

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
  private nanCount = 0;
  private savedNanCount = 0;
  private seen = false;
  private min = 0;
  private max = 0;
  private savedSeen = false;
  private savedMin = 0;
  private savedMax = 0;

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
    if (Number.isNaN(value)) {
      this.willChangeStats();
      this.nanCount++;
      return;
    }
    const v = this.single ? Math.fround(value) : value;
    if (!this.seen) {
      this.willChangeStats();
      this.seen = true;
      this.min = v;
      this.max = v;
    } else if (v < this.min || (v === 0 && this.min === 0 && Object.is(v, -0))) {
      this.willChangeStats();
      this.min = v;
    } else if (v > this.max || (v === 0 && this.max === 0 && Object.is(this.max, -0))) {
      this.willChangeStats();
      this.max = v;
    }
  }

  protected reserveNull(index: number): void {
    if (index >= this.values.length) this.values = grown(this.values, index + 1);
  }

  protected valuesByteLength(): number {
    return this.length * (this.single ? 4 : 8);
  }

  protected addBounds(stats: ColumnStats): void {
    stats.nanCount = this.nanCount;
    if (!this.seen) return;
    stats.min = this.min;
    stats.max = this.max;
  }

  protected saveStats(): void {
    this.savedSeen = this.seen;
    this.savedMin = this.min;
    this.savedMax = this.max;
    this.savedNanCount = this.nanCount;
  }

  protected restoreStats(): void {
    this.seen = this.savedSeen;
    this.min = this.savedMin;
    this.max = this.savedMax;
    this.nanCount = this.savedNanCount;
  }

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
