// decimal(p, s) columns: Decimal128, two's complement little endian, checked
// against the precision; the row path takes the unscaled bigint, the typed fast
// path a small unscaled number (bounds of both: WideIntegerColumnBuilder).
import { type Data, type DataType, type Decimal, makeData } from 'apache-arrow';
import { finishedSlots, WideIntegerColumnBuilder } from './bounded-column-builders.ts';
import { grown, type LeafField } from './column-builder.ts';
import type { RowEpoch } from './row-epoch.ts';

const INITIAL_CAPACITY = 1024;

/** decimal(p, s): the unscaled bigint, checked against the precision. */
export class DecimalColumnBuilder extends WideIntegerColumnBuilder {
  private readonly type: DataType;
  private readonly limit: bigint;
  /** `limit` as a number, for appendSmall (exact up to 10^22, beyond any value it takes). */
  private readonly smallLimit: number;
  private readonly precision: number;
  // Two int64 words per value (low, high): 128-bit two's complement, little endian.
  private words = new BigInt64Array(INITIAL_CAPACITY * 2);
  /** `words` as four 32-bit words per value, for appendSmall. */
  private ints = new Int32Array(this.words.buffer);

  constructor(field: LeafField, epoch: RowEpoch, type: DataType, precision: number) {
    super(field, epoch);
    this.type = type;
    this.precision = precision;
    this.limit = 10n ** BigInt(precision);
    this.smallLimit = 10 ** precision;
  }

  protected appendValue(value: unknown, index: number): void {
    let v: bigint;
    if (typeof value === 'bigint') v = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
    else throw this.invalid(value, 'an unscaled bigint');
    if (v >= this.limit || v <= -this.limit) throw this.invalid(value, `at most ${this.precision} digits`);
    this.reserveNull(index);
    this.words[index * 2] = BigInt.asIntN(64, v);
    this.words[index * 2 + 1] = v >> 64n;
    this.addBigInt(v);
  }

  /**
   * The typed fast path: a non-null unscaled value that is a safe integer below
   * 2^48 in magnitude (a decimal of at most 6 bytes), without a bigint.
   */
  appendSmall(value: number): void {
    if (value >= this.smallLimit || value <= -this.smallLimit)
      throw this.invalid(BigInt(value), `at most ${this.precision} digits`);
    const index = this.validity.length;
    this.reserveNull(index);
    const w = index << 2;
    const sign = value < 0 ? -1 : 0;
    this.ints[w] = value >>> 0;
    this.ints[w + 1] = Math.floor(value / 4294967296);
    this.ints[w + 2] = sign;
    this.ints[w + 3] = sign;
    this.addNumber(value);
    this.validity.appendValid();
  }

  protected reserveNull(index: number): void {
    const needed = (index + 1) * 2;
    if (needed > this.words.length) {
      this.words = grown(this.words, needed);
      this.ints = new Int32Array(this.words.buffer);
    }
  }

  protected valuesByteLength(): number {
    return this.length * 16;
  }

  protected override takeBuffers(before: this): void {
    this.words = before.words;
    this.ints = before.ints;
  }

  finish(): Data {
    const words = this.words.subarray(0, this.length * 2);
    const data = new Uint32Array(words.buffer, words.byteOffset, this.length * 4);
    return makeData({ type: this.type as Decimal, ...finishedSlots(this.validity), data });
  }
}
