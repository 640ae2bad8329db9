import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { RecordError } from '../../../src/errors.ts';
import type { Schema } from '../../../src/iceberg/types.ts';
import { decimal, fixed, primitive, typeToString } from '../../../src/iceberg/types.ts';
import { decimalBytes, InMemorySchemas, where, wireRecord } from './avro-fixtures.ts';

async function decode(schema: unknown, value: unknown) {
  const decoder = createValueDecoder('avro', { registry: new InMemorySchemas().addAvro(1, schema) });
  return decoder.decode(wireRecord(1, schema, value), where);
}

const record = (fields: unknown[]) => ({ type: 'record', name: 'Row', namespace: 'test', fields });
const describeSchema = (schema: Schema) => typeToString({ kind: 'struct', fields: schema.fields });

describe('Avro primitives', () => {
  it('maps and decodes every primitive type', async () => {
    const schema = record([
      { name: 'b', type: 'boolean' },
      { name: 'i', type: 'int' },
      { name: 'l', type: 'long' },
      { name: 'f', type: 'float' },
      { name: 'd', type: 'double' },
      { name: 's', type: 'string' },
      { name: 'y', type: 'bytes' },
      { name: 'x', type: { type: 'fixed', name: 'Four', size: 4 } },
      { name: 'e', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
    ]);
    const { row, schema: mapped } = await decode(schema, {
      b: true,
      i: -123456,
      l: -(2n ** 63n),
      f: 1.5,
      d: -2.25e300,
      s: 'grüße, 世界',
      y: Buffer.from([1, 2, 3]),
      x: Buffer.from([9, 8, 7, 6]),
      e: 'GREEN',
    });
    expect(row).toEqual({
      b: true,
      i: -123456,
      l: -(2n ** 63n),
      f: 1.5,
      d: -2.25e300,
      s: 'grüße, 世界',
      y: new Uint8Array([1, 2, 3]),
      x: new Uint8Array([9, 8, 7, 6]),
      e: 'GREEN',
    });
    expect(mapped.fields.map((f) => [f.id, f.name, f.required, f.type])).toEqual([
      [1, 'b', true, primitive('boolean')],
      [2, 'i', true, primitive('int')],
      [3, 'l', true, primitive('long')],
      [4, 'f', true, primitive('float')],
      [5, 'd', true, primitive('double')],
      [6, 's', true, primitive('string')],
      [7, 'y', true, primitive('binary')],
      [8, 'x', true, fixed(4)],
      [9, 'e', true, primitive('string')],
    ]);
  });

  it('decodes longs exactly across the varint lengths', async () => {
    const schema = record([{ name: 'l', type: 'long' }]);
    for (const value of [
      0n,
      1n,
      -1n,
      2n ** 48n - 1n,
      2n ** 48n,
      -(2n ** 49n),
      2n ** 53n + 1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
    ]) {
      expect((await decode(schema, { l: value })).row.l).toBe(value);
    }
  });

  it('decodes long strings and long arrays (multi-byte lengths and counts)', async () => {
    const schema = record([
      { name: 's', type: 'string' },
      { name: 'xs', type: { type: 'array', items: 'int' } },
    ]);
    const s = `${'ascii '.repeat(40)}ünïcödé ${'x'.repeat(20_000)}`;
    const xs = Array.from({ length: 300 }, (_, i) => i - 150);
    expect((await decode(schema, { s, xs })).row).toEqual({ s, xs });
  });

  it('keeps bytes values as copies, not views of the Kafka buffer', async () => {
    const { row } = await decode(record([{ name: 'y', type: 'bytes' }]), { y: Buffer.from([5]) });
    expect((row.y as Uint8Array).buffer.byteLength).toBe(1);
  });
});

describe('Avro nested types', () => {
  it('maps nested records, arrays of records and maps with depth-first ids', async () => {
    const address = {
      type: 'record',
      name: 'Address',
      fields: [
        { name: 'city', type: 'string' },
        { name: 'zip', type: ['null', 'string'] },
      ],
    };
    const schema = record([
      { name: 'id', type: 'long' },
      { name: 'home', type: address },
      { name: 'others', type: { type: 'array', items: 'Address' } },
      { name: 'tags', type: { type: 'map', values: ['null', 'long'] } },
      { name: 'matrix', type: { type: 'array', items: { type: 'array', items: 'int' } } },
    ]);
    const { row, schema: mapped } = await decode(schema, {
      id: 7n,
      home: { city: 'Lyon', zip: { string: '69001' } },
      others: [
        { city: 'Nice', zip: null },
        { city: 'Pau', zip: { string: '64000' } },
      ],
      tags: { a: { long: 1n }, b: null },
      matrix: [[1, 2], [], [3]],
    });
    expect(row).toEqual({
      id: 7n,
      home: { city: 'Lyon', zip: '69001' },
      others: [
        { city: 'Nice', zip: null },
        { city: 'Pau', zip: '64000' },
      ],
      tags: new Map<string, unknown>([
        ['a', 1n],
        ['b', null],
      ]),
      matrix: [[1, 2], [], [3]],
    });
    expect(describeSchema(mapped)).toBe(
      'struct<1: id: required long, 2: home: required struct<3: city: required string, 4: zip: optional string>, ' +
        '5: others: required list<struct<7: city: required string, 8: zip: optional string>>, ' +
        '9: tags: required map<string, long>, 12: matrix: required list<list<int>>>',
    );
    const tags = mapped.fields[3]!.type;
    expect(tags).toMatchObject({ kind: 'map', keyId: 10, valueId: 11, valueRequired: false });
    expect(mapped.fields[2]!.type).toMatchObject({ kind: 'list', elementId: 6, elementRequired: true });
  });

  it('reads blocks with negative counts (block size in bytes follows)', async () => {
    const schema = record([{ name: 'xs', type: { type: 'array', items: 'int' } }]);
    // header, count -2 (zigzag 3), byte size 2 (zigzag 4), items 1, 2, then count 1, item 3, end
    const payload = Buffer.from([0, 0, 0, 0, 1, 3, 4, 2, 4, 2, 6, 0]);
    const decoder = createValueDecoder('avro', { registry: new InMemorySchemas().addAvro(1, schema) });
    expect((await decoder.decode(payload, where)).row).toEqual({ xs: [1, 2, 3] });
  });
});

describe('Avro unions', () => {
  it('maps ["null", T] in either order to an optional T', async () => {
    const schema = record([
      { name: 'a', type: ['null', 'string'] },
      { name: 'b', type: ['int', 'null'] },
      { name: 'c', type: ['double'] },
    ]);
    const { row, schema: mapped } = await decode(schema, { a: null, b: { int: 4 }, c: { double: 0.5 } });
    expect(row).toEqual({ a: null, b: 4, c: 0.5 });
    expect(mapped.fields.map((f) => f.required)).toEqual([false, false, true]);
  });

  it('maps other unions to struct { tag, field0.. } with one branch set', async () => {
    const point = { type: 'record', name: 'Point', fields: [{ name: 'x', type: 'int' }] };
    const schema = record([
      { name: 'u', type: ['null', 'string', point, 'long'] },
      { name: 'v', type: ['int', 'string'] },
    ]);
    const decoder = createValueDecoder('avro', { registry: new InMemorySchemas().addAvro(1, schema) });
    const rows = await Promise.all(
      [
        { u: { string: 'hi' }, v: { int: 1 } },
        { u: { 'test.Point': { x: 3 } }, v: { string: 's' } },
        { u: { long: 2n ** 60n }, v: { int: 2 } },
        { u: null, v: { int: 3 } },
      ].map(async (value) => (await decoder.decode(wireRecord(1, schema, value), where)).row),
    );
    expect(rows).toEqual([
      { u: { tag: 0, field0: 'hi', field1: null, field2: null }, v: { tag: 0, field0: 1, field1: null } },
      {
        u: { tag: 1, field0: null, field1: { x: 3 }, field2: null },
        v: { tag: 1, field0: null, field1: 's' },
      },
      {
        u: { tag: 2, field0: null, field1: null, field2: 2n ** 60n },
        v: { tag: 0, field0: 2, field1: null },
      },
      { u: null, v: { tag: 0, field0: 3, field1: null } },
    ]);
    const mapped = (await decoder.decode(wireRecord(1, schema, { u: null, v: { int: 1 } }), where)).schema;
    expect(describeSchema(mapped)).toBe(
      'struct<1: u: optional struct<2: tag: required int, 3: field0: optional string, ' +
        '4: field1: optional struct<5: x: required int>, 6: field2: optional long>, ' +
        '7: v: required struct<8: tag: required int, 9: field0: optional int, 10: field1: optional string>>',
    );
  });
});

describe('Avro logical types', () => {
  const schema = record([
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'tmillis', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'tmicros', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'tsms', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsus', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'tsns', type: { type: 'long', logicalType: 'timestamp-nanos' } },
    { name: 'ltsms', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
    { name: 'ltsus', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'icebergLocal', type: { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false } },
    { name: 'decB', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    {
      name: 'decF',
      type: { type: 'fixed', name: 'D16', size: 16, logicalType: 'decimal', precision: 38, scale: 10 },
    },
    { name: 'uuidS', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'uuidF', type: { type: 'fixed', name: 'U16', size: 16, logicalType: 'uuid' } },
    { name: 'badDecimal', type: { type: 'bytes', logicalType: 'decimal', precision: 2, scale: 5 } },
    { name: 'unknown', type: { type: 'string', logicalType: 'iso-country' } },
  ]);
  const value = {
    day: -1,
    tmillis: 45_296_789,
    tmicros: 45_296_789_123n,
    tsms: 1_704_067_200_123n,
    tsus: -1n,
    tsns: 1_704_067_200_123_456_789n,
    ltsms: 5n,
    ltsus: 6n,
    icebergLocal: 7n,
    decB: decimalBytes(-12345n),
    decF: decimalBytes(-(10n ** 37n) - 1n, 16),
    uuidS: 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6',
    uuidF: Buffer.from('f81d4fae7dec11d0a76500a0c91e6bf6', 'hex'),
    badDecimal: Buffer.from([1]),
    unknown: 'FR',
  };

  it('maps logical types to Iceberg types, invalid or unknown ones to the underlying type', async () => {
    const { schema: mapped } = await decode(schema, value);
    expect(mapped.fields.map((f) => f.type)).toEqual([
      primitive('date'),
      primitive('time'),
      primitive('time'),
      primitive('timestamptz'),
      primitive('timestamptz'),
      primitive('timestamptz_ns'),
      primitive('timestamp'),
      primitive('timestamp'),
      primitive('timestamp'),
      decimal(9, 2),
      decimal(38, 10),
      primitive('uuid'),
      primitive('uuid'),
      primitive('binary'),
      primitive('string'),
    ]);
  });

  it('converts raw values to the Iceberg representation (no Date objects)', async () => {
    const { row } = await decode(schema, value);
    expect(row).toEqual({
      day: -1,
      tmillis: 45_296_789_000n,
      tmicros: 45_296_789_123n,
      tsms: 1_704_067_200_123_000n,
      tsus: -1n,
      tsns: 1_704_067_200_123_456_789n,
      ltsms: 5000n,
      ltsus: 6n,
      icebergLocal: 7n,
      decB: -12345n,
      decF: -(10n ** 37n) - 1n,
      uuidS: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      uuidF: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      badDecimal: new Uint8Array([1]),
      unknown: 'FR',
    });
  });

  it('converts millis beyond the double-exact range exactly', async () => {
    const s = record([{ name: 't', type: { type: 'long', logicalType: 'timestamp-millis' } }]);
    expect((await decode(s, { t: 2n ** 62n })).row.t).toBe(2n ** 62n * 1000n);
  });

  it('rejects a decimal beyond Iceberg precision 38', async () => {
    const s = record([
      { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 40, scale: 0 } },
    ]);
    await expect(decode(s, { d: Buffer.from([1]) })).rejects.toThrow(
      /exceeds Iceberg's maximum precision 38/,
    );
  });
});

describe('Avro errors', () => {
  const schema = record([
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
  ]);

  const failure = async (payload: Buffer, s: unknown = schema) => {
    const decoder = createValueDecoder('avro', { registry: new InMemorySchemas().addAvro(1, s) });
    return decoder.decode(payload, where).then(
      () => expect.fail('decoded'),
      (error: unknown) => error as RecordError,
    );
  };

  it('reports a truncated payload with the record coordinates', async () => {
    const full = wireRecord(1, schema, { id: 1n, name: 'hello' });
    const error = await failure(full.subarray(0, full.length - 2));
    expect(error).toBeInstanceOf(RecordError);
    expect(error.message).toBe('orders[3]@1234: Avro payload is truncated');
    expect(error.context).toEqual({ topic: 'orders', partition: 3, offset: '1234', reason: 'malformed' });
  });

  it('reports trailing bytes, bad union branches and bad enum indexes', async () => {
    const full = wireRecord(1, schema, { id: 1n, name: 'x' });
    expect((await failure(Buffer.concat([full, Buffer.from([0])]))).message).toMatch(
      /1 bytes left over after the Avro record/,
    );
    const union = record([{ name: 'u', type: ['null', 'string'] }]);
    expect((await failure(Buffer.from([0, 0, 0, 0, 1, 8]), union)).message).toMatch(
      /u: union branch 4 does not exist/,
    );
    const enumSchema = record([{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A'] } }]);
    expect((await failure(Buffer.from([0, 0, 0, 0, 1, 2]), enumSchema)).message).toMatch(
      /e: enum index 1 is out of range/,
    );
  });

  it('rejects a uuid string that is not a UUID', async () => {
    const uuid = record([{ name: 'u', type: { type: 'string', logicalType: 'uuid' } }]);
    const payload = wireRecord(1, uuid, { u: 'f81d4fae-7dec-11d0-a765-00a0c91e6bfZ' });
    expect((await failure(payload, uuid)).message).toBe(
      'orders[3]@1234: u: "f81d4fae-7dec-11d0-a765-00a0c91e6bfZ" is not a UUID',
    );
  });

  it('rejects an absurd array block count before allocating', async () => {
    const arrays = record([{ name: 'xs', type: { type: 'array', items: 'long' } }]);
    const error = await failure(Buffer.from([0, 0, 0, 0, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f]), arrays);
    expect(error.message).toMatch(/truncated/);
  });

  it('rejects schemas with no Iceberg equivalent', async () => {
    const recursive = { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] };
    const error = await failure(Buffer.from([0, 0, 0, 0, 1, 0]), recursive);
    expect(error.message).toMatch(/^orders\[3\]@1234: schema id 1: recursive Avro record Node at next/);
    expect(error.context.reason).toBe('incompatible');
  });
});
