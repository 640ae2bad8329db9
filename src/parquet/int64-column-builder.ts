// long, time and timestamp columns (Int64): bigint values from the row path,
// safe-integer numbers from the typed fast path (no bigint per value); the
// bounds of each kind are kept and merged by WideIntegerColumnBuilder.
import { type Data, type DataType, type Int, makeData } from 'apache-arrow';
import { finishedSlots, WideIntegerColumnBuilder } from './bounded-column-builders.ts';
import { grown, type LeafField } from './column-builder.ts';
import type { RowEpoch } from './row-epoch.ts';

const INITIAL_CAPACITY = 1024;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** long, time (micros), timestamp(tz) (micros) and timestamp(tz)_ns (nanos): bigint, safe integers accepted. */
export class Int64ColumnBuilder extends WideIntegerColumnBuilder {
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
    this.reserveNull(index);
    this.values[index] = v;
    this.addBigInt(v);
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
    this.addNumber(value);
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

  finish(): Data {
    const data = this.values.subarray(0, this.length);
    return makeData({ type: this.type as Int, ...finishedSlots(this.validity), data });
  }
}
