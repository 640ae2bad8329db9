// Debezium's own semantic types under its DEFAULT settings (time.precision.mode
// adaptive), from the captured Debezium 3.6.1 records of a Postgres table with
// date, timestamptz, timestamp, timestamp(3), time, time(3), timetz and uuid
// columns: Avro through the registry (the name in `connect.name`) and JSON with
// schemas (the field's "name") give the same Iceberg types and values; JSON
// without schemas is inferred as before. A table written before (carrier
// types) keeps its types; bad values are record errors naming the column.
import { describe, expect, it } from 'vitest';
import { DebeziumDecoder, type DebeziumValueFormat } from '../../../src/codec/debezium-decoder.ts';
import type { DebeziumEvent } from '../../../src/codec/debezium-envelope.ts';
import { semanticType } from '../../../src/codec/debezium-semantic-types.ts';
import { type NestedField, primitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import { decodeVector } from './debezium-vectors.ts';

const TEMPORAL = ['born', 'updated_at', 'ts', 'ts_ms', 't', 't_ms', 'tz', 'uid'] as const;

/** Microseconds since the epoch of a UTC wall-clock time, computed apart from floe's parser. */
const utcMicros = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0, us = 0): bigint =>
  BigInt(Date.UTC(y, mo - 1, d, h, mi, s, ms)) * 1000n + BigInt(us);
const dayMicros = (h: number, mi: number, s: number, us: number): bigint =>
  BigInt(((h * 60 + mi) * 60 + s) * 1_000_000 + us);

function upsertRow(event: DebeziumEvent | undefined): { row: Row; schema: Schema } {
  if (event?.kind !== 'upsert') throw new Error(`expected an upsert, got ${event?.kind}`);
  return event;
}

const types = (schema: Schema) =>
  Object.fromEntries(
    schema.fields
      .filter((f) => (TEMPORAL as readonly string[]).includes(f.name))
      .map((f) => [f.name, f.type]),
  );
const pick = (row: Row) => Object.fromEntries(TEMPORAL.map((name) => [name, row[name]]));

describe.each([
  ['avro', 'avro'],
  ['json-schemas', 'json'],
] as const)('Debezium %s, default time.precision.mode', (variant, format) => {
  it('maps each semantic type by its Connect name', async () => {
    const { events } = await decodeVector(variant, format);
    expect(types(upsertRow(events[0]).schema)).toEqual({
      born: primitive('date'), // io.debezium.time.Date
      updated_at: primitive('timestamptz'), // ZonedTimestamp
      ts: primitive('timestamp'), // MicroTimestamp (timestamp)
      ts_ms: primitive('timestamp'), // Timestamp (timestamp(3))
      t: primitive('time'), // MicroTime (time)
      t_ms: primitive('time'), // Time (time(3))
      tz: primitive('string'), // ZonedTime: Iceberg has no time with a zone
      uid: primitive('uuid'), // io.debezium.data.Uuid
    });
    // before rows (deletes) get the same types, so their keys match
    expect(events[4]?.kind === 'delete' && types(events[4].schema)).toEqual(
      types(upsertRow(events[0]).schema),
    );
  });

  it('converts the values exactly', async () => {
    const { events } = await decodeVector(variant, format);
    // snapshot of id 1: 2024-02-29, '2024-05-01T12:00:00.123456Z', '13:14:15.5+02', an upper-case uuid
    expect(pick(upsertRow(events[0]).row)).toEqual({
      born: 19782,
      updated_at: utcMicros(2024, 5, 1, 12, 0, 0, 123, 456),
      ts: utcMicros(2024, 5, 1, 12, 0, 0, 123, 456),
      ts_ms: utcMicros(2024, 5, 1, 12, 0, 0, 123),
      t: dayMicros(13, 14, 15, 123_456),
      t_ms: dayMicros(13, 14, 15, 123_000),
      tz: '11:14:15.5Z',
      uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    });
    // id 2: every one null
    expect(Object.values(pick(upsertRow(events[1]).row))).toEqual(TEMPORAL.map(() => null));
    // insert of id 3: before the epoch, midnight, the nil uuid
    expect(pick(upsertRow(events[2]).row)).toEqual({
      born: -1,
      updated_at: utcMicros(1960, 1, 1),
      ts: utcMicros(1960, 1, 1, 0, 0, 0, 0, 1),
      ts_ms: utcMicros(1969, 12, 31, 23, 59, 59, 999),
      t: 0n,
      t_ms: 0n,
      tz: '00:00:00Z',
      uid: '00000000-0000-0000-0000-000000000000',
    });
    // the insert after the truncate: the last microsecond of the day
    expect(pick(upsertRow(events[10]).row)).toEqual({
      born: 10957,
      updated_at: utcMicros(2000, 1, 1),
      ts: utcMicros(2000, 1, 1),
      ts_ms: utcMicros(2000, 1, 1),
      t: dayMicros(23, 59, 59, 999_999),
      t_ms: dayMicros(23, 59, 59, 999_000),
      tz: '05:29:59.999999Z',
      uid: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    });
  });

  it('keeps the old (carrier) type of a column a followed table has, converting the others', async () => {
    const field = (id: number, name: string, type: NestedField['type']): NestedField => ({
      id,
      name,
      required: false,
      type,
    });
    const table: Schema = {
      schemaId: 3,
      identifierFieldIds: [],
      fields: [
        field(1, 'born', primitive('int')),
        field(2, 'updated_at', primitive('string')),
        field(3, 'uid', primitive('string')),
        field(4, 'ts', primitive('timestamp')), // already the new type: converted
      ],
    };
    const { events } = await decodeVector(variant, format, (lookup) => {
      const decoder = new DebeziumDecoder(format as DebeziumValueFormat, lookup);
      decoder.followTable(table);
      return decoder;
    });
    const { row, schema } = upsertRow(events[0]);
    expect(types(schema)).toMatchObject({
      born: primitive('int'),
      updated_at: primitive('string'),
      uid: primitive('string'),
      ts: primitive('timestamp'),
      ts_ms: primitive('timestamp'), // not in the table: the new mapping
      t: primitive('time'),
    });
    expect(Number(row.born)).toBe(19782);
    expect(row.updated_at).toBe('2024-05-01T12:00:00.123456Z');
    expect(row.uid).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(row.ts).toBe(utcMicros(2024, 5, 1, 12, 0, 0, 123, 456));
  });
});

it('JSON without schemas is inferred as before (no names to go by)', async () => {
  const { events } = await decodeVector('json', 'json');
  const { row, schema } = upsertRow(events[0]);
  expect(types(schema)).toMatchObject({
    born: primitive('long'),
    updated_at: primitive('timestamptz'), // inference reads ISO-8601 text with a zone
    ts: primitive('long'),
    uid: primitive('string'),
  });
  expect(row.updated_at).toBe(utcMicros(2024, 5, 1, 12, 0, 0, 123, 456));
});

it('a followed table changes the types of records decoded afterwards', async () => {
  const decoder = new DebeziumDecoder('json');
  const where = { topic: 'cdc', partition: 0, offset: 1n };
  const value = envelope('io.debezium.time.Date', 'int32', 19782);
  const before = decoder.decodeSync(value, where);
  decoder.followTable({
    schemaId: 0,
    identifierFieldIds: [],
    fields: [{ id: 1, name: 'v', required: false, type: primitive('int') }],
  });
  const after = decoder.decodeSync(value, where);
  expect(before?.kind === 'upsert' && before.schema.fields[0]?.type).toEqual(primitive('date'));
  expect(after?.kind === 'upsert' && after.schema.fields[0]?.type).toEqual(primitive('int'));
});

/** A JSON-with-schemas Debezium envelope whose after row has one column `v` of Connect schema `name`. */
function envelope(name: string, type: string, value: unknown, op: 'c' | 'd' = 'c'): Buffer {
  const row = { type: 'struct', optional: true, fields: [{ type, optional: true, name, field: 'v' }] };
  const schema = {
    type: 'struct',
    fields: [
      { ...row, field: 'before' },
      { ...row, field: 'after' },
      { type: 'string', optional: false, field: 'op' },
    ],
  };
  const payload =
    op === 'c' ? { before: null, after: { v: value }, op } : { before: { v: value }, after: null, op };
  // bigints as JSON numbers, digit for digit
  const text = JSON.stringify({ schema, payload }, (_, v) => (typeof v === 'bigint' ? `#${v}#` : v));
  return Buffer.from(text.replace(/"#(-?\d+)#"/g, '$1'));
}

describe('semantic types Postgres does not send, edge values and bad values', () => {
  const where = { topic: 'cdc', partition: 2, offset: 9n };
  const decoded = (name: string, type: string, value: unknown) => {
    const event = new DebeziumDecoder('json').decodeSync(envelope(name, type, value), where);
    return event?.kind === 'upsert' ? { type: event.schema.fields[0]?.type, value: event.row.v } : undefined;
  };

  it.each([
    ['io.debezium.time.NanoTimestamp', 'int64', 1_500, 'timestamp', 1n],
    ['io.debezium.time.NanoTimestamp', 'int64', -1, 'timestamp', -1n], // floor: toward the past
    ['io.debezium.time.NanoTimestamp', 'int64', -1_000, 'timestamp', -1n],
    ['io.debezium.time.NanoTime', 'int64', 86_399_999_999_999, 'time', 86_399_999_999n],
    ['io.debezium.time.Timestamp', 'int64', -1, 'timestamp', -1_000n],
    ['io.debezium.time.MicroTimestamp', 'int64', 9_007_199_254_740_993n, 'timestamp', 9_007_199_254_740_993n],
    ['io.debezium.time.ZonedTimestamp', 'string', '2024-05-01T14:30:00.123456789+02:30', 'timestamptz', 0n],
    ['io.debezium.time.ZonedTimestamp', 'string', '1969-12-31T23:59:59.9999995Z', 'timestamptz', -1n],
    [
      'io.debezium.data.Uuid',
      'string',
      'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      'uuid',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    ],
    ['io.debezium.time.ZonedTime', 'string', '11:14:15.5Z', 'string', '11:14:15.5Z'],
    ['io.debezium.data.Json', 'string', '{"a":1}', 'string', '{"a":1}'],
    ['io.debezium.time.Date', 'string', '2024-01-01', 'string', '2024-01-01'], // not Debezium's carrier: left alone
  ] as const)('%s %s %s -> %s', (name, type, value, icebergType, expected) => {
    const result = decoded(name, type, value);
    expect(result?.type).toEqual(primitive(icebergType));
    const want = expected === 0n ? utcMicros(2024, 5, 1, 12, 0, 0, 123, 456) : expected;
    expect(result?.value).toEqual(want);
  });

  it.each([
    [
      'io.debezium.time.ZonedTimestamp',
      'string',
      '2024-13-01T00:00:00Z',
      'after.v: "2024-13-01T00:00:00Z" is not an ISO-8601 timestamp with a zone',
    ],
    [
      'io.debezium.time.ZonedTimestamp',
      'string',
      '2024-05-01T00:00:00',
      'after.v: "2024-05-01T00:00:00" is not an ISO-8601 timestamp with a zone',
    ],
    ['io.debezium.time.ZonedTimestamp', 'string', 'infinity', 'after.v: "infinity" is not an ISO-8601'],
    [
      'io.debezium.time.MicroTime',
      'int64',
      86_400_000_000,
      'after.v: 86400000000 microseconds is not a time of day',
    ],
    ['io.debezium.time.Time', 'int32', -1, 'after.v: -1000 microseconds is not a time of day'],
    ['io.debezium.data.Uuid', 'string', 'not-a-uuid', 'after.v: "not-a-uuid" is not a UUID'],
    ['io.debezium.time.MicroTimestamp', 'int64', 1.5, 'after.v must be an integer'],
  ] as const)('%s %s %s is a record error naming the column', (name, type, value, message) => {
    expect(() => decoded(name, type, value)).toThrow(`cdc[2]@9: ${message}`);
  });

  it("converts a delete's before row too (its key must match the after rows')", () => {
    const event = new DebeziumDecoder('json').decodeSync(
      envelope('io.debezium.data.Uuid', 'string', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'd'),
      where,
    );
    expect(event?.kind === 'delete' && event.row?.v).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect(event?.kind === 'delete' && event.schema.fields[0]?.type).toEqual(primitive('uuid'));
  });

  it('maps only the names it knows, on their carriers', () => {
    expect(semanticType('io.debezium.time.Date', primitive('int'))?.type).toBe('date');
    expect(semanticType('io.debezium.time.Date', primitive('long'))).toBeUndefined();
    expect(semanticType('io.debezium.data.Bits', primitive('binary'))).toBeUndefined();
    expect(semanticType(undefined, primitive('string'))).toBeUndefined();
  });
});
