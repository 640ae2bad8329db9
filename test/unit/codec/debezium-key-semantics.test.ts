// A key column read from the Kafka key is converted by the Debezium semantic
// type mapping as the value side converts the same column, so both key the
// same (and the same as a rebuild from the data files). From captured Debezium
// 3.6.1 records (test/vectors/debezium/): a table whose primary key is its date,
// timestamp, timestamp(3), time, time(3), timestamptz and uuid columns
// (temporal-key-*.json); and, from the other captures' field schemas (Avro
// `connect.name`; the Connect schema's `name` in JSON with schemas) and carrier
// values, keys built as Debezium builds them, also for a table written before
// the mapping (carrier types). Was: the key side took the carriers (a
// timestamp(3) key as milliseconds against the row's microseconds, a
// timestamptz key as text), so a key from the Kafka key missed its row.
import { describe, expect, it } from 'vitest';
import { DebeziumDecoder } from '../../../src/codec/debezium-decoder.ts';
import type { DebeziumEvent } from '../../../src/codec/debezium-envelope.ts';
import type { SchemaLookup } from '../../../src/codec/schema-lookup.ts';
import { type IcebergType, primitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import { type KeyColumn, KeyEncoder } from '../../../src/worker/upsert/change-key.ts';
import { KafkaKeyDecoder } from '../../../src/worker/upsert/kafka-key-decoder.ts';
import { kafkaKeyColumns } from '../../../src/worker/upsert/key-columns.ts';
import { wireRecord } from './avro-fixtures.ts';
import { loadVector, type Vector, vectorBytes, vectorRegistry } from './debezium-vectors.ts';

/** The columns of Debezium semantic types, with the Iceberg type the value side gives each. */
const SEMANTIC: ReadonlyArray<[string, IcebergType['kind'], IcebergType['kind']]> = [
  ['born', 'date', 'int'], // io.debezium.time.Date
  ['ts', 'timestamp', 'long'], // MicroTimestamp
  ['ts_ms', 'timestamp', 'long'], // Timestamp (milliseconds)
  ['t', 'time', 'long'], // MicroTime
  ['t_ms', 'time', 'int'], // Time (milliseconds)
  ['updated_at', 'timestamptz', 'string'], // ZonedTimestamp
  ['uid', 'uuid', 'string'], // io.debezium.data.Uuid
];
const NAMES = SEMANTIC.map(([name]) => name);
const where = { topic: 'cdc', partition: 0, offset: 0n };
const KEY_SCHEMA_ID = 990_001;

/** A table written before floe mapped the names: the carriers' types. */
const carrierTable: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: SEMANTIC.map(([name, , carrier], i) => ({
    id: i + 1,
    name,
    required: true,
    type: primitive(carrier as 'int'),
  })),
};

async function firstUpsert(
  decoder: DebeziumDecoder,
  vector: Vector,
): Promise<Extract<DebeziumEvent, { kind: 'upsert' }>> {
  const event = await decoder.decode(vectorBytes(vector.records[0]!.value.base64), where);
  if (event.kind !== 'upsert') throw new Error(`expected an upsert, got ${event.kind}`);
  return event;
}

/** The captured record's after row as Iceberg values (new table) and as carriers (a table from before). */
async function rows(variant: 'avro' | 'json-schemas', lookup?: SchemaLookup) {
  const vector = loadVector(variant);
  const format = variant === 'avro' ? 'avro' : 'json';
  const mapped = await firstUpsert(new DebeziumDecoder(format, lookup), vector);
  const old = new DebeziumDecoder(format, lookup);
  old.followTable(carrierTable);
  const carrier = await firstUpsert(old, vector);
  return { vector, mapped, carrier };
}

/** Key columns typed as the table holding `schema`'s columns types them. */
const keyColumns = (schema: Schema, names: readonly string[]): KeyColumn[] =>
  names.map((name) => ({ name, type: schema.fields.find((f) => f.name === name)!.type }));

function expectSameKeys(kafkaKey: unknown, event: { row: Row; schema: Schema }) {
  expect(kafkaKeyColumns(kafkaKey)).toEqual(NAMES);
  const all = new KeyEncoder(keyColumns(event.schema, NAMES));
  expect(all.fromKafkaKey(kafkaKey)).toBe(all.fromRow(event.row));
  for (const name of NAMES) {
    const one = new KeyEncoder(keyColumns(event.schema, [name]));
    expect(one.fromKafkaKey(kafkaKey), name).toBe(one.fromRow(event.row));
  }
}

describe('a table keyed by its temporal and uuid columns, captured from Debezium 3.6.1', () => {
  // test/vectors/debezium/temporal-key-*.json (test/interop/capture_debezium_temporal_key.py):
  // the snapshot record of a table whose primary key is (born, ts, ts_ms, t, t_ms, updated_at, uid).
  it.each([
    ['temporal-key-json-schemas', 'json'],
    ['temporal-key-avro', 'avro'],
  ] as const)('%s: the Kafka key keys as the row does', async (variant, format) => {
    const vector = loadVector(variant);
    const lookup = format === 'avro' ? vectorRegistry(vector) : undefined;
    const event = await firstUpsert(new DebeziumDecoder(format, lookup), vector);
    expect(keyColumns(event.schema, NAMES).map((c) => c.type.kind)).toEqual(SEMANTIC.map(([, type]) => type));
    const record = vector.records[0]!;
    const kafkaKey = await new KafkaKeyDecoder(format, lookup).decode(vectorBytes(record.key.base64), where);
    expectSameKeys(kafkaKey, event);
    // 2024-05-01T12:00:00.123456+02:00 as UTC microseconds, whichever side it came from
    const tz = new KeyEncoder(keyColumns(event.schema, ['updated_at']));
    expect(tz.fromKafkaKey(kafkaKey)).toBe('["1714557600123456"]');
  });
});

describe('Debezium semantic types in the Kafka key (captured Debezium 3.6.1 schemas and values)', () => {
  it('Avro through the registry: the key fields carry connect.name, converted as the value side converts them', async () => {
    const vector = loadVector('avro');
    const envelope = Object.values(vector.schemas!)
      .map((s) => JSON.parse(s.schema) as { name: string; namespace: string; fields: AvroField[] })
      .find((s) => s.name === 'Envelope')!;
    const valueRecord = (envelope.fields.find((f) => f.name === 'before')!.type as unknown[])[1] as {
      fields: AvroField[];
    };
    const keySchema = {
      type: 'record',
      name: 'Key',
      namespace: envelope.namespace,
      fields: NAMES.map((name) => {
        const field = valueRecord.fields.find((f) => f.name === name)!;
        return { name, type: (field.type as unknown[])[1] }; // the non-null branch: a key column is required
      }),
      'connect.name': `${envelope.namespace}.Key`,
    };
    const registry = vectorRegistry(vector);
    const lookup: SchemaLookup = {
      getSchema: async (id) =>
        id === KEY_SCHEMA_ID ? { type: 'AVRO', schema: JSON.stringify(keySchema) } : registry.getSchema(id),
    };
    const { mapped, carrier } = await rows('avro', lookup);
    expect(keyColumns(mapped.schema, NAMES).map((c) => c.type.kind)).toEqual(
      SEMANTIC.map(([, type]) => type),
    );
    const keyValue = Object.fromEntries(NAMES.map((name) => [name, carrier.row[name]]));
    const keyBytes = wireRecord(KEY_SCHEMA_ID, keySchema, keyValue);
    const kafkaKey = await new KafkaKeyDecoder('avro', lookup).decode(keyBytes, where);
    expectSameKeys(kafkaKey, mapped);
    expectSameKeys(kafkaKey, carrier); // a table from before keeps the carriers: so does its key
    // the synchronous path (schema compiled) gives the same key
    const again = new KafkaKeyDecoder('avro', lookup);
    await again.decode(keyBytes, where);
    expectSameKeys(again.decodeSync(keyBytes, where), mapped);
  });

  it('JSON with schemas: the key struct fields carry the Connect names, converted as the value side converts them', async () => {
    const { vector, mapped, carrier } = await rows('json-schemas');
    const value = JSON.parse(vectorBytes(vector.records[0]!.value.base64)!.toString()) as {
      schema: { fields: Array<{ field: string; fields: Array<Record<string, unknown>> }> };
      payload: { after: Record<string, unknown> };
    };
    const after = value.schema.fields.find((f) => f.field === 'after')!;
    const key = {
      schema: {
        type: 'struct',
        fields: NAMES.map((name) => ({ ...after.fields.find((f) => f.field === name)!, optional: false })),
        optional: false,
        name: 'cdc.Key',
      },
      payload: Object.fromEntries(NAMES.map((name) => [name, value.payload.after[name]])),
    };
    const kafkaKey = await new KafkaKeyDecoder('json').decode(Buffer.from(JSON.stringify(key)), where);
    expectSameKeys(kafkaKey, mapped);
    expectSameKeys(kafkaKey, carrier);
  });

  it('a key value that does not fit its type is a ValidationError naming the key field', async () => {
    const { mapped } = await rows('json-schemas');
    const key = {
      schema: {
        type: 'struct',
        fields: [
          { type: 'string', optional: false, name: 'io.debezium.time.ZonedTimestamp', field: 'updated_at' },
        ],
        optional: false,
      },
      payload: { updated_at: 'infinity' },
    };
    const kafkaKey = await new KafkaKeyDecoder('json').decode(Buffer.from(JSON.stringify(key)), where);
    const encoder = new KeyEncoder(keyColumns(mapped.schema, ['updated_at']));
    expect(() => encoder.fromKafkaKey(kafkaKey)).toThrow(
      'key.updated_at: "infinity" is not an ISO-8601 timestamp with a zone (io.debezium.time.ZonedTimestamp)',
    );
  });
});

interface AvroField {
  name: string;
  type: unknown;
}
