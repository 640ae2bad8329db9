// JSON Schema (the draft-07 / 2020-12 subset that describes data) -> Iceberg schema.
// Field ids are provisional, assigned 1..n depth-first.
//   object with properties -> struct (a property is required when listed in
//     `required` and not nullable); object with only additionalProperties -> map<string, V>
//   array with items -> list       string -> string; format date/time/date-time/uuid ->
//   date/time/timestamptz/uuid; contentEncoding base64 -> binary    enum of strings -> string
//   integer -> long (int for Confluent's connect.type int8/int16/int32)
//   number -> double (float for connect.type float32)              boolean -> boolean
// Nullable: "null" in a type array, `nullable: true`, or anyOf/oneOf of null and one schema.
// Local $ref (#/definitions/..., #/$defs/...) are followed; recursive ones are rejected.
import { type IcebergType, type NestedField, primitive, type Schema } from '../iceberg/types.ts';
import { PayloadError } from './payload-error.ts';

type JsonSchema = Readonly<Record<string, unknown>>;

export function jsonSchemaToIceberg(document: unknown): Schema {
  if (!isSchemaObject(document)) throw unsupported('', 'the schema is not a JSON object');
  const mapper = new JsonSchemaMapper(document);
  const root = mapper.resolve(document, '');
  if (typeOf(root.schema, '') !== 'object' || !isSchemaObject(root.schema.properties)) {
    throw unsupported('', 'the value schema must be an object with properties to become a table row');
  }
  return { schemaId: 0, identifierFieldIds: [], fields: mapper.structFields(root.schema, '') };
}

class JsonSchemaMapper {
  readonly #root: JsonSchema;
  readonly #open = new Set<string>();
  #lastId = 0;

  constructor(root: JsonSchema) {
    this.#root = root;
  }

  /** Follows $ref and unwraps nullable wrappers: the schema that describes the value, and whether null is allowed. */
  resolve(schema: JsonSchema, path: string): { schema: JsonSchema; nullable: boolean } {
    let nullable = schema.nullable === true;
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      if (hops > 64) throw unsupported(path, 'too many $ref hops');
      current = this.#dereference(current.$ref, path);
      nullable ||= current.nullable === true;
    }
    const alternatives = (current.anyOf ?? current.oneOf) as unknown;
    if (Array.isArray(alternatives)) {
      const nonNull = alternatives.filter((option) => !(isSchemaObject(option) && option.type === 'null'));
      if (nonNull.length !== 1 || !isSchemaObject(nonNull[0])) {
        throw unsupported(path, 'anyOf/oneOf other than "null or one schema" has no Iceberg equivalent');
      }
      const inner = this.resolve(nonNull[0], path);
      return {
        schema: inner.schema,
        nullable: nullable || nonNull.length < alternatives.length || inner.nullable,
      };
    }
    if (Array.isArray(current.type) && current.type.includes('null')) nullable = true;
    return { schema: current, nullable };
  }

  #dereference(ref: string, path: string): JsonSchema {
    const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
    const definitions = match === null ? undefined : this.#root[match[1]!];
    const target = isSchemaObject(definitions) ? definitions[decodeURIComponent(match![2]!)] : undefined;
    if (!isSchemaObject(target))
      throw unsupported(path, `cannot resolve $ref "${ref}" (only local definitions)`);
    return target;
  }

  structFields(schema: JsonSchema, path: string): NestedField[] {
    const properties = schema.properties as Record<string, unknown>;
    const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]) : []);
    return Object.entries(properties).map(([name, property]) => {
      const fieldPath = path === '' ? name : `${path}.${name}`;
      if (!isSchemaObject(property)) throw unsupported(fieldPath, 'the property schema is not an object');
      const id = ++this.#lastId;
      const { type, nullable } = this.valueType(property, fieldPath);
      const field: NestedField = { id, name, required: required.has(name) && !nullable, type };
      return typeof property.description === 'string' ? { ...field, doc: property.description } : field;
    });
  }

  valueType(schema: JsonSchema, path: string): { type: IcebergType; nullable: boolean } {
    const resolved = this.resolve(schema, path);
    const key = typeof schema.$ref === 'string' ? schema.$ref : undefined;
    if (key !== undefined) {
      if (this.#open.has(key)) throw unsupported(path, `recursive $ref "${key}" has no Iceberg equivalent`);
      this.#open.add(key);
    }
    const type = this.type(resolved.schema, path);
    if (key !== undefined) this.#open.delete(key);
    return { type, nullable: resolved.nullable };
  }

  type(schema: JsonSchema, path: string): IcebergType {
    const kind = typeOf(schema, path);
    const connectType = schema['connect.type'];
    switch (kind) {
      case 'boolean':
        return primitive('boolean');
      case 'integer':
        return primitive(
          connectType === 'int8' || connectType === 'int16' || connectType === 'int32' ? 'int' : 'long',
        );
      case 'number':
        return primitive(connectType === 'float32' ? 'float' : 'double');
      case 'string':
        return stringType(schema);
      case 'array': {
        if (!isSchemaObject(schema.items)) throw unsupported(path, 'an array needs one `items` schema');
        const elementId = ++this.#lastId;
        const element = this.valueType(schema.items, `${path}.element`);
        return { kind: 'list', elementId, elementRequired: !element.nullable, element: element.type };
      }
      case 'object': {
        if (isSchemaObject(schema.properties))
          return { kind: 'struct', fields: this.structFields(schema, path) };
        if (!isSchemaObject(schema.additionalProperties)) {
          throw unsupported(
            path,
            'an object needs `properties` (struct) or an `additionalProperties` schema (map)',
          );
        }
        const keyId = ++this.#lastId;
        const valueId = ++this.#lastId;
        const value = this.valueType(schema.additionalProperties, `${path}.value`);
        return {
          kind: 'map',
          keyId,
          key: primitive('string'),
          valueId,
          valueRequired: !value.nullable,
          value: value.type,
        };
      }
      default:
        throw unsupported(path, `type ${JSON.stringify(kind)} has no Iceberg equivalent`);
    }
  }
}

function typeOf(schema: JsonSchema, path: string): unknown {
  const declared = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : [schema.type];
  if (declared.length > 1) throw unsupported(path, `a value of several types (${declared.join(', ')})`);
  const kind = declared[0];
  if (kind !== undefined) return kind;
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string' || v === null))
    return 'string';
  if (isSchemaObject(schema.properties)) return 'object';
  if (isSchemaObject(schema.items)) return 'array';
  throw unsupported(path, 'the schema declares no type');
}

function stringType(schema: JsonSchema): IcebergType {
  if (schema.contentEncoding === 'base64' || schema['connect.type'] === 'bytes') return primitive('binary');
  switch (schema.format) {
    case 'date':
      return primitive('date');
    case 'time':
      return primitive('time');
    case 'date-time':
      return primitive('timestamptz');
    case 'uuid':
      return primitive('uuid');
    default:
      return primitive('string');
  }
}

function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unsupported(path: string, detail: string): PayloadError {
  return new PayloadError('incompatible', `JSON Schema${path === '' ? '' : ` at ${path}`}: ${detail}`);
}
