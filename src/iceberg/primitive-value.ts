// Checked reads of in-memory primitive values (representation: see the comment on
// values in types.ts), shared by the transforms and the single-value codec.
import { ValidationError } from '../errors.ts';
import type { PrimitiveType } from './types.ts';
import { typeToString } from './types.ts';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return `${typeof value} ${String(value)}`;
}

export function invalidValue(type: PrimitiveType, value: unknown, expected: string): ValidationError {
  return new ValidationError(`a ${typeToString(type)} value must be ${expected}, got ${describe(value)}`);
}

/** int and date values: a 32-bit signed integer number. */
export function asInt(type: PrimitiveType, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX) {
    return value;
  }
  if (typeof value === 'bigint' && value >= INT_MIN && value <= INT_MAX) return Number(value);
  throw invalidValue(type, value, 'a 32-bit integer');
}

/** long, time and timestamp values: a bigint, or a safe integer number, within 64 bits. */
export function asLong(type: PrimitiveType, value: unknown): bigint {
  if (typeof value === 'bigint' && value >= LONG_MIN && value <= LONG_MAX) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw invalidValue(type, value, 'a 64-bit integer (bigint)');
}

/** decimal values: the unscaled bigint (a safe integer number is accepted). */
export function asUnscaled(type: PrimitiveType, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw invalidValue(type, value, 'an unscaled bigint');
}

export function asNumber(type: PrimitiveType, value: unknown): number {
  if (typeof value === 'number') return value;
  throw invalidValue(type, value, 'a number');
}

export function asString(type: PrimitiveType, value: unknown): string {
  if (typeof value === 'string') return value;
  throw invalidValue(type, value, 'a string');
}

export function asBytes(type: PrimitiveType, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw invalidValue(type, value, 'a Uint8Array');
}

export function asBoolean(type: PrimitiveType, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw invalidValue(type, value, 'a boolean');
}

/** Math.floor(a / b) on bigints (bigint `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}

/** a mod b with the sign of b (always >= 0 for positive b). */
export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}
