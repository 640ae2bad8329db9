// Kafka record value -> Debezium change event (cdc.format: debezium), for the
// value formats Debezium's converters write: Avro through the registry
// (Confluent wire format, e.g. Apicurio's AvroConverter with as-confluent), and
// JSON from Kafka Connect's JsonConverter, with the schema/payload envelope
// (schemas.enable: true; typed by the Connect schema) or without it (the row's
// schema is inferred, as for schemaless JSON).
//
// With a schema (Avro, JSON with schemas), columns of Debezium's semantic types
// (io.debezium.time.Date, MicroTimestamp, ZonedTimestamp, io.debezium.data.Uuid,
// ...) become Iceberg dates, times, timestamps, timestamptz and uuids
// (debezium-semantic-columns.ts), except in a column a followed table already
// holds with another type (tables written before: the old type stays).
import type { IcebergType, Row, Schema } from '../iceberg/types.ts';
import { type ConnectSchema, type ConnectStruct, compileConnectStruct } from './debezium-connect-schema.ts';
import { type DebeziumEvent, readEnvelope } from './debezium-envelope.ts';
import {
  avroConnectNames,
  type ConnectNames,
  connectSchemaNames,
  type SemanticRows,
  semanticRows,
} from './debezium-semantic-columns.ts';
import type { RecordSource } from './decoded-record.ts';
import { InferredJsonSchema } from './json-inference.ts';
import { parseJsonExact } from './json-number.ts';
import { PayloadError, toRecordError } from './payload-error.ts';
import { AVRO_FORMAT } from './record-decoder.ts';
import { asBuffer, type RegistryFormat, RegistryValueDecoder } from './registry-value-decoder.ts';
import type { SchemaLookup } from './schema-lookup.ts';
import { CONFLUENT_MAGIC_BYTE } from './wire-format.ts';

export type DebeziumValueFormat = 'avro' | 'json';

const TOMBSTONE: DebeziumEvent = { kind: 'tombstone' };
const NO_NAMES: ConnectNames = new Map();

export class DebeziumDecoder {
  readonly #avro: RegistryValueDecoder | undefined;
  readonly #inferred = new InferredJsonSchema();
  /** Connect schemas seen, by their JSON text: the compiled struct, its envelope schema object and Connect names. */
  readonly #connect = new Map<string, { struct: ConnectStruct; envelope: Schema; names: ConnectNames }>();
  /** The Connect names of each compiled Avro envelope schema. */
  readonly #avroNames = new WeakMap<Schema, ConnectNames>();
  /** Column types of the followed tables, by name. */
  readonly #tableTypes = new Map<string, IcebergType>();
  /** Per carrier envelope schema: how its rows become Iceberg rows (renewed when a table is followed). */
  #semantic = new WeakMap<Schema, SemanticRows>();

  constructor(format: DebeziumValueFormat, registry?: SchemaLookup) {
    if (format === 'avro') {
      if (registry === undefined)
        throw new PayloadError('incompatible', 'Debezium Avro values need the schema registry');
      const format: RegistryFormat = {
        ...AVRO_FORMAT,
        compile: (registered) => {
          const compiled = AVRO_FORMAT.compile(registered);
          this.#avroNames.set(compiled.schema, avroConnectNames(registered.schema));
          return compiled;
        },
      };
      this.#avro = new RegistryValueDecoder(registry, format);
    }
  }

  /**
   * A table of the connector has this schema (loaded at assignment): its
   * columns keep their types, so a column it holds with a carrier type (int for
   * a Date, string for a ZonedTimestamp, ...) is written as before.
   */
  followTable(schema: Schema): void {
    for (const field of schema.fields) this.#tableTypes.set(field.name, field.type);
    this.#semantic = new WeakMap();
  }

  /** Decodes without awaiting when nothing must be fetched; undefined when `decode` must be awaited. */
  decodeSync(value: Uint8Array | null, where: RecordSource): DebeziumEvent | undefined {
    if (value === null) return TOMBSTONE;
    if (this.#avro !== undefined) {
      const decoded = this.#avro.decodeSync(value, where);
      return decoded === undefined ? undefined : this.#envelope(decoded.row, decoded.schema, where);
    }
    try {
      return this.#json(asBuffer(value));
    } catch (error) {
      throw toRecordError(where, error);
    }
  }

  async decode(value: Uint8Array | null, where: RecordSource): Promise<DebeziumEvent> {
    const event = this.decodeSync(value, where);
    if (event !== undefined) return event;
    const decoded = await this.#avro!.decode(value, where);
    return this.#envelope(decoded.row, decoded.schema, where);
  }

  #envelope(row: Row, schema: Schema, where: RecordSource): DebeziumEvent {
    try {
      const semantic = this.#semanticRows(schema, this.#avroNames.get(schema) ?? NO_NAMES);
      return readEnvelope(semantic.convert(row), semantic.envelope);
    } catch (error) {
      throw toRecordError(where, error);
    }
  }

  #json(bytes: Buffer): DebeziumEvent {
    if (bytes.length > 0 && bytes[0] === CONFLUENT_MAGIC_BYTE) {
      throw new PayloadError(
        'malformed',
        'the value starts with a Confluent wire-format header; use value.format avro',
      );
    }
    const parsed = parseJsonExact(bytes.toString('utf8'));
    if (!isObject(parsed)) throw new PayloadError('incompatible', 'a Debezium JSON value must be an object');
    if (isObject(parsed.schema) && 'payload' in parsed) {
      if (parsed.payload === null) return TOMBSTONE;
      const { struct, envelope, names } = this.#compiled(parsed.schema as unknown as ConnectSchema);
      const semantic = this.#semanticRows(envelope, names);
      return readEnvelope(semantic.convert(struct.convert(parsed.payload)), semantic.envelope);
    }
    return this.#schemaless(parsed);
  }

  #compiled(schema: ConnectSchema): { struct: ConnectStruct; envelope: Schema; names: ConnectNames } {
    const text = JSON.stringify(schema);
    let compiled = this.#connect.get(text);
    if (compiled === undefined) {
      const struct = compileConnectStruct(schema);
      compiled = {
        struct,
        envelope: { schemaId: 0, identifierFieldIds: [], fields: struct.fields },
        names: connectSchemaNames(schema),
      };
      this.#connect.set(text, compiled);
    }
    return compiled;
  }

  /** One SemanticRows per carrier envelope schema (so one table schema object per source schema). */
  #semanticRows(envelope: Schema, names: ConnectNames): SemanticRows {
    let semantic = this.#semantic.get(envelope);
    if (semantic === undefined) {
      semantic = semanticRows(envelope, names, this.#tableTypes);
      this.#semantic.set(envelope, semantic);
    }
    return semantic;
  }

  /** Without a schema: `after` and `before` are plain objects whose schema is inferred. */
  #schemaless(envelope: Record<string, unknown>): DebeziumEvent {
    const op = envelope.op;
    const source = isObject(envelope.source) ? envelope.source : null;
    if (op === 'd') {
      const before = envelope.before;
      if (before === null || before === undefined)
        return { kind: 'delete', row: null, schema: this.#inferred.schema, source };
      const decoded = this.#inferred.convert(before);
      return { kind: 'delete', row: decoded.row, schema: decoded.schema, source };
    }
    if (op === 'c' || op === 'r' || op === 'u') {
      const after = envelope.after;
      if (!isObject(after))
        throw new PayloadError('incompatible', `a Debezium ${op} event without an after row`);
      const decoded = this.#inferred.convert(after);
      return { kind: 'upsert', op, row: decoded.row, schema: decoded.schema, source };
    }
    // t, and everything that is not an envelope: the same messages as the typed path
    return readEnvelope({ op, source }, { schemaId: 0, identifierFieldIds: [], fields: [] });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
