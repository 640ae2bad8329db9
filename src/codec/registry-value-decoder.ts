// Values in the Confluent wire format whose writer schema comes from the registry
// (Avro, JSON Schema, Protobuf). Each schema id is fetched and compiled once; after that a
// record decodes synchronously (decodeSync) with no lookup beyond a Map.get.
import type { Row, Schema } from '../iceberg/types.ts';
import type { DecodedRecord, DirectRecord, RecordDecoder, RecordSource } from './decoded-record.ts';
import { PayloadError, recordError, toRecordError } from './payload-error.ts';
import type { RegisteredSchema, RegisteredSchemaType, SchemaLookup } from './schema-lookup.ts';
import { CONFLUENT_HEADER_SIZE, CONFLUENT_MAGIC_BYTE, readSchemaId } from './wire-format.ts';

/** A writer schema compiled for decoding: its Iceberg schema and a payload decoder. */
export interface CompiledWriterSchema {
  readonly schema: Schema;
  /** Decodes the payload in bytes[start..]; throws PayloadError. */
  decode(bytes: Buffer, start: number): Row;
  /** The payload in bytes[start..] for writing straight into columns, where the format can. */
  at?(bytes: Buffer, start: number): DirectRecord;
}

/** A schema id that holds several row schemas (Protobuf: a file of messages; each record names one). */
export interface CompiledSchemaFile {
  /** Decodes the payload in bytes[start..] with the schema of the message it names; throws PayloadError. */
  decodeRecord(bytes: Buffer, start: number): DecodedRecord;
}

export interface RegistryFormat {
  /** The registry's schema type this format reads. */
  readonly schemaType: RegisteredSchemaType;
  /** The connector's name for the format, for messages. */
  readonly name: string;
  compile(registered: RegisteredSchema, schemaId: number): CompiledWriterSchema | CompiledSchemaFile;
  /** Runs once per schema id before compile, for what needs the registry again (Protobuf: earlier versions). */
  prepare?(schemaId: number, registered: RegisteredSchema, lookup: SchemaLookup): Promise<void>;
}

export class RegistryValueDecoder implements RecordDecoder {
  readonly #lookup: SchemaLookup;
  readonly #format: RegistryFormat;
  readonly #compiled = new Map<number, CompiledWriterSchema | CompiledSchemaFile>();
  /** Schemas that can never decode (wrong type, no Iceberg equivalent): fail fast, no refetch. */
  readonly #rejected = new Map<number, PayloadError>();
  /** Lookups in flight, so concurrent records of a new schema id share one. */
  readonly #pending = new Map<number, Promise<RegisteredSchema>>();

  constructor(lookup: SchemaLookup, format: RegistryFormat) {
    this.#lookup = lookup;
    this.#format = format;
  }

  decodeSync(value: Uint8Array | null, where: RecordSource): DecodedRecord | undefined {
    try {
      const bytes = asBuffer(value);
      const schemaId = readSchemaId(bytes);
      const compiled = this.#compiled.get(schemaId);
      if (compiled === undefined) {
        const rejected = this.#rejected.get(schemaId);
        if (rejected !== undefined) throw rejected;
        return undefined;
      }
      if ('decodeRecord' in compiled) return compiled.decodeRecord(bytes, CONFLUENT_HEADER_SIZE);
      return { row: compiled.decode(bytes, CONFLUENT_HEADER_SIZE), schema: compiled.schema };
    } catch (error) {
      throw toRecordError(where, error);
    }
  }

  directSync(value: Uint8Array | null): DirectRecord | undefined {
    if (value === null || value.length < CONFLUENT_HEADER_SIZE || value[0] !== CONFLUENT_MAGIC_BYTE)
      return undefined;
    const compiled = this.#compiled.get(readSchemaId(value));
    if (compiled === undefined || !('at' in compiled) || compiled.at === undefined) return undefined;
    return compiled.at(asBuffer(value), CONFLUENT_HEADER_SIZE);
  }

  async decode(value: Uint8Array | null, where: RecordSource): Promise<DecodedRecord> {
    const decoded = this.decodeSync(value, where);
    if (decoded !== undefined) return decoded;
    const schemaId = readSchemaId(value!); // decodeSync has validated the header
    let registered: RegisteredSchema;
    try {
      let pending = this.#pending.get(schemaId);
      if (pending === undefined) {
        pending = this.#fetch(schemaId);
        this.#pending.set(schemaId, pending);
      }
      try {
        registered = await pending;
      } finally {
        this.#pending.delete(schemaId);
      }
    } catch (error) {
      if (error instanceof PayloadError && error.reason === 'unknown-schema-id') {
        throw recordError(
          where,
          'unknown-schema-id',
          `unknown schema id ${schemaId} in the Confluent wire-format header`,
          error,
        );
      }
      throw error; // registry unreachable: not the record's fault
    }
    this.#compile(schemaId, registered);
    return this.decodeSync(value, where)!;
  }

  async #fetch(schemaId: number): Promise<RegisteredSchema> {
    const registered = await this.#lookup.getSchema(schemaId);
    if (registered.type === this.#format.schemaType)
      await this.#format.prepare?.(schemaId, registered, this.#lookup);
    return registered;
  }

  #compile(schemaId: number, registered: RegisteredSchema): void {
    if (this.#compiled.has(schemaId) || this.#rejected.has(schemaId)) return;
    try {
      if (registered.type !== this.#format.schemaType) {
        throw new PayloadError(
          'incompatible',
          `it is a ${registered.type} schema, but value.format ${this.#format.name} reads ${this.#format.schemaType} schemas`,
        );
      }
      this.#compiled.set(schemaId, this.#format.compile(registered, schemaId));
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      this.#rejected.set(
        schemaId,
        new PayloadError(error.reason, `schema id ${schemaId}: ${error.message}`, {}, { cause: error }),
      );
    }
  }
}

/** Kafka hands over Buffers; other Uint8Arrays get a Buffer view (no copy) for its fast readers. */
export function asBuffer(value: Uint8Array | null): Buffer {
  if (value === null) throw new PayloadError('malformed', 'the record has no value (a tombstone)');
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
