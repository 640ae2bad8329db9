// spec: Appendix B, "32-bit Hash Requirements": Murmur3 x86 32-bit, seed 0, over
// a per-type byte form of the value. Used by the bucket transform.
import { ValidationError } from '../errors.ts';
import { asBytes, asInt, asLong, asString, asUnscaled, floorDiv } from './primitive-value.ts';
import { decimalToBytes, uuidToBytes } from './single-value.ts';
import type { PrimitiveType } from './types.ts';
import { typeToString } from './types.ts';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const TWO_POW_32 = 4294967296;

// Scratch space reused across calls, so hashing a long or a string allocates nothing.
const longScratch = new DataView(new ArrayBuffer(8));
const utf8Encoder = new TextEncoder();
let textScratch = new Uint8Array(256);

function mixBlock(hash: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  const h = hash ^ k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

function finish(hash: number, length: number): number {
  let h = hash ^ length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Murmur3 x86 32 (seed 0) of `length` bytes of `bytes` from 0; a signed 32-bit result. */
export function murmur3Bytes(bytes: Uint8Array, length: number = bytes.length): number {
  let hash = 0;
  const blocksEnd = length & ~3;
  for (let i = 0; i < blocksEnd; i += 4) {
    const block = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    hash = mixBlock(hash, block);
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocksEnd + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocksEnd + 1]! << 8;
    k ^= bytes[blocksEnd]!;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    hash ^= Math.imul(k, C2);
  }
  return finish(hash, length);
}

/** Murmur3 of the 8-byte little-endian form of a 64-bit integer (spec: hashLong; ints hash as longs). */
export function murmur3Long(value: bigint | number): number {
  let low: number;
  let high: number;
  if (typeof value === 'number') {
    // exact for safe integers: ToUint32 is modular, and dividing by 2^32 is exact
    low = value >>> 0;
    high = Math.floor(value / TWO_POW_32) | 0;
  } else {
    longScratch.setBigInt64(0, value, true);
    low = longScratch.getUint32(0, true);
    high = longScratch.getUint32(4, true);
  }
  return finish(mixBlock(mixBlock(0, low), high), 8);
}

/** Murmur3 of the UTF-8 bytes of a string. */
export function murmur3String(value: string): number {
  // UTF-8 takes at most 3 bytes per UTF-16 unit
  if (textScratch.length < value.length * 3) textScratch = new Uint8Array(value.length * 3);
  const { written } = utf8Encoder.encodeInto(value, textScratch);
  return murmur3Bytes(textScratch, written);
}

/** The Appendix B hash of a non-null value of a type the bucket transform accepts. */
export function hashValue(type: PrimitiveType, value: unknown): number {
  switch (type.kind) {
    case 'int':
    case 'date':
      return murmur3Long(asInt(type, value));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return murmur3Long(
        typeof value === 'number' && Number.isSafeInteger(value) ? value : asLong(type, value),
      );
    case 'timestamp_ns':
    case 'timestamptz_ns':
      // nanosecond timestamps hash as their microsecond value (spec: Appendix B, note 3)
      return murmur3Long(floorDiv(asLong(type, value), 1000n));
    case 'decimal':
      return murmur3Bytes(decimalToBytes(asUnscaled(type, value)));
    case 'string':
      return murmur3String(asString(type, value));
    case 'uuid':
      return murmur3Bytes(uuidToBytes(asString(type, value)));
    case 'fixed':
    case 'binary':
      return murmur3Bytes(asBytes(type, value));
    default:
      throw new ValidationError(`values of type ${typeToString(type)} cannot be hashed for bucketing`);
  }
}
