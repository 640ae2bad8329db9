// spec: Appendix D, "Binary single-value serialization" (used for column bounds),
// plus the string/binary bound truncation writers apply before encoding bounds.
import { ValidationError } from '../errors.ts';
import {
  asBoolean,
  asBytes,
  asInt,
  asLong,
  asNumber,
  asString,
  asUnscaled,
  invalidValue,
} from './primitive-value.ts';
import type { PrimitiveType } from './types.ts';
import { typeToString } from './types.ts';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function littleEndian(size: number, write: (view: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(size);
  write(new DataView(bytes.buffer));
  return bytes;
}

export function encodeSingleValue(type: PrimitiveType, value: unknown): Uint8Array {
  switch (type.kind) {
    case 'boolean':
      return Uint8Array.of(asBoolean(type, value) ? 1 : 0);
    case 'int':
    case 'date':
      return littleEndian(4, (view) => view.setInt32(0, asInt(type, value), true));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return littleEndian(8, (view) => view.setBigInt64(0, asLong(type, value), true));
    case 'float':
      return littleEndian(4, (view) => view.setFloat32(0, asNumber(type, value), true));
    case 'double':
      return littleEndian(8, (view) => view.setFloat64(0, asNumber(type, value), true));
    case 'string':
      return utf8Encoder.encode(asString(type, value));
    case 'uuid':
      return uuidToBytes(asString(type, value));
    case 'fixed': {
      const bytes = asBytes(type, value);
      if (bytes.length !== type.length) throw invalidValue(type, value, `${type.length} bytes long`);
      return bytes.slice();
    }
    case 'binary':
      return asBytes(type, value).slice();
    case 'decimal': {
      const unscaled = asUnscaled(type, value);
      const limit = 10n ** BigInt(type.precision);
      if (unscaled >= limit || unscaled <= -limit) {
        throw invalidValue(type, value, `an unscaled value of at most ${type.precision} digits`);
      }
      return decimalToBytes(unscaled);
    }
  }
}

export function decodeSingleValue(type: PrimitiveType, bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const requireLength = (...lengths: number[]): void => {
    if (!lengths.includes(bytes.length)) {
      throw new ValidationError(
        `a ${typeToString(type)} single value must be ${lengths.join(' or ')} bytes, got ${bytes.length}`,
      );
    }
  };
  switch (type.kind) {
    case 'boolean':
      requireLength(1);
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      requireLength(4);
      return view.getInt32(0, true);
    case 'long':
      // a 4-byte value is a bound written before the column was promoted from int
      requireLength(8, 4);
      return bytes.length === 4 ? BigInt(view.getInt32(0, true)) : view.getBigInt64(0, true);
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      requireLength(8);
      return view.getBigInt64(0, true);
    case 'float':
      requireLength(4);
      return view.getFloat32(0, true);
    case 'double':
      // a 4-byte value is a bound written before the column was promoted from float
      requireLength(8, 4);
      return bytes.length === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
    case 'string':
      try {
        return utf8Decoder.decode(bytes);
      } catch (error) {
        throw new ValidationError('a string single value is not valid UTF-8', {}, { cause: error });
      }
    case 'uuid':
      requireLength(16);
      return bytesToUuid(bytes);
    case 'fixed':
    case 'binary':
      return bytes.slice();
    case 'decimal':
      if (bytes.length === 0) throw new ValidationError(`a ${typeToString(type)} single value is empty`);
      return bytesToDecimal(bytes);
  }
}

/** The unscaled value as two's-complement big-endian bytes, as few as hold it (0 -> [0x00]). */
export function decimalToBytes(unscaled: bigint): Uint8Array {
  let length = 1;
  let bound = 128n;
  while (unscaled >= bound || unscaled < -bound) {
    length += 1;
    bound <<= 8n;
  }
  const bytes = new Uint8Array(length);
  let rest = BigInt.asUintN(length * 8, unscaled);
  for (let i = length - 1; i >= 0; i -= 1) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

export function bytesToDecimal(bytes: Uint8Array): bigint {
  let unsigned = 0n;
  for (const byte of bytes) unsigned = (unsigned << 8n) | BigInt(byte);
  return BigInt.asIntN(bytes.length * 8, unsigned);
}

/** The 16 big-endian bytes of a canonical (8-4-4-4-12 hex) UUID string. */
export function uuidToBytes(uuid: string): Uint8Array {
  if (!UUID_PATTERN.test(uuid)) {
    throw new ValidationError(`a uuid value must be 8-4-4-4-12 hex digits, got ${JSON.stringify(uuid)}`);
  }
  const hex = uuid.replaceAll('-', '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 1) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function bytesToUuid(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The first `codePoints` code points of a string (never splits a surrogate pair). */
export function truncateString(value: string, codePoints: number): string {
  if (value.length <= codePoints) return value;
  let index = 0;
  for (let count = 0; count < codePoints && index < value.length; count += 1) {
    const unit = value.charCodeAt(index);
    const isPair = unit >= 0xd800 && unit <= 0xdbff && (value.charCodeAt(index + 1) & 0xfc00) === 0xdc00;
    index += isPair ? 2 : 1;
  }
  return value.slice(0, index);
}

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length <= 0) {
    throw new ValidationError(`a bound truncation length must be a positive integer, got ${length}`);
  }
}

/**
 * A lower bound of at most `length` code points (string) or bytes (binary); any
 * other type's value is returned unchanged. A prefix is never greater than the value.
 */
export function truncateLowerBound(type: PrimitiveType, value: unknown, length: number): unknown {
  checkLength(length);
  if (type.kind === 'string') return truncateString(asString(type, value), length);
  if (type.kind === 'binary') {
    const bytes = asBytes(type, value);
    return bytes.length <= length ? bytes : bytes.slice(0, length);
  }
  return value;
}

/**
 * An upper bound of at most `length` code points (string) or bytes (binary): the
 * prefix with its last incrementable code point (byte) incremented and what follows
 * it dropped; null when no such bound exists (every position already at its maximum).
 * Any other type's value is returned unchanged.
 */
export function truncateUpperBound(type: PrimitiveType, value: unknown, length: number): unknown {
  checkLength(length);
  if (type.kind === 'string') return truncateStringUpper(asString(type, value), length);
  if (type.kind === 'binary') return truncateBinaryUpper(asBytes(type, value), length);
  return value;
}

function truncateStringUpper(value: string, length: number): string | null {
  const prefix = truncateString(value, length);
  if (prefix.length === value.length) return value;
  const codePoints = Array.from(prefix, (char) => char.codePointAt(0) ?? 0);
  for (let i = codePoints.length - 1; i >= 0; i -= 1) {
    let next = codePoints[i]! + 1;
    // surrogate code points have no UTF-8 form: step over them
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) {
      return String.fromCodePoint(...codePoints.slice(0, i), next);
    }
  }
  return null;
}

function truncateBinaryUpper(value: Uint8Array, length: number): Uint8Array | null {
  if (value.length <= length) return value;
  for (let i = length - 1; i >= 0; i -= 1) {
    const byte = value[i] ?? 0xff;
    if (byte < 0xff) {
      const bound = value.slice(0, i + 1);
      bound[i] = byte + 1;
      return bound;
    }
  }
  return null;
}
