// The key columns of a keyed connector's table (docs/upsert.md, "Keys"): an
// existing table's identifier fields when it has them (the configured
// key.fields must then name the same columns), else `key.fields`, else the
// fields of the Kafka key (a record's, matched to columns by name) or the
// column `_key` holding a primitive Kafka key. Record schemas are shaped to
// match: key columns required (Iceberg identifier fields are), and `_key`
// added when the key is a primitive.
import { ConfigError } from '../../errors.ts';
import type { NestedField, Row, Schema } from '../../iceberg/types.ts';
import { highestFieldId, PRIMITIVE_TYPE_NAMES, primitive } from '../../iceberg/types.ts';
import { type KeyColumn, PRIMITIVE_KEY_COLUMN, SemanticKafkaKey } from './change-key.ts';

export interface KeyColumnsContext {
  /** The connector file and the table, for messages. */
  readonly file: string;
  readonly table: string;
  /** key.fields, when configured. */
  readonly configured?: readonly string[] | undefined;
}

/** The column types a key may have: Iceberg's identifier field types (KeyEncoder encodes each exactly). */
const KEY_TYPES: ReadonlySet<string> = new Set([
  ...[...PRIMITIVE_TYPE_NAMES].filter((name) => name !== 'float' && name !== 'double'),
  'decimal',
  'fixed',
]);

/** The names of a decoded Kafka key's columns: a record's fields, else `_key`. */
export function kafkaKeyColumns(key: unknown): string[] {
  if (key instanceof SemanticKafkaKey) return Object.keys(key.fields);
  if (isRecord(key)) return Object.keys(key);
  return [PRIMITIVE_KEY_COLUMN];
}

/** The key columns of a table with `schema` (its current one); `derived`: from the first record's Kafka key. */
export function tableKeyColumns(
  schema: Schema,
  derived: readonly string[] | undefined,
  context: KeyColumnsContext,
): KeyColumn[] {
  const identifiers = schema.identifierFieldIds.map(
    (id) => schema.fields.find((f) => f.id === id)?.name ?? `#${id}`,
  );
  const { configured, file, table } = context;
  if (identifiers.length > 0) {
    if (configured !== undefined && configured.join('\u0000') !== identifiers.join('\u0000')) {
      throw new ConfigError(
        `${file}: key.fields [${configured.join(', ')}] differs from the identifier fields [${identifiers.join(', ')}] of table ${table}; an existing table's identifier fields are the key: set key.fields to them (or leave it out)`,
        { file, key: 'key.fields', table },
      );
    }
  }
  const names = identifiers.length > 0 ? identifiers : (configured ?? derived ?? []);
  if (names.length === 0)
    throw new ConfigError(`${file}: no key for table ${table}: set key.fields or key the topic`, {
      file,
      table,
    });
  const key = configured !== undefined ? 'key.fields' : 'key';
  return names.map((name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (field === undefined) {
      throw new ConfigError(
        `${file}: key column ${name} (${key}) is not a top-level column of table ${table}`,
        { file, key, table },
      );
    }
    // Checked before a table is created: Iceberg refuses such identifier fields.
    if (!KEY_TYPES.has(field.type.kind)) {
      throw new ConfigError(
        `${file}: key column ${name} (${key}) of table ${table} is ${field.type.kind}: a key column must be a primitive other than float and double (Iceberg identifier fields)`,
        { file, key, table },
      );
    }
    return { name, type: field.type };
  });
}

/** Marks the key columns required (identifier fields must be); new names get fresh ids above the schema's. */
export function withKeyColumns(schema: Schema, names: readonly string[]): Schema {
  const fields = schema.fields.map((f) =>
    names.includes(f.name) && !f.required ? { ...f, required: true } : f,
  );
  const ids = names.map((name) => fields.find((f) => f.name === name)?.id);
  if (ids.some((id) => id === undefined)) return { ...schema, fields };
  return { ...schema, fields, identifierFieldIds: ids as number[] };
}

/** Record schema -> the same with key columns required; one object per record schema (writers compare by reference). */
export class KeyedSchemas {
  readonly #names: readonly string[];
  readonly #cache = new WeakMap<Schema, Schema>();
  readonly #primitive = new WeakMap<Schema, Schema>();

  constructor(names: readonly string[]) {
    this.#names = names;
  }

  shape(schema: Schema): Schema {
    let shaped = this.#cache.get(schema);
    if (shaped === undefined) {
      shaped = withKeyColumns(schema, this.#names);
      this.#cache.set(schema, shaped);
    }
    return shaped;
  }

  /** The row and schema with a primitive Kafka key as the column `_key` (long for integers, else string). */
  withPrimitiveKey(row: Row, schema: Schema, key: unknown): { row: Row; schema: Schema } {
    const integer = typeof key === 'bigint' || (typeof key === 'number' && Number.isSafeInteger(key));
    const value = integer ? BigInt(key as number | bigint) : String(key);
    let shaped = this.#primitive.get(schema);
    if (shaped === undefined) {
      const field: NestedField = {
        id: highestFieldId(schema.fields) + 1,
        name: PRIMITIVE_KEY_COLUMN,
        required: true,
        type: primitive(integer ? 'long' : 'string'),
      };
      const fields = schema.fields.some((f) => f.name === PRIMITIVE_KEY_COLUMN)
        ? schema.fields
        : [field, ...schema.fields];
      shaped = this.shape({ ...schema, fields });
      this.#primitive.set(schema, shaped);
    }
    return { row: { ...row, [PRIMITIVE_KEY_COLUMN]: value }, schema: shaped };
  }
}

function isRecord(value: unknown): value is Row {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Map)
  );
}
