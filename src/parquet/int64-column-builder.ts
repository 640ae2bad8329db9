// long, time and timestamp columns (Int64): bigint values from the row path,
// safe-integer numbers from the typed fast path (no bigint per value), min/max
// kept in plain fields of each kind and merged for the statistics.
import { type Data, type DataType, type Int, makeData } from 'apache-arrow';
import { grown, LeafColumnBuilder, type LeafField } from './column-builder.ts';
import type { ColumnStats } from './column-stats.ts';
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
  private seen = false;
  private min = 0n;
  private max = 0n;
  private savedSeen = false;
  private savedMin = 0n;
  private savedMax = 0n;
  // Bounds of the values appendLong took, as numbers (merged with the bigint ones in addBounds).
  private numSeen = false;
  private numMin = 0;
  private numMax = 0;
  private savedNumSeen = false;
  private savedNumMin = 0;
  private savedNumMax = 0;

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
    this.reserveNull(index);
    this.values[index] = v;
    if (!this.seen) {
      this.willChangeStats();
      this.seen = true;
      this.min = v;
      this.max = v;
    } else if (v < this.min) {
      this.willChangeStats();
      this.min = v;
    } else if (v > this.max) {
      this.willChangeStats();
      this.max = v;
    }
  }

  /**
   * A non-null safe integer (|value| < 2^53), unchecked, written as two 32-bit
   * words: the typed fast path makes no bigint per value.
   */
  appendLong(value: number): void {
    const index = this.validity.length;
    this.reserveNull(index);
    const w = index << 1;
    this.words[w] = value >>> 0; // ToUint32 is the low word of the two's complement
    this.words[w + 1] = Math.floor(value / 4294967296);
    if (!this.numSeen) {
      this.willChangeStats();
      this.numSeen = true;
      this.numMin = value;
      this.numMax = value;
    } else if (value < this.numMin) {
      this.willChangeStats();
      this.numMin = value;
    } else if (value > this.numMax) {
      this.willChangeStats();
      this.numMax = value;
    }
    this.validity.appendValid();
  }

  protected reserveNull(index: number): void {
    if (index >= this.values.length) {
      this.values = grown(this.values, index + 1);
      this.words = new Int32Array(this.values.buffer);
    }
  }

  protected valuesByteLength(): number {
    return this.length * 8;
  }

  protected addBounds(stats: ColumnStats): void {
    if (!this.seen && !this.numSeen) return;
    let min = this.min;
    let max = this.max;
    if (this.numSeen) {
      const numMin = BigInt(this.numMin);
      const numMax = BigInt(this.numMax);
      if (!this.seen || numMin < min) min = numMin;
      if (!this.seen || numMax > max) max = numMax;
    }
    stats.min = min;
    stats.max = max;
  }

  protected saveStats(): void {
    this.savedSeen = this.seen;
    this.savedMin = this.min;
    this.savedMax = this.max;
    this.savedNumSeen = this.numSeen;
    this.savedNumMin = this.numMin;
    this.savedNumMax = this.numMax;
  }

  protected restoreStats(): void {
    this.seen = this.savedSeen;
    this.min = this.savedMin;
    this.max = this.savedMax;
    this.numSeen = this.savedNumSeen;
    this.numMin = this.savedNumMin;
    this.numMax = this.savedNumMax;
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
