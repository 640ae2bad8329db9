// Reads the values of test/vectors/*.json into floe's in-memory representation:
// 64-bit integers and decimal unscaled values are decimal strings there, bytes hex.
import type { PrimitiveType, PrimitiveTypeName } from '../../../src/iceberg/types.ts';
import { decimal, fixed, primitive } from '../../../src/iceberg/types.ts';

export function vectorType(text: string): PrimitiveType {
  const decimalMatch = /^decimal\((\d+),(\d+)\)$/.exec(text);
  if (decimalMatch) return decimal(Number(decimalMatch[1]), Number(decimalMatch[2]));
  const fixedMatch = /^fixed\[(\d+)\]$/.exec(text);
  if (fixedMatch) return fixed(Number(fixedMatch[1]));
  return primitive(text as PrimitiveTypeName);
}

export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function vectorValue(type: PrimitiveType, json: unknown): unknown {
  if (json === null) return null;
  switch (type.kind) {
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal':
      return BigInt(json as string);
    case 'fixed':
    case 'binary':
      return hexToBytes(json as string);
    default:
      return json;
  }
}
