// The optional Kafka metadata column (connector `metadataColumn`): a struct with
// where each row came from, added after the source fields:
//   <name> struct { topic string, partition int, offset long, timestamp timestamptz,
//                   key binary (string when the key format is 'string'), headers map<string, binary> }
// Every field is optional so the column unions cleanly with tables that have it.
import type { NestedField, Row, Schema } from '../iceberg/types.ts';
import { highestFieldId, primitive } from '../iceberg/types.ts';
import type { DecodedRecord, RecordDecoder, RecordSource } from './decoded-record.ts';
import { recordError } from './payload-error.ts';

export interface MetadataColumnOptions {
  /** Column name, `_kafka` by default. */
  readonly name?: string;
  /** 'string' keeps the key as UTF-8 text; anything else as bytes. */
  readonly keyFormat?: 'none' | 'string' | 'json' | 'avro';
}

export const DEFAULT_METADATA_COLUMN = '_kafka';

/** The metadata struct field, with ids continuing after `lastId`. */
export function metadataField(name: string, keyAsString: boolean, lastId: number): NestedField {
  let id = lastId;
  const field = (fieldName: string, type: NestedField['type']): NestedField => ({
    id: ++id,
    name: fieldName,
    required: false,
    type,
  });
  const structId = ++id;
  const fields = [
    field('topic', primitive('string')),
    field('partition', primitive('int')),
    field('offset', primitive('long')),
    field('timestamp', primitive('timestamptz')),
    field('key', primitive(keyAsString ? 'string' : 'binary')),
  ];
  const keyId = ++id;
  const valueId = ++id;
  fields.push({
    id: ++id,
    name: 'headers',
    required: false,
    type: {
      kind: 'map',
      keyId,
      key: primitive('string'),
      valueId,
      valueRequired: false,
      value: primitive('binary'),
    },
  });
  return { id: structId, name, required: false, type: { kind: 'struct', fields } };
}

/** The metadata value of a record, in the Iceberg value representation. */
export function metadataValue(source: RecordSource, keyAsString: boolean): Row {
  const key = source.key ?? null;
  const headers = new Map<string, Uint8Array>();
  for (const [name, value] of source.headers ?? []) headers.set(name, value);
  return {
    topic: source.topic,
    partition: source.partition,
    offset: source.offset,
    timestamp: source.timestampMs === undefined ? null : BigInt(source.timestampMs) * 1000n,
    key:
      key === null
        ? null
        : keyAsString
          ? Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8')
          : key,
    headers,
  };
}

/** Wraps a decoder so that every record gets the metadata column. */
export class MetadataColumnDecoder implements RecordDecoder {
  readonly #inner: RecordDecoder;
  readonly #name: string;
  readonly #keyAsString: boolean;
  /** Source schema -> schema with the column, so the result stays one object per source schema. */
  readonly #schemas = new WeakMap<Schema, Schema>();

  constructor(inner: RecordDecoder, options: MetadataColumnOptions = {}) {
    this.#inner = inner;
    this.#name = options.name ?? DEFAULT_METADATA_COLUMN;
    this.#keyAsString = options.keyFormat === 'string';
  }

  decodeSync(value: Uint8Array | null, where: RecordSource): DecodedRecord | undefined {
    const decoded = this.#inner.decodeSync(value, where);
    return decoded === undefined ? undefined : this.#extend(decoded, where);
  }

  async decode(value: Uint8Array | null, where: RecordSource): Promise<DecodedRecord> {
    return this.#extend(await this.#inner.decode(value, where), where);
  }

  followTable(schema: Schema): void {
    this.#inner.followTable?.({
      ...schema,
      fields: schema.fields.filter((field) => field.name !== this.#name),
    });
  }

  #extend(decoded: DecodedRecord, where: RecordSource): DecodedRecord {
    let schema = this.#schemas.get(decoded.schema);
    if (schema === undefined) {
      if (decoded.schema.fields.some((field) => field.name === this.#name)) {
        throw recordError(
          where,
          'incompatible',
          `the record already has a field named ${this.#name}, the metadata column's name (choose another metadataColumn.name)`,
        );
      }
      const lastId = highestFieldId(decoded.schema.fields);
      schema = {
        ...decoded.schema,
        fields: [...decoded.schema.fields, metadataField(this.#name, this.#keyAsString, lastId)],
      };
      this.#schemas.set(decoded.schema, schema);
    }
    const row = decoded.row;
    row[this.#name] = metadataValue(where, this.#keyAsString);
    return decoded.droppedFields === undefined
      ? { row, schema }
      : { row, schema, droppedFields: decoded.droppedFields };
  }
}
