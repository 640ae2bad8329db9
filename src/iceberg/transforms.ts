// spec: "Partition Transforms", "Bucket Transform Details", "Truncate Transform
// Details". Which source types a transform accepts and what it yields live with the
// Transform type in partition-spec.ts and are re-exported here.
import { ValidationError } from '../errors.ts';
import {
  floorDivCount,
  MICROS_PER_DAY,
  MICROS_PER_HOUR,
  monthsFromDays,
  yearsFromDays,
} from './epoch-calendar.ts';
import { hashValue } from './murmur3.ts';
import type { Transform } from './partition-spec.ts';
import {
  asBoolean,
  asBytes,
  asInt,
  asLong,
  asNumber,
  asString,
  asUnscaled,
  floorDiv,
  floorMod,
} from './primitive-value.ts';
import { truncateString } from './single-value.ts';
import type { PrimitiveType } from './types.ts';
import { typeToString } from './types.ts';

export { canTransform, transformResultType } from './partition-spec.ts';

const WITH_ARGUMENT = /^([a-zA-Z_]+)\[(\d+)\]$/;

/** Parses the spec's transform string ("bucket[16]", "day", ...); other names become unknown transforms. */
export function parseTransform(text: string): Transform {
  const withArgument = WITH_ARGUMENT.exec(text);
  if (withArgument !== null) {
    const name = (withArgument[1] as string).toLowerCase();
    const argument = Number(withArgument[2]);
    if (name === 'bucket' || name === 'truncate') {
      if (!Number.isSafeInteger(argument) || argument <= 0) {
        throw new ValidationError(
          `transform '${text}' needs a positive ${name === 'bucket' ? 'bucket count' : 'width'}`,
        );
      }
      return name === 'bucket'
        ? { kind: 'bucket', numBuckets: argument }
        : { kind: 'truncate', width: argument };
    }
    return { kind: 'unknown', name: text };
  }
  switch (text.toLowerCase()) {
    case 'identity':
      return { kind: 'identity' };
    case 'year':
      return { kind: 'year' };
    case 'month':
      return { kind: 'month' };
    case 'day':
      return { kind: 'day' };
    case 'hour':
      return { kind: 'hour' };
    case 'void':
      return { kind: 'void' };
    default:
      return { kind: 'unknown', name: text };
  }
}

export function transformToString(transform: Transform): string {
  switch (transform.kind) {
    case 'bucket':
      return `bucket[${transform.numBuckets}]`;
    case 'truncate':
      return `truncate[${transform.width}]`;
    case 'unknown':
      return transform.name;
    default:
      return transform.kind;
  }
}

function unsupported(transform: Transform, sourceType: PrimitiveType): ValidationError {
  return new ValidationError(
    `transform ${transformToString(transform)} cannot apply to type ${typeToString(sourceType)}`,
  );
}

/**
 * The partition value of a source value (null for null). Values follow the
 * representation in types.ts; results are in the representation of
 * transformResultType (int and date as number, long and decimal as bigint).
 */
export function applyTransform(transform: Transform, sourceType: PrimitiveType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (transform.kind) {
    case 'identity':
      return identity(sourceType, value);
    case 'bucket': {
      if (!Number.isSafeInteger(transform.numBuckets) || transform.numBuckets <= 0) {
        throw new ValidationError(
          `bucket transform needs a positive bucket count, got ${transform.numBuckets}`,
        );
      }
      return (hashValue(sourceType, value) & 0x7fffffff) % transform.numBuckets;
    }
    case 'truncate':
      return truncate(transform, sourceType, value);
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
      return datePart(transform, sourceType, value);
    case 'void':
      return null;
    case 'unknown':
      throw new ValidationError(
        `transform '${transform.name}' is unknown, so it cannot produce partition values`,
      );
  }
}

/** The value itself, checked against its type, with longs normalized to bigint. */
function identity(sourceType: PrimitiveType, value: unknown): unknown {
  switch (sourceType.kind) {
    case 'boolean':
      return asBoolean(sourceType, value);
    case 'int':
    case 'date':
      return asInt(sourceType, value);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return asLong(sourceType, value);
    case 'float':
    case 'double':
      return asNumber(sourceType, value);
    case 'decimal':
      return asUnscaled(sourceType, value);
    case 'string':
    case 'uuid':
      return asString(sourceType, value);
    case 'fixed':
    case 'binary':
      return asBytes(sourceType, value);
  }
}

function truncate(transform: { readonly width: number }, sourceType: PrimitiveType, value: unknown): unknown {
  const { width } = transform;
  if (!Number.isSafeInteger(width) || width <= 0) {
    throw new ValidationError(`truncate transform needs a positive width, got ${width}`);
  }
  switch (sourceType.kind) {
    case 'int': {
      const v = asInt(sourceType, value);
      // the remainder must be non-negative: -1 truncates to -W
      return v - (((v % width) + width) % width);
    }
    case 'long': {
      const v = asLong(sourceType, value);
      return v - floorMod(v, BigInt(width));
    }
    case 'decimal': {
      // the width applies to the unscaled value, i.e. in units of the column's scale
      const v = asUnscaled(sourceType, value);
      return v - floorMod(v, BigInt(width));
    }
    case 'string':
      return truncateString(asString(sourceType, value), width);
    case 'binary': {
      const bytes = asBytes(sourceType, value);
      return bytes.length <= width ? bytes : bytes.slice(0, width);
    }
    default:
      throw unsupported({ kind: 'truncate', width }, sourceType);
  }
}

/** year, month, day (as days) or hour since 1970, floor-rounded for earlier instants. */
function datePart(transform: Transform, sourceType: PrimitiveType, value: unknown): number {
  let days: number;
  switch (sourceType.kind) {
    case 'date':
      if (transform.kind === 'hour') throw unsupported(transform, sourceType);
      days = asInt(sourceType, value);
      break;
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const micros =
        sourceType.kind === 'timestamp' || sourceType.kind === 'timestamptz'
          ? timestampValue(sourceType, value)
          : floorDiv(asLong(sourceType, value), 1000n);
      if (transform.kind === 'hour') return floorDivCount(micros, MICROS_PER_HOUR);
      days = floorDivCount(micros, MICROS_PER_DAY);
      break;
    }
    default:
      throw unsupported(transform, sourceType);
  }
  if (transform.kind === 'year') return yearsFromDays(days);
  if (transform.kind === 'month') return monthsFromDays(days);
  return days;
}

function timestampValue(sourceType: PrimitiveType, value: unknown): bigint | number {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : asLong(sourceType, value);
}
