// Schemaless JSON: infer an Iceberg schema from values and widen it as records
// arrive. integer -> long, other number -> double, boolean, object -> struct,
// array -> list of the widened element type; a string is a date when it is
// `YYYY-MM-DD`, a timestamptz when it is an ISO-8601 date-time with a zone, a
// timestamp when it is one without, otherwise a string (epoch numbers stay
// numbers: only a declared schema reads them as times). Every inferred field
// (and list element) is optional: the next record may lack it. A null, an empty
// array or an empty object tells nothing about the type, so such a field is left
// out until a record shows a value.
//
// Widening: long + double -> double, structs merge by name (new fields
// appended), lists widen their elements, a string column takes temporal text as
// text. A column that earlier records made temporal never becomes a string:
// Iceberg cannot change a date or timestamp column to string, and the files
// already written hold times; such a value, like any other conflict, is an error
// naming the field (the record goes to the connector's error policy), never a
// silent coercion. Within one value (the elements of one array) mixed kinds
// simply widen to string.
import type { IcebergType, NestedField, Row, Schema, StructType } from '../iceberg/types.ts';
import { primitive } from '../iceberg/types.ts';
import { followFields } from './inferred-table-columns.ts';
import { type InferredTemporal, readIsoTemporal } from './iso-temporal.ts';
import { JsonNumberText } from './json-number.ts';
import { PayloadError } from './payload-error.ts';
import { projectingRowFactory } from './row-factory.ts';

/** The schema of one JSON object value (field ids 1..n depth-first). */
export function inferSchema(value: unknown): Schema {
  if (!isPlainObject(value))
    throw new PayloadError('incompatible', 'a schemaless JSON value must be an object');
  return numbered(inferStruct(value, '')?.fields ?? []);
}

/** The narrowest schema both schemas' values fit in (field ids renumbered 1..n). */
export function widen(a: Schema, b: Schema): Schema {
  return numbered(widenFields(a.fields, b.fields, ''));
}

/**
 * Converts JSON objects to rows of an inferred schema that widens as needed. While
 * values fit the current schema, one pass converts them and the schema object
 * stays the same; a value that does not fit makes it infer, widen and recompile.
 */
export class InferredJsonSchema {
  #schema: Schema = numbered([]);
  #convert = conformingStruct(this.#schema.fields);

  get schema(): Schema {
    return this.#schema;
  }

  /**
   * Continues from a table's columns (the table this schema's records go to, as
   * loaded when partitions are assigned), so a restarted worker keeps the types
   * earlier records gave the table instead of inferring afresh: a string column
   * stays a string column when the first value after a restart looks like a time,
   * a double column takes integers. The table's type wins over what this schema
   * inferred; columns of types inference never makes (decimal, map, ...) are
   * left to the table's schema evolution.
   */
  follow(table: Schema): void {
    const fields = followFields(this.#schema.fields, table.fields);
    if (fields === this.#schema.fields) return;
    this.#schema = numbered(fields);
    this.#convert = conformingStruct(this.#schema.fields);
  }

  convert(value: unknown): { row: Row; schema: Schema } {
    if (!isPlainObject(value))
      throw new PayloadError('incompatible', 'a schemaless JSON value must be an object');
    const row = this.#convert(value);
    if (row !== MISMATCH) return { row: row as Row, schema: this.#schema };
    const widened = widen(this.#schema, inferSchema(value));
    const convert = conformingStruct(widened.fields);
    const retried = convert(value);
    if (retried === MISMATCH) throw new Error('bug: a value does not fit the schema inferred from it');
    this.#schema = widened;
    this.#convert = convert;
    return { row: retried as Row, schema: widened };
  }
}

// Types are built with id 0 and numbered once at the end.
function inferType(value: unknown, path: string): IcebergType | undefined {
  switch (typeof value) {
    case 'boolean':
      return primitive('boolean');
    case 'string':
      return primitive(readIsoTemporal(value)?.kind ?? 'string');
    case 'bigint':
      return primitive('long');
    case 'number':
      return primitive(Number.isInteger(value) ? 'long' : 'double');
    case 'object':
      if (value === null) return undefined;
      if (value instanceof JsonNumberText) return primitive('double');
      if (Array.isArray(value)) {
        let element: IcebergType | undefined;
        value.forEach((item) => {
          const itemType = inferType(item, `${path}.element`);
          if (itemType !== undefined)
            element = element === undefined ? itemType : widenType(element, itemType, path, true);
        });
        return element === undefined
          ? undefined
          : { kind: 'list', elementId: 0, elementRequired: false, element };
      }
      return inferStruct(value as Record<string, unknown>, path);
    default:
      return undefined;
  }
}

function inferStruct(value: Record<string, unknown>, path: string): StructType | undefined {
  const fields: NestedField[] = [];
  for (const name of Object.keys(value)) {
    const type = inferType(value[name], join(path, name));
    if (type !== undefined) fields.push({ id: 0, name, required: false, type });
  }
  return fields.length === 0 ? undefined : { kind: 'struct', fields };
}

function widenFields(
  a: readonly NestedField[],
  b: readonly NestedField[],
  path: string,
  fresh = false,
): NestedField[] {
  const merged = a.map((field) => {
    const other = b.find((candidate) => candidate.name === field.name);
    return other === undefined
      ? field
      : { ...field, type: widenType(field.type, other.type, join(path, field.name), fresh) };
  });
  for (const field of b) if (!a.some((candidate) => candidate.name === field.name)) merged.push(field);
  return merged;
}

/**
 * The type values of `a` (what earlier records had) and `b` both fit. `fresh`:
 * both come from one value (an array's elements), so no column exists yet and
 * text of mixed kinds widens to string.
 */
function widenType(a: IcebergType, b: IcebergType, path: string, fresh = false): IcebergType {
  if (a.kind === 'struct' && b.kind === 'struct')
    return { kind: 'struct', fields: widenFields(a.fields, b.fields, path, fresh) };
  if (a.kind === 'list' && b.kind === 'list') {
    return { ...a, element: widenType(a.element, b.element, `${path}.element`, fresh) };
  }
  if (a.kind === b.kind && a.kind !== 'map') return a;
  if ((a.kind === 'long' && b.kind === 'double') || (a.kind === 'double' && b.kind === 'long')) {
    return primitive('double');
  }
  if (isText(a) && isText(b)) {
    if (a.kind === 'string' || fresh) return primitive('string');
    throw new PayloadError(
      'incompatible',
      `${path}: ${TEXT_NAMES[b.kind]} where earlier records had ${TEXT_NAMES[a.kind]}, so ${path} is a ${a.kind} column (an Iceberg ${a.kind} column cannot become another type); to keep such values, declare ${path} in value.schema as string (value.unknownFields: add infers the other fields)`,
    );
  }
  throw new PayloadError(
    'incompatible',
    `${path}: ${valueName(b)} value where earlier records had ${kindName(a)}`,
  );
}

type TextKind = InferredTemporal | 'string';

const TEXT_NAMES: Readonly<Record<TextKind, string>> = {
  string: 'a string that is not an ISO-8601 date or timestamp',
  date: 'a date "YYYY-MM-DD"',
  timestamp: 'an ISO-8601 timestamp without a zone',
  timestamptz: 'an ISO-8601 timestamp with a zone',
};

function isText(type: IcebergType): type is IcebergType & { kind: TextKind } {
  return type.kind in TEXT_NAMES;
}

function valueName(type: IcebergType): string {
  return type.kind === 'struct' ? 'an object' : type.kind === 'list' ? 'an array' : `a ${type.kind}`;
}

function kindName(type: IcebergType): string {
  return type.kind === 'struct' ? 'an object' : type.kind === 'list' ? 'an array' : type.kind;
}

/** Assigns ids 1..n depth-first (pre-order). */
function numbered(fields: readonly NestedField[]): Schema {
  let lastId = 0;
  const renumber = (type: IcebergType): IcebergType => {
    if (type.kind === 'struct') return { kind: 'struct', fields: type.fields.map(field) };
    if (type.kind === 'list') {
      const elementId = ++lastId;
      return { ...type, elementId, element: renumber(type.element) };
    }
    return type;
  };
  const field = (f: NestedField): NestedField => {
    const id = ++lastId;
    return { ...f, id, type: renumber(f.type) };
  };
  return { schemaId: 0, identifierFieldIds: [], fields: fields.map(field) };
}

/** Returned (never thrown) when a value does not fit: mismatches are expected, not exceptional. */
const MISMATCH: unique symbol = Symbol('mismatch');
type Conform = (value: unknown) => unknown;

function conformingStruct(fields: readonly NestedField[]): (value: Record<string, unknown>) => unknown {
  const known = new Set(fields.map((field) => field.name));
  const converters = fields.map((field) => conforming(field.type));
  const project = projectingRowFactory(
    fields.map((field) => field.name),
    converters.map(
      (convert) => (value: unknown) => (value === null || value === undefined ? null : convert(value)),
    ),
  );
  return (value) => {
    for (const key in value) if (!known.has(key) && inferType(value[key], key) !== undefined) return MISMATCH;
    const row = project(value);
    for (const key in row) if (row[key] === MISMATCH) return MISMATCH;
    return row;
  };
}

function conforming(type: IcebergType): Conform {
  switch (type.kind) {
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : MISMATCH);
    case 'string':
      return (v) => (typeof v === 'string' ? v : MISMATCH);
    case 'date':
    case 'timestamp':
    case 'timestamptz': {
      const kind = type.kind;
      return (v) => {
        if (typeof v !== 'string') return MISMATCH;
        const temporal = readIsoTemporal(v);
        return temporal !== undefined && temporal.kind === kind ? temporal.value : MISMATCH;
      };
    }
    case 'long':
      return (v) =>
        typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : typeof v === 'bigint' ? v : MISMATCH;
    case 'double':
      return (v) =>
        typeof v === 'number'
          ? v
          : typeof v === 'bigint'
            ? Number(v)
            : v instanceof JsonNumberText
              ? v.value
              : MISMATCH;
    case 'struct': {
      const struct = conformingStruct(type.fields);
      return (v) => (isPlainObject(v) ? struct(v) : MISMATCH);
    }
    case 'list': {
      const element = conforming(type.element);
      return (v) => {
        if (!Array.isArray(v)) return MISMATCH;
        const items = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const item = v[i];
          const converted = item === null || item === undefined ? null : element(item);
          if (converted === MISMATCH) return MISMATCH;
          items[i] = converted;
        }
        return items;
      };
    }
    default:
      return () => MISMATCH;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumberText)
  );
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
