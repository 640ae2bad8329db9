// Reading the Protobuf binary encoding (varints, zigzag, fixed-width little
// endian, length-delimited) from a Buffer, as Iceberg values: 64-bit integers as
// exact bigint, 32-bit ones as numbers. The cursor's `end` is the end of the
// message being read; nested messages move it and put it back.
import { PayloadError } from './payload-error.ts';
import { utf8Text } from './utf8-text.ts';

export class ProtoCursor {
  bytes: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;

  reset(bytes: Buffer, start: number): void {
    this.bytes = bytes;
    this.pos = start;
    this.end = bytes.length;
  }
}

/** Wire types (encoding spec: "Message Structure"). */
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const START_GROUP = 3;
export const END_GROUP = 4;
export const FIXED32 = 5;

// Below this many seconds, seconds * 10^6 + micros is a safe integer.
const SAFE_SECONDS = 9_000_000_000;

export function truncated(): PayloadError {
  return new PayloadError('malformed', 'Protobuf payload is truncated');
}

/** The low 32 bits of a varint as an unsigned number (keys, lengths, uint32, bool, enums). */
export function readVarint32(c: ProtoCursor): number {
  const b = c.bytes;
  let pos = c.pos;
  let byte = b[pos++]!;
  if (byte < 0x80) {
    c.pos = pos;
    return byte;
  }
  let n = byte & 0x7f;
  for (let shift = 7; shift < 35; shift += 7) {
    byte = b[pos++]!;
    n |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      c.pos = pos;
      if (pos > c.end) throw truncated();
      return n >>> 0;
    }
  }
  // Bits above 32 (a negative int32 is sign-extended to 10 bytes): skip them.
  for (let i = 0; i < 5; i++) {
    if (b[pos++]! < 0x80) {
      c.pos = pos;
      if (pos > c.end) throw truncated();
      return n >>> 0;
    }
  }
  throw new PayloadError('malformed', 'a Protobuf varint is longer than 10 bytes');
}

export function readInt32(c: ProtoCursor): number {
  return readVarint32(c) | 0;
}

export function readSint32(c: ProtoCursor): number {
  const n = readVarint32(c);
  return (n >>> 1) ^ -(n & 1);
}

export function readBool(c: ProtoCursor): boolean {
  return readVarint32(c) !== 0;
}

const TWO_POW_49 = 2 ** 49;
const INT64_SIGN = 2n ** 63n;

/**
 * A varint below 2^49 as a number (exact in a double); -1, with the cursor left
 * where it was, for a longer one. The fast path of the 64-bit readers.
 */
export function readSmallVarint(c: ProtoCursor): number {
  const b = c.bytes;
  let pos = c.pos;
  let byte = b[pos++]!;
  if (byte < 0x80) {
    c.pos = pos;
    return byte;
  }
  let n = byte & 0x7f;
  let scale = 128;
  while (scale < TWO_POW_49) {
    byte = b[pos++]!;
    n += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      c.pos = pos;
      if (pos > c.end) throw truncated();
      return n;
    }
    scale *= 128;
  }
  return -1;
}

/** A varint as an unsigned 64-bit bigint. */
export function readVarintU64(c: ProtoCursor): bigint {
  const small = readSmallVarint(c);
  if (small >= 0) return BigInt(small);
  const b = c.bytes;
  let pos = c.pos;
  let big = 0n;
  let shift = 0n;
  let byte: number;
  do {
    byte = b[pos++]!;
    if (byte === undefined) throw truncated();
    big |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte >= 0x80 && shift < 70n);
  if (byte >= 0x80) throw new PayloadError('malformed', 'a Protobuf varint is longer than 10 bytes');
  c.pos = pos;
  if (pos > c.end) throw truncated();
  return BigInt.asUintN(64, big);
}

export function readInt64(c: ProtoCursor): bigint {
  const n = readVarintU64(c);
  return n < INT64_SIGN ? n : BigInt.asIntN(64, n);
}

export function readSint64(c: ProtoCursor): bigint {
  const small = readSmallVarint(c);
  if (small >= 0) return BigInt(small % 2 === 0 ? small / 2 : -(small + 1) / 2);
  const n = readVarintU64(c);
  return (n >> 1n) ^ -(n & 1n);
}

function fixed(c: ProtoCursor, width: number): number {
  const p = c.pos;
  if (p + width > c.end) throw truncated();
  c.pos = p + width;
  return p;
}

export function readFixed32(c: ProtoCursor): number {
  return c.bytes.readUInt32LE(fixed(c, 4));
}

export function readSfixed32(c: ProtoCursor): number {
  return c.bytes.readInt32LE(fixed(c, 4));
}

export function readFixed64(c: ProtoCursor): bigint {
  return c.bytes.readBigUInt64LE(fixed(c, 8));
}

export function readSfixed64(c: ProtoCursor): bigint {
  return c.bytes.readBigInt64LE(fixed(c, 8));
}

export function readFloat(c: ProtoCursor): number {
  return c.bytes.readFloatLE(fixed(c, 4));
}

export function readDouble(c: ProtoCursor): number {
  return c.bytes.readDoubleLE(fixed(c, 8));
}

/** The length of a length-delimited value, checked against the message's end. */
export function readLength(c: ProtoCursor): number {
  const length = readVarint32(c);
  if (length > c.end - c.pos) throw truncated();
  return length;
}

export function readString(c: ProtoCursor): string {
  const length = readLength(c);
  const start = c.pos;
  c.pos = start + length;
  return utf8Text(c.bytes, start, length);
}

export function readBytes(c: ProtoCursor): Uint8Array {
  const length = readLength(c);
  const start = c.pos;
  c.pos = start + length;
  const out = new Uint8Array(length);
  c.bytes.copy(out, 0, start, start + length);
  return out;
}

/** Skips a field the schema does not know (a newer writer's, or a reserved one). */
export function skipField(c: ProtoCursor, wireType: number, fieldNumber: number): void {
  switch (wireType) {
    case VARINT:
      readVarintU64(c);
      return;
    case FIXED64:
      fixed(c, 8);
      return;
    case LENGTH_DELIMITED: {
      const length = readLength(c); // before reading c.pos: the length moves it
      c.pos += length;
      return;
    }
    case FIXED32:
      fixed(c, 4);
      return;
    case START_GROUP:
      skipGroup(c, fieldNumber);
      return;
    default:
      throw new PayloadError('malformed', `field ${fieldNumber} has the invalid wire type ${wireType}`);
  }
}

function skipGroup(c: ProtoCursor, fieldNumber: number): void {
  while (c.pos < c.end) {
    const key = readVarint32(c);
    const wireType = key & 7;
    if (wireType === END_GROUP) {
      if (key >>> 3 !== fieldNumber)
        throw new PayloadError('malformed', `group ${fieldNumber} ends as ${key >>> 3}`);
      return;
    }
    skipField(c, wireType, key >>> 3);
  }
  throw truncated();
}

/** Whole seconds and nanoseconds as microseconds (Timestamp, Duration): nanoseconds below a microsecond are dropped, toward negative infinity. */
export function secondsNanosToMicros(seconds: number | bigint, nanos: number): bigint {
  const micros = Math.floor(nanos / 1000);
  if (typeof seconds === 'number' && Math.abs(seconds) < SAFE_SECONDS)
    return BigInt(seconds * 1_000_000 + micros);
  return BigInt(seconds) * 1_000_000n + BigInt(micros);
}

/** An int64 as a number when it is below 2^49 and not negative, else as a bigint. */
export function readInt64Loose(c: ProtoCursor): number | bigint {
  const small = readSmallVarint(c);
  return small >= 0 ? small : readInt64(c);
}
