// Primitive type promotion (spec: "Schema Evolution", the table of valid type
// promotions for v1 and v2) and the matching value conversion: what lets a
// record of a narrower type be written into a column that was promoted.
import { ValidationError } from '../errors.ts';
import type { PrimitiveType } from './types.ts';
import { typeToString } from './types.ts';

/** Whether two primitive types are the same type, parameters included. */
export function samePrimitiveType(a: PrimitiveType, b: PrimitiveType): boolean {
  if (a.kind === 'decimal' && b.kind === 'decimal') {
    return a.precision === b.precision && a.scale === b.scale;
  }
  if (a.kind === 'fixed' && b.kind === 'fixed') return a.length === b.length;
  return a.kind === b.kind;
}

/**
 * Whether values of `from` may be read as `to`: identical types, or one of the
 * spec's promotions int -> long, float -> double, decimal(P,S) -> decimal(P',S)
 * with P' > P. The v3-only date -> timestamp promotions are deliberately absent.
 */
export function isPromotionAllowed(from: PrimitiveType, to: PrimitiveType): boolean {
  if (samePrimitiveType(from, to)) return true;
  if (from.kind === 'int') return to.kind === 'long';
  if (from.kind === 'float') return to.kind === 'double';
  if (from.kind === 'decimal' && to.kind === 'decimal') {
    return to.scale === from.scale && to.precision > from.precision;
  }
  return false;
}

/**
 * Converts a value of type `from` to the representation of the wider type `to`
 * (see the value table in types.ts): int numbers become long bigints; float,
 * double and same-scale decimals keep their representation. Null stays null.
 */
export function widenValue(value: unknown, from: PrimitiveType, to: PrimitiveType): unknown {
  if (value === null || value === undefined) return value;
  if (samePrimitiveType(from, to)) return value;
  if (!isPromotionAllowed(from, to)) {
    throw new ValidationError(`cannot widen a ${typeToString(from)} value to ${typeToString(to)}`, {
      from: typeToString(from),
      to: typeToString(to),
    });
  }
  if (from.kind === 'int') return intToLong(value);
  // float -> double: a float is already held as a JS number (a double).
  // decimal -> decimal: the unscaled bigint is unchanged because the scale is.
  return value;
}

function intToLong(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new ValidationError(
    `cannot widen ${String(value)} (${typeof value}) from int to long: not an integer`,
    {
      from: 'int',
      to: 'long',
    },
  );
}
