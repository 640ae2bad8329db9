// long, time and timestamp columns (Int64): bigint values from the row path,
// safe-integer numbers from the typed fast path (no bigint per value). The
// bounds are scanned from the stored words when the statistics are collected
// (column-stats.ts): nothing is compared per append, and only the two bounds
// become bigints. A null slot repeats the slot before it, so that scan needs no
// validity check.
import { type Data, type DataType, type Int, makeData } from 'apache-arrow';
import { finishedSlots } from './bounded-column-builders.ts';
import { grown, LeafColumnBuilder, type LeafField } from './column-builder.ts';
import { type ColumnStats, int64Bounds } from './column-stats.ts';
import type { RowEpoch } from './row-epoch.ts';

const INITIAL_CAPACITY = 1024;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** long, time (micros), timestamp(tz) (micros) and timestamp(tz)_ns (nanos): bigint, safe integers accepted. */
export class Int64ColumnBuilder extends LeafColumnBuilder {
  private readonly type: DataType;
  private values = new BigInt64Array(INITIAL_CAPACITY);
  /** `values` as (low, high) 32-bit words, little endian: appendLong stores a number without a bigint. */
  private words = new Int32Array(this.values.buffer);

  constructor(field: LeafField, epoch: RowEpoch, type: DataType) {
    super(field, epoch);
    this.type = type;
  }

  protected appendValue(value: unknown, index: number): void {
    let v: bigint;
    if (typeof value === 'bigint') {
      if (value < INT64_MIN || value > INT64_MAX) throw this.invalid(value, 'a 64-bit integer');
      v = value;
    } else if (typeof value === 'number' && Number.isSafeInteger(value)) {
      v = BigInt(value);
    } else {
      throw this.invalid(value, 'a bigint (or safe integer number)');
    }
    this.reserve(index);
    this.values[index] = v;
  }

  /**
   * A non-null safe integer (|value| < 2^53), unchecked, written as two 32-bit
   * words: the typed fast path makes no bigint per value.
   */
  appendLong(value: number): void {
    const index = this.validity.length;
    this.reserve(index);
    const w = index << 1;
    this.words[w] = value >>> 0; // ToUint32 is the low word of the two's complement
    this.words[w + 1] = Math.floor(value / 4294967296);
    this.validity.appendValid();
  }

  private reserve(index: number): void {
    if (index >= this.values.length) {
      this.values = grown(this.values, index + 1);
      this.words = new Int32Array(this.values.buffer);
    }
  }

  /** A non-null value as its two's complement 32-bit halves, unchecked (the typed fast path). */
  appendWords(low: number, high: number): void {
    const index = this.validity.length;
    this.reserve(index);
    const w = index << 1;
    this.words[w] = low;
    this.words[w + 1] = high;
    this.validity.appendValid();
  }

  protected reserveNull(index: number): void {
    this.reserve(index);
    if (index === 0) return;
    const w = index << 1;
    this.words[w] = this.words[w - 2] as number;
    this.words[w + 1] = this.words[w - 1] as number;
  }

  protected valuesByteLength(): number {
    return this.length * 8;
  }

  protected override takeBuffers(before: this): void {
    this.values = before.values;
    this.words = before.words;
  }

  protected addBounds(stats: ColumnStats): void {
    const bounds = int64Bounds(this.words, this.length, this.validity.finish());
    if (bounds === undefined) return;
    stats.min = bounds[0];
    stats.max = bounds[1];
  }

  // The bounds are scanned, nothing per row to save.
  protected saveStats(): void {}
  protected restoreStats(): void {}

  finish(): Data {
    const data = this.values.subarray(0, this.length);
    return makeData({ type: this.type as Int, ...finishedSlots(this.validity), data });
  }
}
