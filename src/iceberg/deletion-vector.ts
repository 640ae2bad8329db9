// Deletion vectors (table spec v3: "Deletion Vectors"; Puffin spec: the
// `deletion-vector-v1` blob). A vector is the set of deleted row positions of
// one data file, kept as 64-bit positions split into a 32-bit key (the high
// four bytes) and a 32-bit sub-position (the low four), one 32-bit roaring
// bitmap per key. This module is the framing around those bitmaps, pure:
//
//   blob   = length (4 bytes, big-endian: magic + vector) | magic D1 D3 39 64 | vector | CRC-32 (big-endian) of magic + vector
//   vector = bitmap count (8 bytes, little-endian) | per bitmap, keys ascending:
//            key (4 bytes, little-endian) | a 32-bit roaring bitmap in the portable format
//
// The 32-bit bitmaps themselves are the roaring library's portable codec,
// passed in as a Roaring32Codec (sink/deletion-vector-roaring.ts). Positions
// are JS numbers: data files have fewer than 2^53 rows.
import { crc32 } from 'node:zlib';
import { ValidationError } from '../errors.ts';

export const DELETION_VECTOR_BLOB_TYPE = 'deletion-vector-v1';
/** The blob's `fields`: the _pos metadata column (Java: MetadataColumns.ROW_POSITION). */
export const ROW_POSITION_FIELD_ID = 2147483645;
/** Blob properties the spec requires. */
export const REFERENCED_DATA_FILE_PROPERTY = 'referenced-data-file';
export const CARDINALITY_PROPERTY = 'cardinality';

const MAGIC = [0xd1, 0xd3, 0x39, 0x64] as const;
const TWO_32 = 2 ** 32;
/** Keys above this cannot hold a position below 2^53. */
const MAX_KEY = Math.floor(Number.MAX_SAFE_INTEGER / TWO_32);

/** The portable 32-bit roaring codec of a bitmap library. */
export interface Roaring32Codec {
  /** The portable serialization of the set of `values` (ascending, distinct). */
  serialize(values: Uint32Array): Uint8Array;
  /**
   * Reads the portable bitmap at the start of `bytes` (more may follow):
   * its values ascending, and how many bytes it took.
   */
  deserialize(bytes: Uint8Array): { values: Uint32Array; length: number };
}

/** Distinct positions, ascending; each must be a safe non-negative integer. */
export function sortedPositions(positions: Iterable<number>, where: string): number[] {
  const distinct = new Set(positions);
  for (const position of distinct) {
    if (!Number.isInteger(position) || position < 0) {
      throw new ValidationError(`${where}: row positions must be non-negative integers, got ${position}`);
    }
    if (!Number.isSafeInteger(position)) {
      throw new ValidationError(`${where}: row positions must be integers below 2^53, got ${position}`);
    }
  }
  return [...distinct].sort((a, b) => a - b);
}

/** The union of two ascending position lists, ascending. */
export function mergePositions(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x!);
      i++;
    } else if (x === undefined || y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

/** The 64-bit portable serialization of ascending, distinct positions. */
export function serializePositions(positions: readonly number[], codec: Roaring32Codec): Uint8Array {
  const parts: Uint8Array[] = [];
  let buckets = 0;
  for (let start = 0; start < positions.length; ) {
    const key = Math.floor(positions[start]! / TWO_32);
    let end = start;
    while (end < positions.length && Math.floor(positions[end]! / TWO_32) === key) end++;
    const low = new Uint32Array(end - start);
    for (let i = start; i < end; i++) low[i - start] = positions[i]! - key * TWO_32;
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, key, true);
    parts.push(header, codec.serialize(low));
    buckets++;
    start = end;
  }
  const count = new Uint8Array(8);
  new DataView(count.buffer).setBigUint64(0, BigInt(buckets), true);
  return concat([count, ...parts]);
}

/** The positions of a 64-bit portable serialization, ascending. */
export function deserializePositions(bytes: Uint8Array, codec: Roaring32Codec, where: string): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new ValidationError(`${where}: deletion vector shorter than its bitmap count`);
  const count = view.getBigUint64(0, true);
  let offset = 8;
  let previous = -1;
  const positions: number[] = [];
  for (let i = 0n; i < count; i++) {
    if (offset + 4 > bytes.length)
      throw new ValidationError(`${where}: deletion vector ends inside bitmap ${i}`);
    const key = view.getUint32(offset, true);
    if (key <= previous) throw new ValidationError(`${where}: deletion vector keys not ascending (${key})`);
    if (key > MAX_KEY) {
      throw new ValidationError(
        `${where}: deletion vector holds positions from ${key} * 2^32 on, beyond 2^53`,
      );
    }
    previous = key;
    offset += 4;
    let read: { values: Uint32Array; length: number };
    try {
      read = codec.deserialize(bytes.subarray(offset));
    } catch (error) {
      throw new ValidationError(
        `${where}: bitmap ${i} (key ${key}) is not a portable roaring bitmap`,
        {},
        {
          cause: error,
        },
      );
    }
    for (const low of read.values) positions.push(key * TWO_32 + low);
    offset += read.length;
  }
  if (offset !== bytes.length) {
    throw new ValidationError(
      `${where}: deletion vector has ${bytes.length - offset} bytes after its bitmaps`,
    );
  }
  return positions;
}

/** The `deletion-vector-v1` blob of ascending, distinct positions. */
export function encodeDeletionVector(positions: readonly number[], codec: Roaring32Codec): Uint8Array {
  const vector = serializePositions(positions, codec);
  const blob = new Uint8Array(vector.length + 12);
  const view = new DataView(blob.buffer);
  view.setUint32(0, vector.length + 4, false);
  blob.set(MAGIC, 4);
  blob.set(vector, 8);
  view.setUint32(vector.length + 8, crc32(blob.subarray(4, vector.length + 8)), false);
  return blob;
}

/** The positions of a `deletion-vector-v1` blob, ascending; checks its length, magic and checksum. */
export function decodeDeletionVector(blob: Uint8Array, codec: Roaring32Codec, where: string): number[] {
  if (blob.length < 12) throw new ValidationError(`${where}: deletion vector blob of ${blob.length} bytes`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const length = view.getUint32(0, false);
  if (length !== blob.length - 8) {
    throw new ValidationError(
      `${where}: deletion vector length prefix ${length} does not match the blob (${blob.length - 8} expected)`,
    );
  }
  if (MAGIC.some((b, i) => blob[4 + i] !== b)) {
    throw new ValidationError(`${where}: not a deletion-vector-v1 blob (magic ${hex(blob.subarray(4, 8))})`);
  }
  const body = blob.subarray(4, blob.length - 4);
  const stored = view.getUint32(blob.length - 4, false);
  const actual = crc32(body);
  if (stored !== actual) {
    throw new ValidationError(
      `${where}: deletion vector checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`,
    );
  }
  return deserializePositions(body.subarray(4), codec, where);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
