// Protobuf message -> Iceberg schema (docs/configuration.md, "Protobuf"). Field ids
// are provisional, 1..n depth-first like avro-to-iceberg.ts: the sink matches
// columns by name, so a field keeps its column (and that column's id) in every
// version of the schema, and a field a new version adds becomes a new column.
//
//   double, float -> double, float      int32, sint32, sfixed32 -> int
//   int64, sint64, sfixed64 -> long     uint32, fixed32 -> long
//   uint64, fixed64 -> decimal(20, 0)   bool -> boolean, string -> string, bytes -> binary
//   enum -> string (the value's name)   message -> struct, repeated -> list, map -> map
//   google.protobuf.Timestamp -> timestamptz, Duration -> long (microseconds),
//   the wrappers (Int32Value, StringValue, ...) -> their primitive, null when absent
//
// A oneof becomes an optional struct, shaped like a multi-branch Avro union
// (avro-to-iceberg.ts): an int `tag` (the field number of the member that is set)
// and one optional field per member, by the member's name; null when no member is
// set. `tag` is set whenever the struct is, but declared optional: a required
// field inside a struct that may be null is refused by pyspark's Arrow conversion
// (toArrow / toPandas) whenever the struct is null.
//
// Every field of a message is an optional column (a later version may drop it);
// list elements and map values are required, as Protobuf has no null elements. A
// field of a message with no fields (google.protobuf.Empty) has no column (Parquet
// has no empty groups); as a oneof member, `tag` still says it was set.
import { decimal, type IcebergType, type NestedField, primitive, type Schema } from '../iceberg/types.ts';
import { PayloadError } from './payload-error.ts';
import type { ProtoField, ProtoMessage, ProtoOneof, ProtoScalar, ProtoValueType } from './protobuf-schema.ts';

export const ONEOF_TAG_FIELD = 'tag';

export type WellKnownType =
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'duration' }
  | { readonly kind: 'wrapper'; readonly scalar: ProtoScalar };

const WELL_KNOWN = new Map<string, WellKnownType>([
  ['google.protobuf.Timestamp', { kind: 'timestamp' }],
  ['google.protobuf.Duration', { kind: 'duration' }],
  ['google.protobuf.DoubleValue', { kind: 'wrapper', scalar: 'double' }],
  ['google.protobuf.FloatValue', { kind: 'wrapper', scalar: 'float' }],
  ['google.protobuf.Int64Value', { kind: 'wrapper', scalar: 'int64' }],
  ['google.protobuf.UInt64Value', { kind: 'wrapper', scalar: 'uint64' }],
  ['google.protobuf.Int32Value', { kind: 'wrapper', scalar: 'int32' }],
  ['google.protobuf.UInt32Value', { kind: 'wrapper', scalar: 'uint32' }],
  ['google.protobuf.BoolValue', { kind: 'wrapper', scalar: 'bool' }],
  ['google.protobuf.StringValue', { kind: 'wrapper', scalar: 'string' }],
  ['google.protobuf.BytesValue', { kind: 'wrapper', scalar: 'bytes' }],
]);

/** How a well-known message maps to a primitive, or undefined for any other message. */
export function wellKnownType(message: ProtoMessage): WellKnownType | undefined {
  return WELL_KNOWN.get(message.fullName);
}

export function scalarType(scalar: ProtoScalar): IcebergType {
  switch (scalar) {
    case 'double':
    case 'float':
    case 'string':
      return primitive(scalar);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return primitive('int');
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint32':
    case 'fixed32':
      return primitive('long');
    case 'uint64':
    case 'fixed64':
      return decimal(20, 0);
    case 'bool':
      return primitive('boolean');
    case 'bytes':
      return primitive('binary');
  }
}

/** The Iceberg schema of a message's rows. */
export function protobufToIceberg(message: ProtoMessage): Schema {
  return { schemaId: 0, identifierFieldIds: [], fields: new ProtoTypeMapper().fields(message, '') };
}

class ProtoTypeMapper {
  #lastId = 0;
  readonly #open = new Set<ProtoMessage>();

  fields(message: ProtoMessage, path: string): NestedField[] {
    if (this.#open.has(message)) {
      throw new PayloadError(
        'incompatible',
        `recursive Protobuf message ${message.fullName} at ${path} has no Iceberg equivalent`,
      );
    }
    this.#open.add(message);
    const fields: NestedField[] = [];
    for (const member of message.members) {
      if (member.kind === 'oneof') fields.push(this.#oneof(member, path));
      else if (hasColumn(member)) fields.push(this.#field(member, path));
    }
    this.#open.delete(message);
    if (fields.length === 0) {
      throw new PayloadError(
        'incompatible',
        `Protobuf message ${message.fullName}${path === '' ? '' : ` at ${path}`} has no fields to make columns of`,
      );
    }
    return fields;
  }

  #field(field: ProtoField, parent: string): NestedField {
    const id = ++this.#lastId;
    const path = join(parent, field.name);
    if (field.label === 'single')
      return { id, name: field.name, required: false, type: this.#type(field.type, path) };
    if (field.label === 'repeated') {
      const elementId = ++this.#lastId;
      const element = this.#type(field.type, `${path}.element`);
      return {
        id,
        name: field.name,
        required: false,
        type: { kind: 'list', elementId, elementRequired: true, element },
      };
    }
    const keyId = ++this.#lastId;
    const valueId = ++this.#lastId;
    const type: IcebergType = {
      kind: 'map',
      keyId,
      key: scalarType(field.mapKey!),
      valueId,
      valueRequired: true,
      value: this.#type(field.type, `${path}.value`),
    };
    return { id, name: field.name, required: false, type };
  }

  #oneof(oneof: ProtoOneof, parent: string): NestedField {
    const id = ++this.#lastId;
    const path = join(parent, oneof.name);
    const clash = oneof.fields.find((field) => field.name === ONEOF_TAG_FIELD);
    if (clash !== undefined) {
      throw new PayloadError(
        'incompatible',
        `oneof ${path} has a member named ${ONEOF_TAG_FIELD}, the name of the column that says which member is set`,
      );
    }
    const fields: NestedField[] = [
      { id: ++this.#lastId, name: ONEOF_TAG_FIELD, required: false, type: primitive('int') },
    ];
    for (const member of oneof.fields) if (hasColumn(member)) fields.push(this.#field(member, path));
    return { id, name: oneof.name, required: false, type: { kind: 'struct', fields } };
  }

  #type(type: ProtoValueType, path: string): IcebergType {
    switch (type.kind) {
      case 'scalar':
        return scalarType(type.scalar);
      case 'enum':
        return primitive('string');
      case 'message': {
        const known = wellKnownType(type.message);
        if (known === undefined) return { kind: 'struct', fields: this.fields(type.message, path) };
        if (known.kind === 'timestamp') return primitive('timestamptz');
        if (known.kind === 'duration') return primitive('long');
        return scalarType(known.scalar);
      }
    }
  }
}

/** Whether a field makes a column: not when its message has no field that does (google.protobuf.Empty). */
export function hasColumn(field: ProtoField, open: Set<ProtoMessage> = new Set()): boolean {
  if (field.type.kind !== 'message' || wellKnownType(field.type.message) !== undefined) return true;
  const message = field.type.message;
  if (open.has(message)) return true; // recursive: refused by the mapper, with its own message
  open.add(message);
  const any = message.members.some((member) => member.kind === 'oneof' || hasColumn(member, open));
  open.delete(message);
  return any;
}

export function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
