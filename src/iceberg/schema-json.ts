// spec: Appendix C, "JSON serialization" / "Schemas": schemas and types as JSON.
// Key order follows the reference implementation so files diff cleanly.

import { ValidationError } from '../errors.ts';
import { asArray, asObject, type JsonObject, requireBool, requireInt, requireString } from './json-fields.ts';
import type { IcebergType, NestedField, PrimitiveTypeName, Schema, StructType } from './types.ts';
import { PRIMITIVE_TYPE_NAMES } from './types.ts';

/**
 * A field as read from JSON. `initialDefault` / `writeDefault` (spec: "Default
 * values") are kept as their raw JSON single-value encoding so that a schema read
 * and written back keeps them; floe itself does not interpret them.
 */
export interface NestedFieldWithDefaults extends NestedField {
  readonly initialDefault?: unknown;
  readonly writeDefault?: unknown;
}

const SIMPLE_TYPES = PRIMITIVE_TYPE_NAMES;
const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;
const FIXED = /^fixed\[\s*(\d+)\s*\]$/;

export function typeToJson(type: IcebergType): unknown {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'fixed':
      return `fixed[${type.length}]`;
    case 'struct':
      return { type: 'struct', fields: type.fields.map(fieldToJson) };
    case 'list':
      return {
        type: 'list',
        'element-id': type.elementId,
        element: typeToJson(type.element),
        'element-required': type.elementRequired,
      };
    case 'map':
      return {
        type: 'map',
        'key-id': type.keyId,
        key: typeToJson(type.key),
        'value-id': type.valueId,
        value: typeToJson(type.value),
        'value-required': type.valueRequired,
      };
    default:
      return type.kind;
  }
}

function fieldToJson(field: NestedFieldWithDefaults): unknown {
  const json: Record<string, unknown> = {
    id: field.id,
    name: field.name,
    required: field.required,
    type: typeToJson(field.type),
  };
  if (field.doc !== undefined) json.doc = field.doc;
  if (field.initialDefault !== undefined) json['initial-default'] = field.initialDefault;
  if (field.writeDefault !== undefined) json['write-default'] = field.writeDefault;
  return json;
}

export function schemaToJson(schema: Schema): unknown {
  const json: Record<string, unknown> = { type: 'struct', 'schema-id': schema.schemaId };
  if (schema.identifierFieldIds.length > 0) json['identifier-field-ids'] = [...schema.identifierFieldIds];
  json.fields = schema.fields.map(fieldToJson);
  return json;
}

export function typeFromJson(json: unknown, where = 'type'): IcebergType {
  if (typeof json === 'string') return primitiveFromString(json, where);
  const object = asObject(json, where);
  switch (object.type) {
    case 'struct':
      return structFromJson(object, where);
    case 'list':
      return {
        kind: 'list',
        elementId: requireInt(object, 'element-id', where),
        elementRequired: requireBool(object, 'element-required', where),
        element: typeFromJson(object.element, `${where}.element`),
      };
    case 'map':
      return {
        kind: 'map',
        keyId: requireInt(object, 'key-id', where),
        key: typeFromJson(object.key, `${where}.key`),
        valueId: requireInt(object, 'value-id', where),
        valueRequired: requireBool(object, 'value-required', where),
        value: typeFromJson(object.value, `${where}.value`),
      };
    default:
      throw new ValidationError(`unsupported nested type ${JSON.stringify(object.type)} at ${where}`);
  }
}

export function schemaFromJson(json: unknown): Schema {
  const object = asObject(json, 'schema');
  if (object.type !== undefined && object.type !== 'struct') {
    throw new ValidationError(`schema type must be "struct", got ${JSON.stringify(object.type)}`);
  }
  const schemaId = object['schema-id'] === undefined ? 0 : requireInt(object, 'schema-id', 'schema');
  const where = `schema ${schemaId}`;
  const ids = object['identifier-field-ids'];
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id)))) {
    throw new ValidationError(`'identifier-field-ids' of ${where} must be a list of ints`);
  }
  return {
    schemaId,
    identifierFieldIds: (ids as number[] | undefined) ?? [],
    fields: structFromJson(object, where).fields,
  };
}

function structFromJson(object: JsonObject, where: string): StructType {
  const fields = asArray(object.fields, `'fields' of ${where}`);
  return { kind: 'struct', fields: fields.map((field, i) => fieldFromJson(field, `${where}.fields[${i}]`)) };
}

function fieldFromJson(json: unknown, where: string): NestedFieldWithDefaults {
  const object = asObject(json, where);
  const name = requireString(object, 'name', where);
  const field: { -readonly [K in keyof NestedFieldWithDefaults]: NestedFieldWithDefaults[K] } = {
    id: requireInt(object, 'id', where),
    name,
    required: requireBool(object, 'required', where),
    type: typeFromJson(object.type, `${where} (${name})`),
  };
  if (object.doc !== undefined && object.doc !== null) {
    if (typeof object.doc !== 'string') throw new ValidationError(`'doc' of ${where} must be a string`);
    field.doc = object.doc;
  }
  if (object['initial-default'] !== undefined) field.initialDefault = object['initial-default'];
  if (object['write-default'] !== undefined) field.writeDefault = object['write-default'];
  return field;
}

function primitiveFromString(text: string, where: string): IcebergType {
  if (SIMPLE_TYPES.has(text)) return { kind: text as PrimitiveTypeName };
  const decimal = DECIMAL.exec(text);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision < 1 || precision > 38 || scale > precision) {
      throw new ValidationError(
        `invalid ${text} at ${where}: precision must be 1..38 and scale <= precision`,
      );
    }
    return { kind: 'decimal', precision, scale };
  }
  const fixed = FIXED.exec(text);
  if (fixed) return { kind: 'fixed', length: Number(fixed[1]) };
  throw new ValidationError(`unsupported type ${JSON.stringify(text)} at ${where}`);
}
