// The Kafka key of a keyed connector's record, decoded per key.format: `string`
// (the whole key, UTF-8), `json` (an object's fields or a primitive; Kafka
// Connect's schema/payload envelope is unwrapped, so Debezium's JSON keys work
// with and without schemas) or `avro` (Confluent wire format through the
// registry: a record's fields, or a primitive). The result feeds
// KeyEncoder.fromKafkaKey. A record key whose schema names Debezium semantic
// types (Avro `connect.name`, the Connect schema's field names in JSON with
// schemas) comes as a SemanticKafkaKey, converted to the key columns' types as
// the value side converts the same columns (docs/upsert.md, "Debezium").
import {
  type ConnectSchema,
  type ConnectStruct,
  compileConnectStruct,
} from '../../codec/debezium-connect-schema.ts';
import {
  avroRecordConnectNames,
  connectStructNames,
  semanticColumns,
} from '../../codec/debezium-semantic-columns.ts';
import type { SemanticType } from '../../codec/debezium-semantic-types.ts';
import { parseJsonExact } from '../../codec/json-number.ts';
import { toRecordError } from '../../codec/payload-error.ts';
import { AVRO_FORMAT, type RecordSource } from '../../codec/record-decoder.ts';
import { type RegistryFormat, RegistryValueDecoder } from '../../codec/registry-value-decoder.ts';
import type { RegisteredSchema, SchemaLookup } from '../../codec/schema-lookup.ts';
import { ConfigError } from '../../errors.ts';
import type { Row, Schema } from '../../iceberg/types.ts';
import { PRIMITIVE_KEY_COLUMN, SemanticKafkaKey } from './change-key.ts';

export type KeyFormat = 'string' | 'json' | 'avro';

export class KafkaKeyDecoder {
  readonly #format: KeyFormat;
  readonly #avro: RegistryValueDecoder | undefined;
  /** Per compiled Avro key schema: its fields of semantic types. */
  readonly #avroSemantics = new WeakMap<Schema, ReadonlyMap<string, SemanticType>>();
  /** Compiled Avro key schemas that wrap a primitive key (primitiveAsRecord). */
  readonly #wrapped = new WeakSet<Schema>();
  /** Per Connect struct key schema (JSON text): how its payload converts; null when it does not compile. */
  readonly #connectKeys = new Map<string, ConnectKey | null>();

  constructor(format: KeyFormat, registry?: SchemaLookup) {
    this.#format = format;
    if (format === 'avro') {
      if (registry === undefined)
        throw new ConfigError('key.format avro needs schemaRegistry.url in the worker file');
      const avro: RegistryFormat = {
        ...AVRO_FORMAT,
        compile: (registered) => {
          const wrapped = primitiveAsRecord(registered);
          const compiled = AVRO_FORMAT.compile(wrapped ?? registered);
          if (wrapped !== undefined) {
            this.#wrapped.add(compiled.schema);
            return compiled;
          }
          const names = avroRecordConnectNames(registered.schema);
          this.#avroSemantics.set(compiled.schema, semanticColumns(compiled.schema.fields, names));
          return compiled;
        },
      };
      this.#avro = new RegistryValueDecoder(registry, avro);
    }
  }

  /** The key without awaiting; undefined when an Avro schema must be fetched first (call decode). Null: no key. */
  decodeSync(key: Uint8Array | null, where: RecordSource): unknown {
    if (key === null) return null;
    if (this.#avro !== undefined) {
      const decoded = this.#avro.decodeSync(key, where);
      return decoded === undefined ? undefined : this.#avroKey(decoded.row, decoded.schema);
    }
    const text = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8');
    if (this.#format === 'string') return text;
    try {
      const parsed = parseJsonExact(text);
      if (!isEnvelope(parsed)) return parsed;
      const connect = this.#connectKey(parsed.schema);
      if (connect === undefined) return parsed.payload;
      // Converted as the value side converts a struct: Connect's Decimal, bytes, Time, Timestamp.
      const row = connect.struct.convert(parsed.payload);
      return connect.semantics.size === 0 ? row : new SemanticKafkaKey(row, connect.semantics);
    } catch (error) {
      throw toRecordError(where, error);
    }
  }

  async decode(key: Uint8Array | null, where: RecordSource): Promise<unknown> {
    const decoded = this.decodeSync(key, where);
    if (decoded !== undefined || this.#avro === undefined) return decoded;
    const read = await this.#avro.decode(key, where);
    return this.#avroKey(read.row, read.schema);
  }

  #avroKey(row: Row, schema: Schema): unknown {
    if (this.#wrapped.has(schema)) return row[PRIMITIVE_KEY_COLUMN];
    const semantics = this.#avroSemantics.get(schema);
    return semantics === undefined || semantics.size === 0 ? row : new SemanticKafkaKey(row, semantics);
  }

  /** A struct key's conversion and fields of semantic types; undefined for other keys. */
  #connectKey(schema: unknown): ConnectKey | undefined {
    if (!isObject(schema) || schema.type !== 'struct' || !Array.isArray(schema.fields)) return undefined;
    const text = JSON.stringify(schema);
    let known = this.#connectKeys.get(text);
    if (known === undefined) {
      known = compileConnectKey(schema as unknown as ConnectSchema);
      this.#connectKeys.set(text, known);
    }
    return known ?? undefined;
  }
}

/**
 * An Avro key schema that is not a record (a long, a string, a union...) as a
 * record of the one field `_key`: the same bytes decode to it, since Avro
 * encodes a record as its fields in order with nothing around them (Avro spec,
 * "Binary Encoding", Complex Types: records). Undefined for a record schema.
 */
function primitiveAsRecord(registered: RegisteredSchema): RegisteredSchema | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(registered.schema);
  } catch {
    return undefined; // the compiler reports it
  }
  if (isObject(parsed) && (parsed.type === 'record' || parsed.type === 'error')) return undefined;
  const record = {
    type: 'record',
    name: 'FloeKafkaKey',
    fields: [{ name: PRIMITIVE_KEY_COLUMN, type: parsed }],
  };
  return { ...registered, schema: JSON.stringify(record) };
}

interface ConnectKey {
  readonly struct: ConnectStruct;
  readonly semantics: ReadonlyMap<string, SemanticType>;
}

/** A key schema the value side could not type either (null) keeps its fields as they come. */
function compileConnectKey(schema: ConnectSchema): ConnectKey | null {
  try {
    const struct = compileConnectStruct(schema);
    return { struct, semantics: semanticColumns(struct.fields, connectStructNames(schema)) };
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEnvelope(value: unknown): value is { schema: unknown; payload: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'payload' in value &&
    'schema' in value &&
    Object.keys(value).length === 2
  );
}
