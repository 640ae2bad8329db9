// Kafka Connect's JSON schema (what JsonConverter writes with schemas.enable:
// `{"schema": {...}, "payload": {...}}`) -> Iceberg types, and payload values ->
// Iceberg values. Used for Debezium change events in JSON with their schema.
//
// Connect types: int8/16/32 -> int, int64 -> long, float (FLOAT32) -> float, double
// (FLOAT64) -> double, boolean, string, bytes (base64 in JSON) -> binary, array -> list,
// map -> map, struct -> struct; `optional: false` -> required. Connect's own
// logical types map as Connect's AvroConverter maps them (so a connector reads
// the same table from JSON with schemas as from Avro): Decimal (base64 of the
// big-endian two's-complement unscaled value) -> decimal(precision, scale),
// Date -> date, Time -> time, Timestamp -> timestamp (ms since the epoch).
// Debezium's semantic types (io.debezium.time.*, io.debezium.data.Uuid) are
// plain ints, longs and strings here, as in Avro; the Debezium decoder retypes
// them by their Connect names afterwards (debezium-semantic-columns.ts), the
// same way for both encodings.
import type { IcebergType, NestedField, Row } from '../iceberg/types.ts';
import { decimal, primitive } from '../iceberg/types.ts';
import { JsonNumberText } from './json-number.ts';
import { PayloadError } from './payload-error.ts';

export interface ConnectSchema {
  readonly type: string;
  readonly optional?: boolean;
  readonly name?: string;
  readonly field?: string;
  readonly fields?: readonly ConnectSchema[];
  readonly items?: ConnectSchema;
  readonly keys?: ConnectSchema;
  readonly values?: ConnectSchema;
  readonly parameters?: Readonly<Record<string, string>>;
}

type Convert = (value: unknown, path: string) => unknown;

export interface ConnectStruct {
  /** The struct's fields as Iceberg fields (ids 1..n depth-first, provisional). */
  readonly fields: readonly NestedField[];
  /** A payload object -> a row of those fields. */
  readonly convert: (value: unknown) => Row;
}

/** Compiles a Connect struct schema. Throws PayloadError when it is not one. */
export function compileConnectStruct(schema: ConnectSchema): ConnectStruct {
  if (schema.type !== 'struct')
    throw new PayloadError('incompatible', `the Connect schema is a ${schema.type}, not a struct`);
  const ids = { next: 1 };
  const compiled = structOf(schema, ids);
  return {
    fields: compiled.fields,
    convert: (value) => compiled.convert(value, '') as Row,
  };
}

function structOf(schema: ConnectSchema, ids: { next: number }): { fields: NestedField[]; convert: Convert } {
  const members = (schema.fields ?? []).map((field) => {
    const name = field.field;
    if (name === undefined) throw new PayloadError('malformed', 'a Connect struct field has no "field" name');
    const id = ids.next++;
    return { name, id, required: field.optional !== true, ...compile(field, ids) };
  });
  const fields = members.map((m) => ({ id: m.id, name: m.name, required: m.required, type: m.type }));
  const convert: Convert = (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new PayloadError('incompatible', `${path || 'the payload'} must be an object`);
    const source = value as Record<string, unknown>;
    const row: Row = {};
    for (const m of members) {
      const item = source[m.name];
      const at = path === '' ? m.name : `${path}.${m.name}`;
      if (item === null || item === undefined) {
        if (m.required) throw new PayloadError('incompatible', `${at} is required but null`);
        row[m.name] = null;
      } else row[m.name] = m.convert(item, at);
    }
    return row;
  };
  return { fields, convert };
}

function compile(schema: ConnectSchema, ids: { next: number }): { type: IcebergType; convert: Convert } {
  switch (schema.name) {
    case 'org.apache.kafka.connect.data.Decimal': {
      const scale = Number(schema.parameters?.scale ?? 0);
      const precision = Number(schema.parameters?.['connect.decimal.precision'] ?? 38);
      return { type: decimal(precision, scale), convert: expect<string>('string', (text) => unscaled(text)) };
    }
    case 'org.apache.kafka.connect.data.Date':
      return { type: primitive('date'), convert: integer((n) => Number(n)) };
    case 'org.apache.kafka.connect.data.Time':
      return { type: primitive('time'), convert: integer((n) => BigInt(n) * 1000n) };
    case 'org.apache.kafka.connect.data.Timestamp':
      return { type: primitive('timestamp'), convert: integer((n) => BigInt(n) * 1000n) };
  }
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      return { type: primitive('int'), convert: integer((n) => Number(n)) };
    case 'int64':
      return { type: primitive('long'), convert: integer((n) => BigInt(n)) };
    // JsonConverter names FLOAT32 / FLOAT64 `float` / `double` (Connect's JsonSchema);
    // the Connect type names are accepted too.
    case 'float':
    case 'float32':
      return { type: primitive('float'), convert: floating };
    case 'double':
    case 'float64':
      return { type: primitive('double'), convert: floating };
    case 'boolean':
      return { type: primitive('boolean'), convert: expect('boolean', (b) => b) };
    case 'string':
      return { type: primitive('string'), convert: expect('string', (s) => s) };
    case 'bytes':
      return {
        type: primitive('binary'),
        convert: expect<string>('string', (s) => new Uint8Array(Buffer.from(s, 'base64'))),
      };
    case 'struct': {
      const struct = structOf(schema, ids);
      return { type: { kind: 'struct', fields: struct.fields }, convert: struct.convert };
    }
    case 'array': {
      if (schema.items === undefined)
        throw new PayloadError('malformed', 'a Connect array schema has no items');
      const elementId = ids.next++;
      const element = compile(schema.items, ids);
      return {
        type: {
          kind: 'list',
          elementId,
          elementRequired: schema.items.optional !== true,
          element: element.type,
        },
        convert: (value, path) => {
          if (!Array.isArray(value)) throw new PayloadError('incompatible', `${path} must be an array`);
          return value.map((item, i) => (item === null ? null : element.convert(item, `${path}[${i}]`)));
        },
      };
    }
    case 'map':
      return compileMap(schema, ids);
    default:
      throw new PayloadError('incompatible', `Connect type ${schema.type} has no Iceberg equivalent`);
  }
}

function compileMap(schema: ConnectSchema, ids: { next: number }): { type: IcebergType; convert: Convert } {
  if (schema.keys === undefined || schema.values === undefined)
    throw new PayloadError('malformed', 'a Connect map schema needs keys and values');
  const keyId = ids.next++;
  const valueId = ids.next++;
  const key = compile(schema.keys, ids);
  const value = compile(schema.values, ids);
  return {
    type: {
      kind: 'map',
      keyId,
      key: key.type,
      valueId,
      valueRequired: schema.values.optional !== true,
      value: value.type,
    },
    convert: (input, path) => {
      // JsonConverter writes string-keyed maps as objects, others as [key, value] pairs.
      const entries: Array<[unknown, unknown]> = Array.isArray(input)
        ? (input as Array<[unknown, unknown]>)
        : Object.entries(input as Record<string, unknown>);
      const map = new Map<unknown, unknown>();
      for (const [k, v] of entries)
        map.set(key.convert(k, `${path}.key`), v === null ? null : value.convert(v, `${path}.value`));
      return map;
    },
  };
}

function expect<T>(kind: 'string' | 'number' | 'boolean', to: (value: T) => unknown): Convert {
  return (value, path) => {
    if (typeof value !== kind)
      throw new PayloadError('incompatible', `${path} must be a ${kind}, got ${typeof value}`);
    return to(value as T);
  };
}

/** A JSON number as a double: parseJsonExact hands long ones over as JsonNumberText or bigint. */
const floating: Convert = (value, path) => {
  if (typeof value === 'number') return value;
  if (value instanceof JsonNumberText) return value.value;
  if (typeof value === 'bigint') return Number(value);
  throw new PayloadError('incompatible', `${path} must be a number, got ${typeof value}`);
};

function integer(to: (value: number | bigint) => unknown): Convert {
  return (value, path) => {
    if ((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint') return to(value);
    throw new PayloadError(
      'incompatible',
      `${path} must be an integer, got ${JSON.stringify(String(value))}`,
    );
  };
}

/** Base64 of a big-endian two's-complement integer -> bigint. */
function unscaled(text: string): bigint {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return BigInt.asIntN(bytes.length * 8, value);
}
