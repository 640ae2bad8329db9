// Real Debezium 3.6.1 PostgreSQL change records (test/vectors/debezium/*.json,
// captured by test/interop/capture_debezium.py from the stack's Kafka Connect):
// each value encoding decodes to the same events; the table schema is the after
// row's; the changes collapse to what Postgres holds at the end.
import { describe, expect, it } from 'vitest';
import { DebeziumDecoder, type DebeziumValueFormat } from '../../../src/codec/debezium-decoder.ts';
import { changeMetadataValue } from '../../../src/codec/debezium-envelope.ts';
import { primitive } from '../../../src/iceberg/types.ts';
import { ChangeCollapser } from '../../../src/worker/upsert/change-collapse.ts';
import { KeyEncoder } from '../../../src/worker/upsert/change-key.ts';
import { KafkaKeyDecoder } from '../../../src/worker/upsert/kafka-key-decoder.ts';
import { cdcChange } from '../../../src/worker/upsert/record-change.ts';
import { vectorBytes as bytes, decodeVector } from './debezium-vectors.ts';

const variants: Array<[string, DebeziumValueFormat, 'json' | 'avro']> = [
  ['json', 'json', 'json'],
  ['json-schemas', 'json', 'json'],
  ['avro', 'avro', 'avro'],
];

const decodeAll = (variant: string, format: DebeziumValueFormat) => decodeVector(variant, format);

describe.each(variants)('Debezium %s', (variant, format, keyFormat) => {
  it('decodes snapshot, insert, update, key change, delete + tombstone, truncate, insert', async () => {
    const { events } = await decodeAll(variant, format);
    expect(events.map((e) => (e.kind === 'upsert' ? e.op : e.kind))).toEqual([
      'r',
      'r',
      'c',
      'u',
      'delete',
      'tombstone',
      'c',
      'delete',
      'tombstone',
      'truncate',
      'c',
    ]);
  });

  it("gives the table the after row's columns, and exact values", async () => {
    const { events } = await decodeAll(variant, format);
    const first = events[0]!;
    if (first.kind !== 'upsert') throw new Error('expected an upsert');
    expect(first.schema.fields.map((f) => f.name)).toEqual([
      'id',
      'name',
      'price',
      'amount',
      'born',
      'updated_at',
      'version',
      'data',
      'ts',
      'ts_ms',
      't',
      't_ms',
      'tz',
      'uid',
    ]);
    expect(first.row.name).toBe('one');
    expect(Number(first.row.born)).toBe(19782); // io.debezium.time.Date: days (a date; a long when inferred)
    expect(BigInt(first.row.id as number)).toBe(1n);
    expect(BigInt(first.row.amount as bigint)).toBe(9007199254740993n); // beyond 2^53, exact
    // JSON without schemas carries bytes and decimals (the unscaled bytes, decimal.handling.mode precise) as base64 text
    expect(first.row.data).toEqual(variant === 'json' ? 'AP8=' : new Uint8Array([0x00, 0xff]));
    expect(first.row.price).toEqual(variant === 'json' ? 'BBo=' : 1050n);
    if (variant !== 'json') {
      expect(first.schema.fields.find((f) => f.name === 'price')?.type).toEqual({
        kind: 'decimal',
        precision: 10,
        scale: 2,
      });
      expect(first.schema.fields.find((f) => f.name === 'id')?.required).toBe(true);
    }
    const second = events[1]!;
    expect(second.kind === 'upsert' && second.schema).toBe(first.schema); // one schema object per source schema
    const deleted = events[4]!;
    expect(deleted.kind === 'delete' && Number(deleted.row?.id)).toBe(3);
    if (first.source !== null)
      expect(changeMetadataValue('r', first.source)).toMatchObject({ op: 'r', lsn: expect.any(BigInt) });
  });

  it.each(['ignore', 'delete'] as const)(
    'collapses to what Postgres holds at the end (tombstones %s)',
    async (tombstones) => {
      const { vector, events, lookup } = await decodeAll(variant, format);
      const keys = new KeyEncoder([{ name: 'id', type: primitive('int') }]);
      const kafkaKeys = new KafkaKeyDecoder(keyFormat, lookup);
      const collapser = new ChangeCollapser();
      for (const [i, record] of vector.records.entries()) {
        const at = { topic: vector.topic, partition: record.partition, offset: BigInt(record.offset) };
        const key = await kafkaKeys.decode(bytes(record.key.base64), at);
        const change = cdcChange(events[i]!, () => key, at, { keys, keyFromValue: false, tombstones });
        if (change !== undefined) expect(collapser.add(change).kind).toBe('kept');
      }
      // after the truncate only id 5 was inserted
      expect(collapser.truncates()).toHaveLength(1);
      expect(
        collapser.changes().map((c) => [c.kind, c.key, c.kind === 'upsert' ? c.row.name : null]),
      ).toEqual([['upsert', '["5"]', 'five']]);
    },
  );

  it('without the truncate, the key change leaves the old key deleted and the new key with the updated row', async () => {
    const { vector, events, lookup } = await decodeAll(variant, format);
    const keys = new KeyEncoder([{ name: 'id', type: primitive('int') }]);
    const kafkaKeys = new KafkaKeyDecoder(keyFormat, lookup);
    const collapser = new ChangeCollapser();
    for (const [i, record] of vector.records.slice(0, 9).entries()) {
      const at = { topic: vector.topic, partition: record.partition, offset: BigInt(record.offset) };
      const key = await kafkaKeys.decode(bytes(record.key.base64), at);
      const change = cdcChange(events[i]!, () => key, at, {
        keys,
        keyFromValue: false,
        tombstones: 'delete',
      });
      if (change !== undefined) collapser.add(change);
    }
    expect(collapser.changes().map((c) => [c.kind, c.key, c.kind === 'upsert' ? c.row.name : null])).toEqual([
      ['upsert', '["1"]', 'one'],
      ['delete', '["3"]', null],
      ['upsert', '["4"]', 'three b'],
      ['delete', '["2"]', null],
    ]);
  });
});

describe('Debezium envelope errors', () => {
  const where = { topic: 'cdc', partition: 0, offset: 7n };
  it('refuses an unwrapped row, naming topic, partition and offset', () => {
    const decoder = new DebeziumDecoder('json');
    expect(() => decoder.decodeSync(Buffer.from('{"id":1}'), where)).toThrow(
      'cdc[0]@7: the value is not a Debezium change event (no op field',
    );
    expect(() => decoder.decodeSync(Buffer.from('{"op":"m","source":{}}'), where)).toThrow(
      'cdc[0]@7: Debezium op "m" is not a table change (c, r, u, d, t)',
    );
    expect(() => decoder.decodeSync(Buffer.from('{"op":"c","after":null}'), where)).toThrow(
      'cdc[0]@7: a Debezium c event without an after row',
    );
  });
});
