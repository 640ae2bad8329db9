// The columns of a Debezium row (the envelope's `before` and `after` structs)
// that hold Debezium's semantic types (debezium-semantic-types.ts), retyped and
// converted. Which columns they are comes from the Connect schema names each
// encoding carries: Avro's `connect.name` on the field's type (avroConnectNames)
// and the "name" of a JSON-with-schemas field (connectSchemaNames).
//
// Tables written before floe knew these names (a date column as int, a
// timestamptz column as string, ...) keep working: a column that a followed
// table already has with another type keeps the carrier (its old type and
// values), so a running connector is never broken by an upgrade. The table's
// types win per column name across the tables the connector writes.
import type { IcebergType, NestedField, Row, Schema } from '../iceberg/types.ts';
import { primitive } from '../iceberg/types.ts';
import type { ConnectSchema } from './debezium-connect-schema.ts';
import { type SemanticType, semanticType } from './debezium-semantic-types.ts';

/** Column name -> the Connect schema name its type carries. */
export type ConnectNames = ReadonlyMap<string, string>;

const ROW_FIELDS = ['before', 'after'] as const;

export interface SemanticRows {
  /** The envelope schema with the row structs' semantic columns retyped (the same object when none are). */
  readonly envelope: Schema;
  /** An envelope row with its before/after rows converted; throws PayloadError naming the column. */
  convert(row: Row): Row;
}

/**
 * How envelopes of `envelope` (carrier types) become rows of Iceberg types.
 * `tableTypes`: the types the followed tables give columns, by name.
 */
export function semanticRows(
  envelope: Schema,
  names: ConnectNames,
  tableTypes: ReadonlyMap<string, IcebergType>,
): SemanticRows {
  const after = rowStruct(envelope, 'after') ?? rowStruct(envelope, 'before');
  const columns = new Map<string, SemanticType>();
  for (const [name, semantic] of semanticColumns(after ?? [], names)) {
    const table = tableTypes.get(name);
    if (table === undefined || table.kind === semantic.type) columns.set(name, semantic);
  }
  if (columns.size === 0) return { envelope, convert: (row) => row };
  const retype = (fields: readonly NestedField[]): NestedField[] =>
    fields.map((f) => {
      const semantic = columns.get(f.name);
      return semantic === undefined ? f : { ...f, type: primitive(semantic.type) };
    });
  const retyped: Schema = {
    ...envelope,
    fields: envelope.fields.map((f) =>
      (ROW_FIELDS as readonly string[]).includes(f.name) && f.type.kind === 'struct'
        ? { ...f, type: { kind: 'struct', fields: retype(f.type.fields) } }
        : f,
    ),
  };
  const convertRow = (row: Row, at: string): Row => {
    const out: Row = { ...row };
    for (const [name, semantic] of columns) {
      const value = row[name];
      if (value !== null && value !== undefined) out[name] = semantic.convert(value, `${at}.${name}`);
    }
    return out;
  };
  return {
    envelope: retyped,
    convert: (row) => {
      let out = row;
      for (const at of ROW_FIELDS) {
        const value = row[at];
        if (value !== null && typeof value === 'object') {
          if (out === row) out = { ...row };
          out[at] = convertRow(value as Row, at);
        }
      }
      return out;
    },
  };
}

/** The fields (carrier types) of a row struct that hold a Debezium semantic type, by column name. */
export function semanticColumns(
  fields: readonly NestedField[],
  names: ConnectNames,
): Map<string, SemanticType> {
  const columns = new Map<string, SemanticType>();
  for (const field of fields) {
    const semantic = semanticType(names.get(field.name), field.type);
    if (semantic !== undefined) columns.set(field.name, semantic);
  }
  return columns;
}

function rowStruct(envelope: Schema, name: string): readonly NestedField[] | undefined {
  const field = envelope.fields.find((f) => f.name === name);
  return field?.type.kind === 'struct' ? field.type.fields : undefined;
}

/** The Connect names of the row struct's fields in a JSON-with-schemas envelope schema. */
export function connectSchemaNames(envelope: ConnectSchema): ConnectNames {
  const row =
    envelope.fields?.find((f) => f.field === 'after') ?? envelope.fields?.find((f) => f.field === 'before');
  return connectStructNames(row ?? {});
}

/** The Connect names of a JSON-with-schemas struct's own fields (a record key's schema). */
export function connectStructNames(struct: Pick<ConnectSchema, 'fields'>): ConnectNames {
  const names = new Map<string, string>();
  for (const field of struct.fields ?? [])
    if (field.field !== undefined && field.name !== undefined) names.set(field.field, field.name);
  return names;
}

type AvroJson = unknown;

/**
 * The `connect.name`s of the row record's fields in an Avro envelope schema (JSON
 * text): the `after` (else `before`) field's record, defined there or earlier by name.
 */
export function avroConnectNames(schemaText: string): ConnectNames {
  const names = new Map<string, string>();
  let root: AvroJson;
  try {
    root = JSON.parse(schemaText);
  } catch {
    return names; // the Avro decoder reports the broken schema
  }
  const records = new Map<string, Record<string, unknown>>();
  collectRecords(root, records);
  const envelopeFields = fieldsOf(root);
  const rowField =
    envelopeFields.find((f) => f.name === 'after') ?? envelopeFields.find((f) => f.name === 'before');
  const record = rowField === undefined ? undefined : recordOf(rowField.type, records);
  return recordConnectNames(record, names);
}

/** The `connect.name`s of the fields of an Avro record schema (JSON text) itself: a record key's. */
export function avroRecordConnectNames(schemaText: string): ConnectNames {
  try {
    return recordConnectNames(JSON.parse(schemaText), new Map());
  } catch {
    return new Map(); // the Avro decoder reports the broken schema
  }
}

function recordConnectNames(record: AvroJson, names: Map<string, string>): Map<string, string> {
  for (const field of fieldsOf(record)) {
    const type = nonNull(field.type);
    const connectName = isObject(type) ? type['connect.name'] : undefined;
    if (typeof field.name === 'string' && typeof connectName === 'string') names.set(field.name, connectName);
  }
  return names;
}

function collectRecords(node: AvroJson, records: Map<string, Record<string, unknown>>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRecords(item, records);
    return;
  }
  if (!isObject(node)) return;
  if (node.type === 'record' && typeof node.name === 'string') {
    records.set(node.name, node);
    const short = node.name.slice(node.name.lastIndexOf('.') + 1);
    if (!records.has(short)) records.set(short, node);
  }
  for (const field of fieldsOf(node)) collectRecords(field.type, records);
  if (isObject(node.type) || Array.isArray(node.type)) collectRecords(node.type, records);
}

function recordOf(type: AvroJson, records: Map<string, Record<string, unknown>>): AvroJson {
  const branch = nonNull(type);
  if (typeof branch === 'string')
    return records.get(branch) ?? records.get(branch.slice(branch.lastIndexOf('.') + 1));
  return isObject(branch) && branch.type === 'record' ? branch : undefined;
}

/** The non-null branch of ["null", T] (or T itself). */
function nonNull(type: AvroJson): AvroJson {
  if (!Array.isArray(type)) return type;
  const branches = type.filter((t) => t !== 'null');
  return branches.length === 1 ? branches[0] : undefined;
}

function fieldsOf(node: AvroJson): Array<Record<string, unknown>> {
  return isObject(node) && Array.isArray(node.fields) ? (node.fields as unknown[]).filter(isObject) : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
