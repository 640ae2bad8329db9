// Statistics of chunks merged into those of the whole file, and the bounds
// scanned from a fixed-width column's values.
import { describe, expect, it } from 'vitest';
import {
  type ColumnStats,
  floatBounds,
  int32Bounds,
  int64Bounds,
  mergeColumnStats,
} from '../../../src/parquet/column-stats.ts';

const stats = (entries: Array<[number, ColumnStats]>) => new Map(entries);

describe('mergeColumnStats', () => {
  it('adds counts and widens bounds of every kind of value', () => {
    const a = stats([
      [1, { valueCount: 2, nullCount: 1, min: 5, max: 9 }],
      [2, { valueCount: 2, nullCount: 0, nanCount: 1, min: 0, max: 1.5 }],
      [3, { valueCount: 1, nullCount: 0, min: -3n, max: 10n }],
      [4, { valueCount: 1, nullCount: 0, min: 'b', max: '\uffff' }],
      [5, { valueCount: 1, nullCount: 0, min: new Uint8Array([2]), max: new Uint8Array([3]) }],
      [6, { valueCount: 1, nullCount: 0, min: true, max: true }],
      [7, { valueCount: 3, nullCount: 3 }],
    ]);
    const b = stats([
      [1, { valueCount: 3, nullCount: 0, min: 1, max: 7 }],
      [2, { valueCount: 1, nullCount: 0, nanCount: 2, min: -0, max: 0 }],
      [3, { valueCount: 1, nullCount: 0, min: 4n, max: 2n ** 62n }],
      // U+1F600 (a surrogate pair in UTF-16) sorts after U+FFFF by code point.
      [4, { valueCount: 1, nullCount: 0, min: 'a', max: '\u{1F600}' }],
      [5, { valueCount: 1, nullCount: 0, min: new Uint8Array([1, 9]), max: new Uint8Array([3, 0]) }],
      [6, { valueCount: 1, nullCount: 0, min: false, max: false }],
      [7, { valueCount: 1, nullCount: 0, min: 'x', max: 'y' }],
    ]);
    const merged = mergeColumnStats(a, b);
    expect(merged.get(1)).toEqual({ valueCount: 5, nullCount: 1, min: 1, max: 9 });
    const floats = merged.get(2)!;
    expect(floats).toMatchObject({ valueCount: 3, nullCount: 0, nanCount: 3, max: 1.5 });
    expect(Object.is(floats.min, -0)).toBe(true);
    expect(merged.get(3)).toEqual({ valueCount: 2, nullCount: 0, min: -3n, max: 2n ** 62n });
    expect(merged.get(4)).toEqual({ valueCount: 2, nullCount: 0, min: 'a', max: '\u{1F600}' });
    expect(merged.get(5)).toEqual({
      valueCount: 2,
      nullCount: 0,
      min: new Uint8Array([1, 9]),
      max: new Uint8Array([3, 0]),
    });
    expect(merged.get(6)).toEqual({ valueCount: 2, nullCount: 0, min: false, max: true });
    expect(merged.get(7)).toEqual({ valueCount: 4, nullCount: 3, min: 'x', max: 'y' });
  });

  it('orders -0 below +0 at both ends', () => {
    const merged = mergeColumnStats(
      stats([[1, { valueCount: 1, nullCount: 0, min: 0, max: -0 }]]),
      stats([[1, { valueCount: 1, nullCount: 0, min: -0, max: 0 }]]),
    );
    expect(Object.is(merged.get(1)!.min, -0)).toBe(true);
    expect(Object.is(merged.get(1)!.max, 0)).toBe(true);
  });

  it('keeps fields only one side has and refuses mixed kinds', () => {
    const merged = mergeColumnStats(
      stats([[1, { valueCount: 1, nullCount: 0, min: 1, max: 1 }]]),
      stats([[2, { valueCount: 1, nullCount: 1 }]]),
    );
    expect([...merged.keys()]).toEqual([1, 2]);
    expect(() =>
      mergeColumnStats(
        stats([[1, { valueCount: 1, nullCount: 0, min: 1, max: 1 }]]),
        stats([[1, { valueCount: 1, nullCount: 0, min: 1n, max: 1n }]]),
      ),
    ).toThrow(/different kinds/);
  });
});

/** A validity bitmap with the given slots null. */
function bitmap(length: number, nulls: readonly number[]): Uint8Array {
  const bits = new Uint8Array((length + 7) >> 3).fill(0xff);
  for (const i of nulls) bits[i >> 3]! &= ~(1 << (i & 7));
  return bits;
}

/** `values` with each null slot holding the slot before it, as the columns write them (leading ones keep theirs). */
function asWritten<T>(values: readonly T[], nulls: readonly number[]): T[] {
  const out = [...values];
  for (let i = 1; i < out.length; i++) if (nulls.includes(i)) out[i] = out[i - 1]!;
  return out;
}

describe('bounds scanned from the values', () => {
  it('int32: only valid values count, none valid is no bounds', () => {
    const raw = [-100, 5, -200, 7, 100, -3, 99];
    expect(int32Bounds(Int32Array.from(raw), 7, undefined)).toEqual([-200, 100]);
    const nulls = [0, 2, 4];
    const values = Int32Array.from(asWritten(raw, nulls));
    expect(int32Bounds(values, 7, bitmap(7, nulls))).toEqual([-3, 99]);
    expect(int32Bounds(values, 4, bitmap(4, [0, 2]))).toEqual([5, 7]);
    expect(int32Bounds(values, 1, bitmap(1, [0]))).toBeUndefined();
    expect(int32Bounds(values, 0, undefined)).toBeUndefined();
  });

  it('int64: the words as signed 64-bit integers, beyond 2^53 too', () => {
    const near = [2n ** 53n - 1n, -(2n ** 53n) + 1n, 5n, -5n];
    const far = [
      0n,
      -1n,
      2n ** 32n - 1n,
      2n ** 32n,
      -(2n ** 32n),
      -(2n ** 32n) - 1n,
      2n ** 63n - 1n,
      2n ** 63n - 2n,
      -(2n ** 63n),
      -(2n ** 63n) + 1n,
      2n ** 53n + 1n,
      2n ** 53n,
    ];
    const order = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    for (const longs of [near, far, [...near, 2n ** 53n], [-(2n ** 53n) - 1n, ...near]]) {
      const all = new Int32Array(BigInt64Array.from(longs).buffer);
      const sorted = [...longs].sort(order);
      expect(int64Bounds(all, longs.length, undefined)).toEqual([sorted[0], sorted.at(-1)]);
      // The first two and every third null, on every prefix.
      const nulls = longs.map((_, i) => i).filter((i) => i < 2 || i % 3 === 0);
      const words = new Int32Array(BigInt64Array.from(asWritten(longs, nulls)).buffer);
      for (let n = 1; n <= longs.length; n++) {
        const valid = longs.slice(0, n).filter((_, i) => !nulls.includes(i));
        const bounds = int64Bounds(words, n, bitmap(n, nulls));
        valid.sort(order);
        expect(bounds).toEqual(valid.length === 0 ? undefined : [valid[0], valid.at(-1)]);
      }
    }
    // Two values a double cannot tell apart, at either end.
    const close = [2n ** 63n - 1n, 2n ** 63n - 2n, -(2n ** 63n) + 1n, -(2n ** 63n)];
    const words = new Int32Array(BigInt64Array.from(close).buffer);
    expect(int64Bounds(words, 4, undefined)).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
  });

  it('float: NaNs of valid slots counted and never a bound, -0 below +0 at both ends', () => {
    const nan = Number.NaN;
    expect(floatBounds(Float64Array.from([nan, 2, -1, nan]), 4, undefined)).toEqual({
      nanCount: 2,
      min: -1,
      max: 2,
    });
    expect(floatBounds(Float64Array.from([nan, nan]), 2, undefined)).toEqual({ nanCount: 2 });
    // Slots 2 and 3 are null and repeat the NaN before them.
    const written = Float64Array.from(asWritten([1, nan, 5, 9, -4], [2, 3]));
    expect(floatBounds(written, 5, bitmap(5, [2, 3]))).toEqual({ nanCount: 1, min: -4, max: 1 });
    expect(floatBounds(Float64Array.from([nan, 1]), 2, bitmap(2, [0, 1]))).toEqual({ nanCount: 0 });
    for (const zeros of [
      [0, -0],
      [-0, 0],
    ]) {
      const bounds = floatBounds(Float64Array.from(zeros), 2, undefined);
      expect(Object.is(bounds.min, -0)).toBe(true);
      expect(Object.is(bounds.max, 0)).toBe(true);
    }
    const single = floatBounds(Float32Array.from([-Infinity, 0.1, 3]), 3, bitmap(3, [0]));
    expect(single).toEqual({ nanCount: 0, min: Math.fround(0.1), max: 3 });
  });
});
