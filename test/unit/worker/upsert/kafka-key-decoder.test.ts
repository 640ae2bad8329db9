// The Kafka key of a keyed connector (src/worker/upsert/kafka-key-decoder.ts),
// per key.format: an Avro key that is a primitive (a long, a string, a nullable
// union) decodes to that value, as a JSON primitive key does, and so keys the
// column `_key`; a record key stays a record of its fields. Was: a primitive
// Avro key was refused as "the Avro value schema must be a record".
import { describe, expect, it } from 'vitest';
import { decimal, primitive } from '../../../../src/iceberg/types.ts';
import { KeyEncoder, PRIMITIVE_KEY_COLUMN } from '../../../../src/worker/upsert/change-key.ts';
import { KafkaKeyDecoder } from '../../../../src/worker/upsert/kafka-key-decoder.ts';
import { kafkaKeyColumns } from '../../../../src/worker/upsert/key-columns.ts';
import { InMemorySchemas, wireRecord } from '../../codec/avro-fixtures.ts';

const where = { topic: 'orders', partition: 0, offset: 7n };
const text = (value: string) => new TextEncoder().encode(value);

describe('KafkaKeyDecoder, key.format avro', () => {
  const schemas = new InMemorySchemas()
    .addAvro(1, 'long')
    .addAvro(2, 'string')
    .addAvro(3, ['null', 'string'])
    .addAvro(4, { type: 'record', name: 'Key', fields: [{ name: 'id', type: 'long' }] })
    .addAvro(5, { type: 'int' });
  const schemaOf = (id: number): unknown => JSON.parse(schemas.schemas.get(id)!.schema);

  it.each([
    ['long', 1, 42n, 42n],
    ['long beyond 2^53', 1, 9007199254740993n, 9007199254740993n],
    ['string', 2, 'order-9', 'order-9'],
    ['nullable string', 3, { string: 'x' }, 'x'],
    ['int in a schema object', 5, 12, 12],
  ])('decodes a primitive key (%s) to its value, async and then sync', async (_, id, value, expected) => {
    const decoder = new KafkaKeyDecoder('avro', schemas);
    const bytes = wireRecord(id, schemaOf(id), value);
    const decoded = await decoder.decode(bytes, where);
    expect(decoded === expected || decoded === Number(expected)).toBe(true);
    expect(kafkaKeyColumns(decoded)).toEqual([PRIMITIVE_KEY_COLUMN]);
    const again = decoder.decodeSync(bytes, where);
    expect(again).toEqual(decoded);
  });

  it('keys a long column the same whether the key is Avro, JSON or a string', async () => {
    const keys = new KeyEncoder([{ name: PRIMITIVE_KEY_COLUMN, type: primitive('long') }]);
    const avro = await new KafkaKeyDecoder('avro', schemas).decode(
      wireRecord(1, 'long', 9007199254740993n),
      where,
    );
    const json = await new KafkaKeyDecoder('json').decode(text('9007199254740993'), where);
    const string = await new KafkaKeyDecoder('string').decode(text('9007199254740993'), where);
    expect(keys.fromKafkaKey(avro)).toBe(keys.fromKafkaKey(json));
    expect(keys.fromKafkaKey(string)).toBe(keys.fromKafkaKey(json));
  });

  it('keeps a record key a record of its fields', async () => {
    const decoded = await new KafkaKeyDecoder('avro', schemas).decode(
      wireRecord(4, schemaOf(4), { id: 5n }),
      where,
    );
    expect(kafkaKeyColumns(decoded)).toEqual(['id']);
  });

  it('passes a null key through as no key', async () => {
    expect(await new KafkaKeyDecoder('avro', schemas).decode(null, where)).toBeNull();
  });
});

describe('KafkaKeyDecoder, key.format json with a Connect schema', () => {
  it("converts Connect's Decimal, bytes and Timestamp as the value side does: the key meets its row", async () => {
    const envelope = {
      schema: {
        type: 'struct',
        fields: [
          {
            field: 'amount',
            type: 'bytes',
            name: 'org.apache.kafka.connect.data.Decimal',
            parameters: { scale: '2', 'connect.decimal.precision': '10' },
          },
          { field: 'tag', type: 'bytes' },
          { field: 'at', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
        ],
      },
      // 123.45 (unscaled 12345 = 0x3039), bytes 01 02, 2023-11-14T22:13:20Z in milliseconds
      payload: { amount: 'MDk=', tag: 'AQI=', at: 1700000000000 },
    };
    const keys = new KeyEncoder([
      { name: 'amount', type: decimal(10, 2) },
      { name: 'tag', type: primitive('binary') },
      { name: 'at', type: primitive('timestamp') },
    ]);
    const decoded = await new KafkaKeyDecoder('json').decode(text(JSON.stringify(envelope)), where);
    const row = { amount: 12345n, tag: new Uint8Array([1, 2]), at: 1700000000000000n };
    expect(keys.fromKafkaKey(decoded)).toBe(keys.fromRow(row));
  });
});
