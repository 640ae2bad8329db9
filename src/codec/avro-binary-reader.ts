// Avro binary encoding primitives (spec: Avro 1.12, "Binary Encoding"), read from a
// cursor without allocating: varints go through doubles while they fit in 49 bits,
// floats through one shared scratch buffer. Reads past the end do not throw
// (missing bytes read as 0); the caller checks `pos <= end` once per record,
// except where a length would make us allocate (strings, bytes, blocks).
import { PayloadError } from './payload-error.ts';
import { utf8Text } from './utf8-text.ts';

export class AvroCursor {
  bytes: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;
  /**
   * `bytes`' whole ArrayBuffer as a DataView, kept while records come from the
   * same one (a packed Kafka batch): one load per float or double where
   * Buffer.readDoubleLE copies byte by byte. `view` offset = `bytes` offset + `base`.
   */
  view = new DataView(this.bytes.buffer);
  base = 0;

  reset(bytes: Buffer, start: number): void {
    this.bytes = bytes;
    this.pos = start;
    this.end = bytes.length;
    if (this.view.buffer !== bytes.buffer) this.view = new DataView(bytes.buffer);
    this.base = bytes.byteOffset;
  }
}

export function truncated(): PayloadError {
  return new PayloadError('malformed', 'Avro payload is truncated');
}

const TWO_POW_49 = 2 ** 49;

/** spec: "int and long values are written using variable-length zig-zag coding". */
export function readInt(c: AvroCursor): number {
  const b = c.bytes;
  let pos = c.pos;
  let byte = b[pos++]!;
  let n = byte & 0x7f;
  let shift = 7;
  while (byte & 0x80 && shift < 35) {
    byte = b[pos++]!;
    n |= (byte & 0x7f) << shift;
    shift += 7;
  }
  c.pos = pos;
  return (n >>> 1) ^ -(n & 1);
}

/**
 * A long of at most 7 bytes (|value| < 2^48) as a number; NaN, with the cursor
 * left where it was, for a longer one (read it with readLong).
 */
export function readShortLong(c: AvroCursor): number {
  const b = c.bytes;
  let pos = c.pos;
  let byte = b[pos++]!;
  const negative = byte & 1; // the zig-zag sign: n's lowest bit, in its first byte
  let n = byte & 0x7f;
  let scale = 128;
  while (byte & 0x80 && scale < TWO_POW_49) {
    byte = b[pos++]!;
    n += (byte & 0x7f) * scale;
    scale *= 128;
  }
  if (byte & 0x80) return Number.NaN;
  c.pos = pos;
  return negative === 0 ? n / 2 : -(n + 1) / 2;
}

/** A long as an exact bigint. */
export function readLong(c: AvroCursor): bigint {
  const short = readShortLong(c);
  if (!Number.isNaN(short)) return BigInt(short);
  // More than 7 bytes: finish in bigint (|value| >= 2^48, rare).
  const b = c.bytes;
  let pos = c.pos;
  let n = 0;
  for (let scale = 1; scale < TWO_POW_49; scale *= 128) n += (b[pos++]! & 0x7f) * scale;
  let byte: number;
  let big = BigInt(n);
  let shift = 49n;
  do {
    byte = b[pos++]!;
    big |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80 && shift < 70n);
  c.pos = pos;
  return BigInt.asIntN(64, (big >> 1n) ^ -(big & 1n));
}

/**
 * A long multiplied by `factor` (unit conversions such as millis -> micros), as an
 * exact bigint; through a double when the product is a safe integer.
 */
export function readLongTimes(c: AvroCursor, factor: number): bigint {
  const start = c.pos;
  const value = readSize(c, false);
  if (value !== undefined) {
    const product = value * factor;
    if (Number.isSafeInteger(product)) return BigInt(product);
  }
  c.pos = start;
  return readLong(c) * BigInt(factor);
}

/** A long that must be a safe number (lengths, block counts, union indexes). */
export function readSize(c: AvroCursor): number;
export function readSize(c: AvroCursor, strict: false): number | undefined;
export function readSize(c: AvroCursor, strict = true): number | undefined {
  const b = c.bytes;
  let pos = c.pos;
  let byte = b[pos++]!;
  if (byte < 0x80) {
    // one byte: union indexes, short lengths, small counts
    c.pos = pos;
    return (byte >>> 1) ^ -(byte & 1);
  }
  const negative = byte & 1;
  let n = byte & 0x7f;
  let scale = 128;
  while (byte & 0x80) {
    if (scale >= TWO_POW_49) {
      if (!strict) return undefined;
      throw new PayloadError('malformed', 'Avro length or count out of range');
    }
    byte = b[pos++]!;
    n += (byte & 0x7f) * scale;
    scale *= 128;
  }
  c.pos = pos;
  // Not n % 2: a double's remainder is a C call in optimized code.
  return negative === 0 ? n / 2 : -(n + 1) / 2;
}

/** A non-negative byte length that fits in the remaining payload. */
export function readLength(c: AvroCursor): number {
  const length = readSize(c);
  if (length < 0) throw new PayloadError('malformed', `negative Avro length ${length}`);
  if (c.pos + length > c.end) throw truncated();
  return length;
}

export function readBoolean(c: AvroCursor): boolean {
  return c.bytes[c.pos++] === 1;
}

export function readFloat(c: AvroCursor): number {
  const p = c.pos;
  if (p + 4 > c.end) throw truncated();
  c.pos = p + 4;
  return c.view.getFloat32(c.base + p, true);
}

export function readDouble(c: AvroCursor): number {
  const p = c.pos;
  if (p + 8 > c.end) throw truncated();
  c.pos = p + 8;
  return c.view.getFloat64(c.base + p, true);
}

export function readString(c: AvroCursor): string {
  const length = readLength(c);
  const start = c.pos;
  c.pos = start + length;
  return utf8Text(c.bytes, start, length);
}

const UUID_TEXT_LENGTH = 36;

/**
 * A UUID string (spec: "UUID" on string): validated and lower-cased in one pass
 * over the bytes; undefined when the text is not a UUID.
 */
export function readUuidString(c: AvroCursor): string | undefined {
  const length = readLength(c);
  const b = c.bytes;
  const start = c.pos;
  c.pos = start + length;
  if (length !== UUID_TEXT_LENGTH) return undefined;
  let upper = false;
  for (let i = 0; i < UUID_TEXT_LENGTH; i++) {
    const code = b[start + i]!;
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 0x2d) return undefined;
    } else if (code >= 0x41 && code <= 0x46) {
      upper = true;
    } else if (!((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66))) {
      return undefined;
    }
  }
  const text = b.toString('latin1', start, start + UUID_TEXT_LENGTH);
  return upper ? text.toLowerCase() : text;
}

/** A copy of `length` bytes (the row must not keep the Kafka buffer alive). */
export function readFixedBytes(c: AvroCursor, length: number): Uint8Array {
  const start = c.pos;
  if (start + length > c.end) throw truncated();
  c.pos = start + length;
  const out = new Uint8Array(length);
  c.bytes.copy(out, 0, start, start + length);
  return out;
}

export function readBytes(c: AvroCursor): Uint8Array {
  return readFixedBytes(c, readLength(c));
}

/** Big-endian two's-complement integer of `length` bytes (spec: "Decimal"). */
export function readBigEndianSigned(c: AvroCursor, length: number): bigint {
  const b = c.bytes;
  const start = c.pos;
  if (start + length > c.end) throw truncated();
  c.pos = start + length;
  if (length === 0) return 0n;
  if (length <= 6) {
    let n = 0;
    for (let i = start; i < start + length; i++) n = n * 256 + b[i]!;
    if (b[start]! & 0x80) n -= 2 ** (8 * length);
    return BigInt(n);
  }
  let big = 0n;
  for (let i = start; i < start + length; i++) big = (big << 8n) | BigInt(b[i]!);
  return BigInt.asIntN(8 * length, big);
}
