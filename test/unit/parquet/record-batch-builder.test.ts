import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { decimal, type IcebergType, primitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import { RecordBatchBuilder } from '../../../src/parquet/record-batch-builder.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA } from './all-types-fixture.ts';

function schemaOf(...types: Array<[string, IcebergType, boolean?]>): Schema {
  return {
    schemaId: 0,
    identifierFieldIds: [],
    fields: types.map(([name, type, required], i) => ({
      id: i + 1,
      name,
      type,
      required: required ?? false,
    })),
  };
}

function statsFor(schema: Schema, rows: Row[]) {
  const builder = new RecordBatchBuilder(schema);
  for (const row of rows) builder.append(row);
  return builder.columnStats();
}

describe('RecordBatchBuilder statistics', () => {
  const stats = statsFor(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS);

  it('counts values and nulls per leaf, absent keys as nulls', () => {
    expect(stats.get(1)).toEqual({ valueCount: 4, nullCount: 0, min: 1n, max: 4n });
    expect(stats.get(2)).toEqual({ valueCount: 4, nullCount: 2, min: false, max: true });
    expect(stats.get(3)).toEqual({ valueCount: 4, nullCount: 2, min: -2147483648, max: 2147483647 });
    expect(stats.get(4)).toMatchObject({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    expect(stats.get(10)).toMatchObject({ nullCount: 2, min: -1, max: 19723 });
    expect(stats.get(13)).toMatchObject({ min: -1n, max: 1704067200000000n });
  });

  it('counts NaN apart from bounds, and orders -0 below +0', () => {
    // float: 1.5, NaN, null, +Infinity
    expect(stats.get(5)).toEqual({
      valueCount: 4,
      nullCount: 1,
      nanCount: 1,
      min: 1.5,
      max: Number.POSITIVE_INFINITY,
    });
    // double: pi, -0, null, NaN
    const d = stats.get(6);
    expect(d).toMatchObject({ valueCount: 4, nullCount: 1, nanCount: 1, max: Math.PI });
    expect(Object.is(d?.min, -0)).toBe(true);
    const zeros = statsFor(schemaOf(['z', primitive('double')]), [{ z: 0 }, { z: -0 }, { z: 0 }]).get(1);
    expect(Object.is(zeros?.min, -0) && Object.is(zeros?.max, 0)).toBe(true);
  });

  it('keeps an all-NaN column without bounds', () => {
    const s = statsFor(schemaOf(['x', primitive('float')]), [{ x: Number.NaN }, { x: null }]).get(1);
    expect(s).toEqual({ valueCount: 2, nullCount: 1, nanCount: 1 });
  });

  it('bounds decimals by unscaled value across the full 128-bit range', () => {
    expect(stats.get(7)).toMatchObject({ min: -9999999n, max: 12345n });
    expect(stats.get(9)).toMatchObject({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n });
  });

  it('orders strings by code point, not UTF-16 unit', () => {
    expect(stats.get(16)).toMatchObject({ min: '', max: 'ünïcødé 😀' });
    // U+FF61 is one UTF-16 unit above the surrogate pair of U+1F600, but below it as a code point.
    const s = statsFor(schemaOf(['s', primitive('string')]), [{ s: '\uff61' }, { s: '😀' }, { s: 'a' }]).get(
      1,
    );
    expect(s).toMatchObject({ min: 'a', max: '😀' });
  });

  it('bounds uuids as lower-case strings and binaries as unsigned bytes', () => {
    expect(stats.get(17)).toMatchObject({
      min: '00000000-0000-0000-0000-000000000000',
      max: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    });
    expect(stats.get(18)).toMatchObject({
      min: Uint8Array.from([0, 1, 2, 255]),
      max: Uint8Array.from([255, 255, 255, 255]),
    });
    expect(stats.get(19)).toMatchObject({ min: new Uint8Array(0), max: Uint8Array.from([0, 255, 16]) });
  });

  it('copies binary bounds so later changes to the input do not move them', () => {
    const value = Uint8Array.from([5]);
    const builder = new RecordBatchBuilder(schemaOf(['b', primitive('binary')]));
    builder.append({ b: value });
    value[0] = 9;
    expect(builder.columnStats().get(1)).toMatchObject({
      min: Uint8Array.from([5]),
      max: Uint8Array.from([5]),
    });
  });

  it('counts nested leaves like Parquet levels: null parents and empty lists/maps count as null slots', () => {
    // st.a: 1, 2, (st null), 3
    expect(stats.get(21)).toEqual({ valueCount: 4, nullCount: 1, min: 1, max: 3 });
    // st.inner.x: 2.5, (inner null), (st null), null
    expect(stats.get(24)).toEqual({ valueCount: 4, nullCount: 3, nanCount: 0, min: 2.5, max: 2.5 });
    // ls.element: [1, null, 3], [], null, [null]
    expect(stats.get(26)).toEqual({ valueCount: 6, nullCount: 4, min: 1n, max: 3n });
    // mp key/value: {k1: {q: 1}, k2: null}, {}, null, absent
    expect(stats.get(28)).toEqual({ valueCount: 5, nullCount: 3, min: 'k1', max: 'k2' });
    expect(stats.get(30)).toEqual({ valueCount: 5, nullCount: 4, min: 1, max: 1 });
    // ll.element.element: [[a, b], []], [], null, [[c]]
    expect(stats.get(33)).toEqual({ valueCount: 6, nullCount: 3, min: 'a', max: 'c' });
    // Containers themselves carry no statistics.
    for (const id of [20, 23, 25, 27, 29, 31, 32]) expect(stats.has(id)).toBe(false);
  });

  it('bounds typed fast-path values with row values; a rolled-back row leaves none, even under a later null', () => {
    const schema = schemaOf(['l', primitive('long')], ['i', primitive('int')], ['d', primitive('double')]);
    const builder = new RecordBatchBuilder(schema);
    type Fast = { appendLong(n: number): void; appendInt(n: number): void; appendDouble(n: number): void };
    const fill =
      (l: number, i: number, d: number, fail = false) =>
      (columns: readonly unknown[]) => {
        const [cl, ci, cd] = columns as Fast[];
        cl!.appendLong(l);
        ci!.appendInt(i);
        cd!.appendDouble(d);
        if (fail) throw new Error('fails after every column');
      };
    builder.append({ l: 5n, i: 1, d: 1.5 });
    expect(() => builder.appendWith(fill(-(2 ** 52), -7, -0, true))).toThrow(/fails/);
    builder.append({ l: null, i: null, d: null });
    builder.appendWith(fill(-(2 ** 40) - 3, 3, Number.NaN));
    builder.append({ l: 2n ** 62n, i: 2, d: 0.5 });
    const stats = builder.columnStats();
    expect(stats.get(1)).toEqual({ valueCount: 4, nullCount: 1, min: -(2n ** 40n) - 3n, max: 2n ** 62n });
    expect(stats.get(2)).toEqual({ valueCount: 4, nullCount: 1, min: 1, max: 3 });
    expect(stats.get(3)).toEqual({ valueCount: 4, nullCount: 1, nanCount: 1, min: 0.5, max: 1.5 });
  });

  it('reports row count and a growing byte estimate', () => {
    const builder = new RecordBatchBuilder(ALL_TYPES_SCHEMA);
    expect(builder.rowCount).toBe(0);
    builder.append(ALL_TYPES_ROWS[0] as Row);
    const one = builder.estimatedBytes;
    builder.append(ALL_TYPES_ROWS[0] as Row);
    expect(builder.rowCount).toBe(2);
    expect(builder.estimatedBytes).toBeGreaterThan(one);
    expect(one).toBeGreaterThan(100);
  });
});

describe('RecordBatchBuilder Arrow output', () => {
  it('produces a table whose values read back through Arrow JS', () => {
    const builder = new RecordBatchBuilder(ALL_TYPES_SCHEMA);
    for (const row of ALL_TYPES_ROWS) builder.append(row);
    const table = builder.finish();
    expect(table.numRows).toBe(4);
    expect(table.getChild('id')?.toArray()).toEqual(BigInt64Array.from([1n, 2n, 3n, 4n]));
    expect(table.getChild('s')?.toArray()).toEqual(['hello', 'ünïcødé 😀', null, '']);
    expect(table.getChild('i')?.get(2)).toBeNull();
    expect(table.getChild('u')?.get(0)).toEqual(
      Uint8Array.from(Buffer.from('f79c3e09677c4bbda4793f349cb785e7', 'hex')),
    );
    expect([...(table.getChild('ls')?.get(0) ?? [])]).toEqual([1n, null, 3n]);
    expect(table.getChild('st')?.get(2)).toBeNull();
    expect(table.getChild('st')?.get(0)?.toJSON()).toMatchObject({ a: 1, b: 'x' });
  });

  it('refuses rows after finish', () => {
    const builder = new RecordBatchBuilder(schemaOf(['x', primitive('int')]));
    builder.finish();
    expect(() => builder.append({ x: 1 })).toThrow(/after finish/);
  });
});

describe('RecordBatchBuilder validation', () => {
  const cases: Array<[string, IcebergType, unknown, RegExp]> = [
    ['int overflow', primitive('int'), 2 ** 31, /'x' expects a 32-bit integer/],
    ['int fraction', primitive('int'), 1.5, /32-bit integer/],
    ['long as string', primitive('long'), '1', /'x' expects a bigint/],
    ['long overflow', primitive('long'), 2n ** 63n, /64-bit integer/],
    ['unsafe number for long', primitive('long'), 2 ** 60, /bigint/],
    ['decimal too wide', decimal(4, 2), 10000n, /at most 4 digits/],
    ['decimal as number with fraction', decimal(4, 2), 1.5, /unscaled bigint/],
    ['bad uuid', primitive('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785eZ', /uuid string/],
    ['uuid without dashes', primitive('uuid'), 'f79c3e09677c4bbda4793f349cb785e7', /uuid string/],
    ['fixed of wrong length', { kind: 'fixed', length: 3 }, new Uint8Array(2), /Uint8Array of 3 bytes/],
    ['string as number', primitive('string'), 5, /a string/],
    ['boolean as number', primitive('boolean'), 1, /a boolean/],
    [
      'list as object',
      { kind: 'list', elementId: 2, elementRequired: false, element: primitive('int') },
      {},
      /an array/,
    ],
    [
      'map as object',
      {
        kind: 'map',
        keyId: 2,
        key: primitive('string'),
        valueId: 3,
        valueRequired: false,
        value: primitive('int'),
      },
      { a: 1 },
      /a Map/,
    ],
  ];
  for (const [name, type, value, message] of cases) {
    it(`rejects ${name}`, () => {
      const builder = new RecordBatchBuilder(schemaOf(['x', type]));
      expect(() => builder.append({ x: value })).toThrow(message);
    });
  }

  it('rejects nulls in required fields, elements and map keys, naming the path', () => {
    const schema: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: true, type: primitive('long') },
        {
          id: 2,
          name: 'tags',
          required: false,
          type: { kind: 'list', elementId: 3, elementRequired: true, element: primitive('string') },
        },
        {
          id: 4,
          name: 'attrs',
          required: false,
          type: {
            kind: 'map',
            keyId: 5,
            key: primitive('string'),
            valueId: 6,
            valueRequired: false,
            value: primitive('int'),
          },
        },
        {
          id: 7,
          name: 'pt',
          required: false,
          type: { kind: 'struct', fields: [{ id: 8, name: 'x', required: true, type: primitive('int') }] },
        },
      ],
    };
    const attempt = (row: Row) => () => new RecordBatchBuilder(schema).append(row);
    expect(attempt({ id: null })).toThrow(ValidationError);
    expect(attempt({ id: null })).toThrow("required field 'id' is null");
    expect(attempt({ id: 1n, tags: ['a', null] })).toThrow("required field 'tags.element' is null");
    expect(attempt({ id: 1n, attrs: new Map([[null, 1]]) })).toThrow("required field 'attrs.key' is null");
    expect(attempt({ id: 1n, pt: {} })).toThrow("required field 'pt.x' is null");
    // A null struct may hide its required children.
    expect(attempt({ id: 1n, pt: null })).not.toThrow();
  });
});
