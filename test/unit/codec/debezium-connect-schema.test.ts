// Kafka Connect JSON schemas -> Iceberg types and payload values, case by case.
import { describe, expect, it } from 'vitest';
import { type ConnectSchema, compileConnectStruct } from '../../../src/codec/debezium-connect-schema.ts';
import { parseJsonExact } from '../../../src/codec/json-number.ts';

const struct = (fields: ConnectSchema[]): ConnectSchema => ({ type: 'struct', fields });

describe('compileConnectStruct', () => {
  it('maps Connect types and logical types as the AvroConverter does, with exact values', () => {
    const compiled = compileConnectStruct(
      struct([
        { field: 'i8', type: 'int8' },
        { field: 'big', type: 'int64' },
        { field: 'f', type: 'float32', optional: true },
        { field: 'ok', type: 'boolean', optional: true },
        {
          field: 'dec',
          type: 'bytes',
          name: 'org.apache.kafka.connect.data.Decimal',
          parameters: { scale: '3' },
        },
        { field: 'day', type: 'int32', name: 'org.apache.kafka.connect.data.Date' },
        { field: 'at', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
        { field: 'tod', type: 'int32', name: 'org.apache.kafka.connect.data.Time', optional: true },
        { field: 'tags', type: 'array', items: { type: 'string' }, optional: true },
        {
          field: 'm',
          type: 'map',
          keys: { type: 'string' },
          values: { type: 'int32', optional: true },
          optional: true,
        },
        { field: 'inner', type: 'struct', fields: [{ field: 'b', type: 'bytes' }], optional: true },
      ]),
    );
    expect(compiled.fields.map((f) => [f.name, f.required, f.type.kind])).toEqual([
      ['i8', true, 'int'],
      ['big', true, 'long'],
      ['f', false, 'float'],
      ['ok', false, 'boolean'],
      ['dec', true, 'decimal'],
      ['day', true, 'date'],
      ['at', true, 'timestamp'],
      ['tod', false, 'time'],
      ['tags', false, 'list'],
      ['m', false, 'map'],
      ['inner', false, 'struct'],
    ]);
    expect(compiled.fields[4]!.type).toEqual({ kind: 'decimal', precision: 38, scale: 3 });
    const ids = JSON.stringify(compiled.fields).match(/"(id|elementId|keyId|valueId)":\d+/g)!;
    expect(new Set(ids.map((id) => id.split(':')[1])).size).toBe(ids.length); // unique ids
    expect(
      compiled.convert({
        i8: -3,
        big: 9007199254740993n,
        f: null,
        ok: true,
        dec: Buffer.from([0xff, 0x85]).toString('base64'), // -123
        day: -1,
        at: 1714564800123,
        tod: 1000,
        tags: ['a', null],
        m: { x: 1, y: null },
        inner: { b: 'AP8=' },
      }),
    ).toEqual({
      i8: -3,
      big: 9007199254740993n,
      f: null,
      ok: true,
      dec: -123n,
      day: -1,
      at: 1714564800123000n,
      tod: 1000000n,
      tags: ['a', null],
      m: new Map([
        ['x', 1],
        ['y', null],
      ]),
      inner: { b: new Uint8Array([0, 255]) },
    });
  });

  it('reads JsonConverter float and double (its names of FLOAT32 / FLOAT64), long numbers as their double', () => {
    // As Debezium 3.6.1's JsonConverter wrote a Postgres double precision column (found by the CDC chain test).
    const text =
      '{"f":{"type":"double","optional":true,"field":"w"},"g":{"type":"float","optional":false,"field":"x"}}';
    const { f, g } = JSON.parse(text) as Record<string, ConnectSchema>;
    const compiled = compileConnectStruct(struct([f!, g!]));
    expect(compiled.fields.map((field) => [field.name, field.required, field.type.kind])).toEqual([
      ['w', false, 'double'],
      ['x', true, 'float'],
    ]);
    const payload = parseJsonExact('{"w":-123456.78901234567,"x":1.5}');
    expect(compiled.convert(payload)).toEqual({ w: -123456.78901234567, x: 1.5 });
    expect(compiled.convert(parseJsonExact('{"w":12345678901234567890,"x":0}'))).toEqual({
      w: Number('12345678901234567890'),
      x: 0,
    });
    expect(() => compiled.convert({ w: 'NaN', x: 1 })).toThrow('w must be a number, got string');
  });

  it('refuses a null required field and a mistyped value, naming the field', () => {
    const compiled = compileConnectStruct(
      struct([
        { field: 'id', type: 'int32' },
        { field: 's', type: 'struct', fields: [{ field: 'n', type: 'int64' }] },
      ]),
    );
    expect(() => compiled.convert({ id: null, s: { n: 1 } })).toThrow('id is required but null');
    expect(() => compiled.convert({ id: 1, s: { n: 'x' } })).toThrow('s.n must be an integer, got "x"');
    expect(() => compileConnectStruct({ type: 'string' })).toThrow(
      'the Connect schema is a string, not a struct',
    );
  });
});
