// Parsed JSON -> Row for a known Iceberg schema (a schema declared in the connector
// file, or one mapped from a JSON Schema). Converters are built once per schema.
// Conversions are the unambiguous ones only; anything else is an error naming the
// field, never a silent coercion:
//   long/int: integer numbers    float/double: numbers     decimal: number or numeric string
//   date: "YYYY-MM-DD" or days    time: "HH:MM:SS[.ffffff]"
//   timestamp*: ISO-8601 text (offset applied) or integer epoch milliseconds
//   uuid: canonical text          binary/fixed: base64 text  map: object (string or integer keys)
// Properties the schema does not name are not copied (the schema is a projection);
// `onUnknown`, when given, hears the path of each one (value.unknownFields).
import type { IcebergType, NestedField, PrimitiveType, Row, Schema } from '../iceberg/types.ts';
import { parseIsoDate, parseIsoTime, parseIsoTimestamp } from './iso-temporal.ts';
import { JsonNumberText, unscaledFromText } from './json-number.ts';
import { PayloadError } from './payload-error.ts';
import { projectingRowFactory } from './row-factory.ts';

type Convert = (value: unknown) => unknown;

/** Called with the dotted path of a property the schema does not name. */
export type UnknownFieldHandler = (path: string) => void;

export function compileJsonConverter(
  schema: Schema,
  onUnknown?: UnknownFieldHandler,
): (value: unknown) => Row {
  const convert = structConverter(schema.fields, '', onUnknown);
  return (value) => {
    if (!isObject(value)) throw mismatch('', 'an object', value);
    return convert(value) as Row;
  };
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

function slot(type: IcebergType, required: boolean, path: string, onUnknown?: UnknownFieldHandler): Convert {
  const convert = converter(type, path, onUnknown);
  return (value) => {
    if (value === null || value === undefined) {
      if (required) throw new PayloadError('incompatible', `${path}: required field is missing or null`);
      return null;
    }
    return convert(value);
  };
}

function structConverter(
  fields: readonly NestedField[],
  path: string,
  onUnknown?: UnknownFieldHandler,
): Convert {
  const names = fields.map((field) => field.name);
  const project = projectingRowFactory(
    names,
    fields.map((field) => slot(field.type, field.required, join(path, field.name), onUnknown)),
  );
  const known = new Set(names);
  return (value) => {
    if (!isObject(value)) throw mismatch(path, 'an object', value);
    if (onUnknown !== undefined) {
      for (const name of Object.keys(value)) if (!known.has(name)) onUnknown(join(path, name));
    }
    return project(value);
  };
}

function converter(type: IcebergType, path: string, onUnknown?: UnknownFieldHandler): Convert {
  switch (type.kind) {
    case 'struct':
      return structConverter(type.fields, path, onUnknown);
    case 'list': {
      const element = slot(type.element, type.elementRequired, `${path}.element`, onUnknown);
      return (value) => {
        if (!Array.isArray(value)) throw mismatch(path, 'an array', value);
        return value.map(element);
      };
    }
    case 'map': {
      const key = mapKeyConverter(type.key, `${path}.key`);
      const entry = slot(type.value, type.valueRequired, `${path}.value`, onUnknown);
      return (value) => {
        if (!isObject(value)) throw mismatch(path, 'an object', value);
        const map = new Map<unknown, unknown>();
        for (const name of Object.keys(value)) map.set(key(name), entry(value[name]));
        return map;
      };
    }
    default:
      return primitiveConverter(type, path);
  }
}

function primitiveConverter(type: PrimitiveType, path: string): Convert {
  switch (type.kind) {
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : fail(path, 'a boolean', v));
    case 'int':
      return (v) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) return fail(path, 'an integer', v);
        if (v < INT_MIN || v > INT_MAX) throw outOfRange(path, v, 'int');
        return v;
      };
    case 'long':
      return (v) => {
        if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
        if (typeof v === 'bigint') {
          if (v < LONG_MIN || v > LONG_MAX) throw outOfRange(path, v, 'long');
          return v;
        }
        if (typeof v === 'number' && Number.isInteger(v)) throw outOfRange(path, v, 'long');
        return fail(path, 'an integer', v);
      };
    case 'float':
    case 'double':
      return (v) => {
        if (typeof v === 'number') return v;
        if (typeof v === 'bigint') return Number(v);
        if (v instanceof JsonNumberText) return v.value;
        return fail(path, 'a number', v);
      };
    case 'decimal': {
      const { precision, scale } = type;
      return (v) => {
        let text: string;
        if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
        else if (typeof v === 'bigint' || typeof v === 'string') text = String(v);
        else if (v instanceof JsonNumberText) text = v.text;
        else return fail(path, `a decimal(${precision},${scale}) number or numeric string`, v);
        const unscaled = unscaledFromText(text, precision, scale);
        if (typeof unscaled === 'string') {
          const reason = unscaled.includes('is not a decimal') ? 'incompatible' : 'out-of-range';
          throw new PayloadError(reason, `${path}: ${unscaled}`);
        }
        return unscaled;
      };
    }
    case 'date':
      return (v) => {
        if (typeof v === 'number' && Number.isInteger(v)) return v;
        const days = typeof v === 'string' ? parseIsoDate(v) : undefined;
        return days ?? fail(path, 'a date "YYYY-MM-DD"', v);
      };
    case 'time':
      return (v) =>
        (typeof v === 'string' ? parseIsoTime(v) : undefined) ?? fail(path, 'a time "HH:MM:SS"', v);
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const nanos = type.kind.endsWith('_ns');
      const perMilli = nanos ? 1_000_000 : 1000;
      return (v) => {
        if (typeof v === 'string') {
          const parsed = parseIsoTimestamp(v, nanos ? 9 : 6);
          if (parsed !== undefined) return parsed.value;
        } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
          const scaled = v * perMilli;
          return Number.isSafeInteger(scaled) ? BigInt(scaled) : BigInt(v) * BigInt(perMilli);
        } else if (typeof v === 'bigint') {
          return v * BigInt(perMilli);
        }
        return fail(path, 'an ISO-8601 timestamp or epoch milliseconds', v);
      };
    }
    case 'string':
      return (v) => (typeof v === 'string' ? v : fail(path, 'a string', v));
    case 'uuid':
      return (v) =>
        typeof v === 'string' && UUID_PATTERN.test(v) ? v.toLowerCase() : fail(path, 'a UUID', v);
    case 'binary':
      return (v) => base64(v, path);
    case 'fixed': {
      const length = type.length;
      return (v) => {
        const bytes = base64(v, path);
        if (bytes.length !== length) {
          throw new PayloadError(
            'incompatible',
            `${path}: ${bytes.length} bytes where fixed[${length}] needs ${length}`,
          );
        }
        return bytes;
      };
    }
  }
}

/** JSON object keys are strings; integer-keyed maps take their decimal text. */
function mapKeyConverter(type: IcebergType, path: string): (key: string) => unknown {
  switch (type.kind) {
    case 'string':
      return (key) => key;
    case 'int':
    case 'long': {
      const convert = primitiveConverter(type, path);
      return (key) => convert(/^-?\d+$/.test(key) ? (type.kind === 'int' ? Number(key) : BigInt(key)) : key);
    }
    case 'uuid':
    case 'date':
      return primitiveConverter(type, path);
    default:
      throw new PayloadError('incompatible', `${path}: map keys of type ${type.kind} cannot come from JSON`);
  }
}

function base64(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) return fail(path, 'base64 text', v);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumberText)
  );
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonNumberText) return value.text;
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function mismatch(path: string, expected: string, value: unknown): PayloadError {
  return new PayloadError(
    'incompatible',
    `${path === '' ? 'value' : path}: expected ${expected}, got ${describe(value)}`,
  );
}

function fail(path: string, expected: string, value: unknown): never {
  throw mismatch(path, expected, value);
}

function outOfRange(path: string, value: number | bigint, type: string): PayloadError {
  return new PayloadError('out-of-range', `${path}: ${value} is out of range for ${type}`);
}
