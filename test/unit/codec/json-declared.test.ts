import { describe, expect, it } from 'vitest';
import { compileJsonConverter } from '../../../src/codec/json-value-converter.ts';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { RecordError } from '../../../src/errors.ts';
import { decimal, fixed, type NestedField, primitive, type Schema } from '../../../src/iceberg/types.ts';
import { where } from './avro-fixtures.ts';

const field = (id: number, name: string, type: NestedField['type'], required = false): NestedField => ({
  id,
  name,
  required,
  type,
});

const declared: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    field(1, 'id', primitive('long'), true),
    field(2, 'qty', primitive('int')),
    field(3, 'price', decimal(10, 2)),
    field(4, 'ratio', primitive('double')),
    field(5, 'day', primitive('date')),
    field(6, 'at', primitive('timestamptz')),
    field(7, 'local', primitive('timestamp')),
    field(8, 'clock', primitive('time')),
    field(9, 'uid', primitive('uuid')),
    field(10, 'raw', primitive('binary')),
    field(11, 'code', fixed(2)),
    field(12, 'tags', { kind: 'list', elementId: 13, elementRequired: true, element: primitive('string') }),
    field(14, 'attrs', {
      kind: 'map',
      keyId: 15,
      key: primitive('string'),
      valueId: 16,
      valueRequired: false,
      value: primitive('long'),
    }),
    field(17, 'nested', { kind: 'struct', fields: [field(18, 'ok', primitive('boolean'), true)] }),
    field(19, 'ns', primitive('timestamptz_ns')),
  ],
};

describe('JSON with a declared schema', () => {
  const convert = compileJsonConverter(declared);

  it('converts every type to the Iceberg value representation', () => {
    const row = convert({
      id: 1,
      qty: 2,
      price: 12.3,
      ratio: 1,
      day: '2024-02-29',
      at: '2024-01-01T01:00:00.123456+01:00',
      local: 1_704_067_200_123,
      clock: '13:14:15.5',
      uid: 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6',
      raw: 'AQID',
      code: 'AAE=',
      tags: ['a'],
      attrs: { a: 1, b: null },
      nested: { ok: true, ignored: 1 },
      ns: '1970-01-01T00:00:00.000000001Z',
      unknown: 'dropped',
    });
    expect(row).toEqual({
      id: 1n,
      qty: 2,
      price: 1230n,
      ratio: 1,
      day: 19_782,
      at: 1_704_067_200_123_456n,
      local: 1_704_067_200_123_000n,
      clock: 47_655_500_000n,
      uid: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      raw: new Uint8Array([1, 2, 3]),
      code: new Uint8Array([0, 1]),
      tags: ['a'],
      attrs: new Map([
        ['a', 1n],
        ['b', null],
      ]),
      nested: { ok: true },
      ns: 1n,
    });
  });

  it('takes decimals exactly from the JSON text', async () => {
    const schema: Schema = { schemaId: 0, identifierFieldIds: [], fields: [field(1, 'd', decimal(38, 18))] };
    const decoder = createValueDecoder('json', { schema });
    const { row } = await decoder.decode(
      Buffer.from('{"d": 12345678901234567890.123456789012345678}'),
      where,
    );
    expect(row.d).toBe(12345678901234567890123456789012345678n);
    expect((await decoder.decode(Buffer.from('{"d": "1e-18"}'), where)).row.d).toBe(1n);
  });

  it.each([
    [{ qty: 1 }, 'id: required field is missing or null', 'incompatible'],
    [{ id: 'one' }, 'id: expected an integer, got "one"', 'incompatible'],
    [{ id: 1.5 }, 'id: expected an integer, got 1.5', 'incompatible'],
    [{ id: 1, qty: 2 ** 31 }, 'qty: 2147483648 is out of range for int', 'out-of-range'],
    [{ id: 1, price: 1.234 }, 'price: 1.234 has more than 2 decimal places', 'out-of-range'],
    [{ id: 1, price: 123456789 }, 'price: 123456789 does not fit decimal(10,2)', 'out-of-range'],
    [{ id: 1, price: 'abc' }, 'price: "abc" is not a decimal number', 'incompatible'],
    [{ id: 1, day: '2023-02-29' }, 'day: expected a date "YYYY-MM-DD", got "2023-02-29"', 'incompatible'],
    [
      { id: 1, at: 'yesterday' },
      'at: expected an ISO-8601 timestamp or epoch milliseconds, got "yesterday"',
      'incompatible',
    ],
    [{ id: 1, uid: 'nope' }, 'uid: expected a UUID, got "nope"', 'incompatible'],
    [{ id: 1, code: 'AQID' }, 'code: 3 bytes where fixed[2] needs 2', 'incompatible'],
    [{ id: 1, tags: [null] }, 'tags.element: required field is missing or null', 'incompatible'],
    [{ id: 1, nested: {} }, 'nested.ok: required field is missing or null', 'incompatible'],
    [{ id: 1, nested: [] }, 'nested: expected an object, got an array', 'incompatible'],
    [{ id: 1, ns: '2024-01-01T00:00:00.0000000001Z' }, 'ns: expected an ISO-8601', 'incompatible'],
  ])('rejects %j: %s', async (value, message, reason) => {
    const decoder = createValueDecoder('json', { schema: declared });
    const error = await decoder.decode(Buffer.from(JSON.stringify(value)), where).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).message).toContain(`orders[3]@1234: ${message}`);
    expect((error as RecordError).context.reason).toBe(reason);
  });

  it('returns the declared schema object itself', async () => {
    const decoder = createValueDecoder('json', { schema: declared });
    expect((await decoder.decode(Buffer.from('{"id": 1}'), where)).schema).toBe(declared);
  });
});
