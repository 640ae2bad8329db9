// The Kafka key of a keyed connector's record, decoded per key.format: `string`
// (the whole key, UTF-8), `json` (an object's fields or a primitive; Kafka
// Connect's schema/payload envelope is unwrapped, so Debezium's JSON keys work
// with and without schemas) or `avro` (Confluent wire format through the
// registry: a record's fields). The result feeds KeyEncoder.fromKafkaKey.
import { parseJsonExact } from '../../codec/json-number.ts';
import { toRecordError } from '../../codec/payload-error.ts';
import { AVRO_FORMAT, type RecordSource } from '../../codec/record-decoder.ts';
import { RegistryValueDecoder } from '../../codec/registry-value-decoder.ts';
import type { SchemaLookup } from '../../codec/schema-lookup.ts';
import { ConfigError } from '../../errors.ts';

export type KeyFormat = 'string' | 'json' | 'avro';

export class KafkaKeyDecoder {
  readonly #format: KeyFormat;
  readonly #avro: RegistryValueDecoder | undefined;

  constructor(format: KeyFormat, registry?: SchemaLookup) {
    this.#format = format;
    if (format === 'avro') {
      if (registry === undefined)
        throw new ConfigError('key.format avro needs schemaRegistry.url in the worker file');
      this.#avro = new RegistryValueDecoder(registry, AVRO_FORMAT);
    }
  }

  /** The key without awaiting; undefined when an Avro schema must be fetched first (call decode). Null: no key. */
  decodeSync(key: Uint8Array | null, where: RecordSource): unknown {
    if (key === null) return null;
    if (this.#avro !== undefined) return this.#avro.decodeSync(key, where)?.row;
    const text = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8');
    if (this.#format === 'string') return text;
    try {
      const parsed = parseJsonExact(text);
      return isEnvelope(parsed) ? parsed.payload : parsed;
    } catch (error) {
      throw toRecordError(where, error);
    }
  }

  async decode(key: Uint8Array | null, where: RecordSource): Promise<unknown> {
    const decoded = this.decodeSync(key, where);
    if (decoded !== undefined || this.#avro === undefined) return decoded;
    return (await this.#avro.decode(key, where)).row;
  }
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
