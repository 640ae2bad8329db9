// Statistics of chunks merged into those of the whole file.
import { describe, expect, it } from 'vitest';
import { type ColumnStats, mergeColumnStats } from '../../../src/parquet/column-stats.ts';

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
