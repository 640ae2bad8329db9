// Records of a keyed connector -> changes: the key from key.fields or the Kafka
// key, null values deleting in upsert mode, tombstones per cdc.tombstones,
// order.by values, and record errors naming topic, partition and offset.
import { describe, expect, it } from 'vitest';
import type { DebeziumEvent } from '../../../../src/codec/debezium-envelope.ts';
import { RecordError } from '../../../../src/errors.ts';
import { primitive, type Schema } from '../../../../src/iceberg/types.ts';
import { KeyEncoder } from '../../../../src/worker/upsert/change-key.ts';
import { KafkaKeyDecoder } from '../../../../src/worker/upsert/kafka-key-decoder.ts';
import { type ChangeRules, cdcChange, upsertChange } from '../../../../src/worker/upsert/record-change.ts';

const at = { topic: 'orders', partition: 2, offset: 41n };
const keys = new KeyEncoder([{ name: 'id', type: primitive('long') }]);
const fromValue: ChangeRules = { keys, keyFromValue: true, tombstones: 'ignore' };
const fromKafka: ChangeRules = { keys, keyFromValue: false, tombstones: 'ignore' };
const schema: Schema = { schemaId: 0, identifierFieldIds: [], fields: [] };
const noKey = () => null;

describe('upsertChange', () => {
  it('upserts the row under the key of key.fields, or of the Kafka key', () => {
    expect(upsertChange({ id: 5n, v: 'a' }, noKey, at, fromValue)).toEqual({
      kind: 'upsert',
      key: '["5"]',
      row: { id: 5n, v: 'a' },
      order: undefined,
      location: at,
    });
    expect(upsertChange({ v: 'a' }, () => ({ id: 5 }), at, fromKafka)).toMatchObject({
      kind: 'upsert',
      key: '["5"]',
    });
  });

  it('deletes the Kafka key on a null value', () => {
    expect(upsertChange(null, () => 5n, at, fromKafka)).toEqual({
      kind: 'delete',
      key: '["5"]',
      location: at,
    });
  });

  it('reads the order.by value and refuses a value without it', () => {
    const rules = { ...fromValue, orderBy: 'version' };
    expect(upsertChange({ id: 1n, version: 7n }, noKey, at, rules)).toMatchObject({ order: 7n });
    expect(() => upsertChange({ id: 1n }, noKey, at, rules)).toThrow(
      'orders[2]@41: the value has no order.by column version',
    );
    expect(() => upsertChange({ id: 1n, version: null }, noKey, at, rules)).toThrow(
      'order.by column version is null',
    );
  });

  it('turns key problems into record errors with the coordinates', () => {
    let error: unknown;
    try {
      upsertChange({ v: 1 }, noKey, at, fromKafka);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).message).toBe(
      'orders[2]@41: the record has no Kafka key and its key cannot be read from the value',
    );
    expect((error as RecordError).context).toMatchObject({
      topic: 'orders',
      partition: 2,
      offset: '41',
      reason: 'key',
    });
    expect(() => upsertChange({ id: null }, noKey, at, fromValue)).toThrow(
      'orders[2]@41: key column id is null',
    );
  });
});

describe('cdcChange', () => {
  const deleted: DebeziumEvent = { kind: 'delete', row: { id: 9, name: '' }, schema, source: null };
  it('keys a delete by its before row, or by the Kafka key', () => {
    expect(cdcChange(deleted, noKey, at, fromValue)).toEqual({ kind: 'delete', key: '["9"]', location: at });
    expect(cdcChange(deleted, () => ({ id: 9 }), at, fromKafka)).toEqual({
      kind: 'delete',
      key: '["9"]',
      location: at,
    });
    expect(cdcChange(deleted, noKey, at, fromKafka)).toEqual({ kind: 'delete', key: '["9"]', location: at });
  });

  it('ignores tombstones or deletes their key, per cdc.tombstones', () => {
    const tombstone: DebeziumEvent = { kind: 'tombstone' };
    expect(cdcChange(tombstone, () => ({ id: 9 }), at, fromKafka)).toBeUndefined();
    expect(cdcChange(tombstone, () => ({ id: 9 }), at, { ...fromKafka, tombstones: 'delete' })).toEqual({
      kind: 'delete',
      key: '["9"]',
      location: at,
    });
  });

  it('passes a truncate on', () => {
    expect(cdcChange({ kind: 'truncate', source: null }, noKey, at, fromKafka)).toEqual({
      kind: 'truncate',
      location: at,
    });
  });
});

describe('KafkaKeyDecoder', () => {
  const where = { topic: 't', partition: 0, offset: 1n };
  it('reads string keys whole, JSON keys as objects or primitives, unwrapping the Connect envelope', async () => {
    expect(new KafkaKeyDecoder('string').decodeSync(Buffer.from('k-1'), where)).toBe('k-1');
    const json = new KafkaKeyDecoder('json');
    expect(json.decodeSync(Buffer.from('{"id":9007199254740993}'), where)).toEqual({ id: 9007199254740993n });
    expect(json.decodeSync(Buffer.from('42'), where)).toBe(42);
    expect(json.decodeSync(Buffer.from('{"schema":{"type":"struct"},"payload":{"id":1}}'), where)).toEqual({
      id: 1,
    });
    expect(json.decodeSync(null, where)).toBeNull();
    expect(() => json.decodeSync(Buffer.from('{'), where)).toThrow('t[0]@1: invalid JSON');
  });
});
