// The deletion-vector-v1 blob (iceberg/deletion-vector.ts) over roaring-wasm's
// portable 32-bit codec (sink/deletion-vector-roaring.ts), case by case: round
// trips, empty, several 32-bit buckets, positions above 2^32, merges, and
// every corruption the framing can see.
import { describe, expect, it } from 'vitest';
import {
  decodeDeletionVector,
  deserializePositions,
  encodeDeletionVector,
  mergePositions,
  serializePositions,
  sortedPositions,
} from '../../../src/iceberg/deletion-vector.ts';
import { roaringCodec } from '../../../src/sink/deletion-vector-roaring.ts';

const TWO_32 = 2 ** 32;
const roundTrip = (positions: number[]) =>
  decodeDeletionVector(encodeDeletionVector(positions, roaringCodec), roaringCodec, 'test');

describe('deletion vector blobs', () => {
  it('round-trips an empty vector: a zero bitmap count, framed', () => {
    const blob = encodeDeletionVector([], roaringCodec);
    // length 12 (magic + 8-byte count), magic, count 0, CRC
    expect(Buffer.from(blob.subarray(0, 16)).toString('hex')).toBe('0000000cd1d339640000000000000000');
    expect(blob.length).toBe(20);
    expect(roundTrip([])).toEqual([]);
  });

  it('round-trips positions of one 32-bit bucket, dense and sparse', () => {
    const dense = Array.from({ length: 10_000 }, (_, i) => i);
    const sparse = Array.from({ length: 3_000 }, (_, i) => i * 1_000 + 7);
    expect(roundTrip(dense)).toEqual(dense);
    expect(roundTrip(sparse)).toEqual(sparse);
    // a run of 10,000 is one run container: a few bytes, not 8 KiB
    expect(encodeDeletionVector(dense, roaringCodec).length).toBeLessThan(64);
  });

  it('splits positions above 2^32 into ascending keys, one portable bitmap each', () => {
    const positions = [
      0,
      5,
      TWO_32 - 1,
      TWO_32,
      TWO_32 + 5,
      3 * TWO_32 + 1,
      2 ** 40,
      Number.MAX_SAFE_INTEGER,
    ];
    const vector = serializePositions(positions, roaringCodec);
    const view = new DataView(vector.buffer, vector.byteOffset);
    expect(view.getBigUint64(0, true)).toBe(5n); // keys 0, 1, 3, 256, 2^21 - 1
    expect(view.getUint32(8, true)).toBe(0);
    expect(deserializePositions(vector, roaringCodec, 'test')).toEqual(positions);
    expect(roundTrip(positions)).toEqual(positions);
  });

  it('takes any order and duplicates through sortedPositions, and refuses bad positions', () => {
    expect(sortedPositions([9, 1, 9, TWO_32, 0], 'f')).toEqual([0, 1, 9, TWO_32]);
    expect(() => sortedPositions([-1, 3], 'data.parquet')).toThrow(
      /data\.parquet: row positions must be non-negative/,
    );
    expect(() => sortedPositions([1.5], 'f')).toThrow(/non-negative integers/);
    expect(() => sortedPositions([2 ** 60], 'f')).toThrow(/below 2\^53/);
  });

  it('merges two vectors as the union of their positions', () => {
    expect(mergePositions([1, 4, TWO_32 + 2], [0, 4, 7, TWO_32 + 2, TWO_32 + 3])).toEqual([
      0,
      1,
      4,
      7,
      TWO_32 + 2,
      TWO_32 + 3,
    ]);
    expect(mergePositions([], [3])).toEqual([3]);
    expect(mergePositions([3], [])).toEqual([3]);
    const merged = mergePositions(roundTrip([1, 2, 3]), roundTrip([3, 2 * TWO_32]));
    expect(roundTrip(merged)).toEqual([1, 2, 3, 2 * TWO_32]);
  });

  it('refuses a blob whose checksum, magic or length prefix is wrong, naming the file', () => {
    const blob = encodeDeletionVector([1, 2, 3], roaringCodec);
    const flipped = blob.slice();
    flipped[20] = flipped[20]! ^ 0xff;
    expect(() => decodeDeletionVector(flipped, roaringCodec, 'x.puffin')).toThrow(
      /x\.puffin: deletion vector checksum mismatch/,
    );
    const magic = blob.slice();
    magic[4] = 0;
    expect(() => decodeDeletionVector(magic, roaringCodec, 'x.puffin')).toThrow(
      /not a deletion-vector-v1 blob/,
    );
    expect(() => decodeDeletionVector(blob.subarray(0, blob.length - 1), roaringCodec, 'x.puffin')).toThrow(
      /length prefix/,
    );
  });

  it('refuses vectors with unsorted keys, trailing bytes or a truncated bitmap', () => {
    const two = serializePositions([1, TWO_32 + 1], roaringCodec);
    const swapped = two.slice();
    // the second bitmap's key (after count 8 + key 4 + bitmap) set to 0: not ascending
    const second = 8 + 4 + roaringCodec.serialize(Uint32Array.of(1)).length;
    new DataView(swapped.buffer).setUint32(second, 0, true);
    expect(() => deserializePositions(swapped, roaringCodec, 'v')).toThrow(/keys not ascending/);
    const trailing = new Uint8Array(two.length + 2);
    trailing.set(two);
    expect(() => deserializePositions(trailing, roaringCodec, 'v')).toThrow(/2 bytes after its bitmaps/);
    expect(() => deserializePositions(two.subarray(0, second + 2), roaringCodec, 'v')).toThrow(/v: /);
  });
});
