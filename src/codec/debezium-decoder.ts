// Kafka record value -> Debezium change event (cdc.format: debezium), for the
// value formats Debezium's converters write: Avro through the registry
// (Confluent wire format, e.g. Apicurio's AvroConverter with as-confluent), and
// JSON from Kafka Connect's JsonConverter, with the schema/payload envelope
// (schemas.enable: true; typed by the Connect schema) or without it (the row's
// schema is inferred, as for schemaless JSON).
import type { Row, Schema } from '../iceberg/types.ts';
import { type ConnectSchema, type ConnectStruct, compileConnectStruct } from './debezium-connect-schema.ts';
import { type DebeziumEvent, readEnvelope } from './debezium-envelope.ts';
import type { RecordSource } from './decoded-record.ts';
import { InferredJsonSchema } from './json-inference.ts';
import { parseJsonExact } from './json-number.ts';
import { PayloadError, toRecordError } from './payload-error.ts';
import { AVRO_FORMAT } from './record-decoder.ts';
import { asBuffer, RegistryValueDecoder } from './registry-value-decoder.ts';
import type { SchemaLookup } from './schema-lookup.ts';
import { CONFLUENT_MAGIC_BYTE } from './wire-format.ts';

export type DebeziumValueFormat = 'avro' | 'json';

const TOMBSTONE: DebeziumEvent = { kind: 'tombstone' };

export class DebeziumDecoder {
  readonly #avro: RegistryValueDecoder | undefined;
  readonly #inferred = new InferredJsonSchema();
  /** Connect schemas seen, by their JSON text: the compiled struct and its envelope schema object. */
  readonly #connect = new Map<string, { struct: ConnectStruct; envelope: Schema }>();

  constructor(format: DebeziumValueFormat, registry?: SchemaLookup) {
    if (format === 'avro') {
      if (registry === undefined)
        throw new PayloadError('incompatible', 'Debezium Avro values need the schema registry');
      this.#avro = new RegistryValueDecoder(registry, AVRO_FORMAT);
    }
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
      return readEnvelope(row, schema);
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
      const { struct, envelope } = this.#compiled(parsed.schema as unknown as ConnectSchema);
      return readEnvelope(struct.convert(parsed.payload), envelope);
    }
    return this.#schemaless(parsed);
  }

  #compiled(schema: ConnectSchema): { struct: ConnectStruct; envelope: Schema } {
    const text = JSON.stringify(schema);
    let compiled = this.#connect.get(text);
    if (compiled === undefined) {
      const struct = compileConnectStruct(schema);
      compiled = { struct, envelope: { schemaId: 0, identifierFieldIds: [], fields: struct.fields } };
      this.#connect.set(text, compiled);
    }
    return compiled;
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
