// A row that fails validation must leave the builder exactly as it was before the
// row: later output and statistics are those of the good rows alone.
import { describe, expect, it } from 'vitest';
import { FloeError, ValidationError } from '../../../src/errors.ts';
import { primitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { RecordBatchBuilder } from '../../../src/parquet/record-batch-builder.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA, normalizeRow } from './all-types-fixture.ts';
import { readParquetWithPyArrow } from './pyarrow-reader.ts';

const props = DEFAULT_PARQUET_WRITE_PROPERTIES;

// Valid in every column and different from the good rows in each: new extremes,
// extra nulls or NaNs, longer strings, non-empty lists. Kept by a failed row, any
// of them would show in the data or the statistics.
const POISON: Row = {
  id: 1000n,
  b: null,
  i: null,
  l: null,
  f: Number.NaN,
  d: Number.NEGATIVE_INFINITY,
  dec9: 99999999n,
  dec18: 10n ** 17n,
  dec38: null,
  dt: 100000,
  t: null,
  ts: 1n,
  tstz: null,
  tsns: 2n ** 62n,
  tstzns: null,
  s: '\u{10fffd} poison',
  u: null,
  fx: Uint8Array.from([0, 0, 0, 0]),
  bin: null,
  st: { a: 100, b: 'zz', inner: { x: 1e9 } },
  ls: [1000n, -1000n, null],
  mp: new Map<string, unknown>([['zzz', { q: 77 }]]),
  ll: [['zzz', '0'], []],
};

/** [what fails, the row, the path the error names] */
const BAD_ROWS: Array<[string, Row, string]> = [
  ['a required top-level null', { ...POISON, id: null }, 'id'],
  ['the last column', { ...POISON, ll: [['zzz'], [], ['yy', 5]] }, 'll.element.element'],
  ['a nested struct field', { ...POISON, st: { a: 100, b: 'zz', inner: { x: 'NaN' } } }, 'st.inner.x'],
  ['a list element', { ...POISON, ls: [1000n, -1000n, null, 'x'] }, 'ls.element'],
  [
    'a map value',
    {
      ...POISON,
      mp: new Map<string, unknown>([
        ['zzz', { q: 77 }],
        ['aaa', { q: 'x' }],
      ]),
    },
    'mp.value.q',
  ],
  [
    'a map key',
    {
      ...POISON,
      mp: new Map<unknown, unknown>([
        ['zzz', { q: 77 }],
        [null, null],
      ]),
    },
    'mp.key',
  ],
  ['a required struct field null', { ...POISON, st: { a: null, b: 'zz', inner: { x: 1e9 } } }, 'st.a'],
  ['a required list element null', { ...POISON, ll: [['zzz'], null] }, 'll.element'],
  ['a decimal out of precision', { ...POISON, dec38: 10n ** 38n }, 'dec38'],
  ['a decimal out of precision after a new bound', { ...POISON, dec9: 10n ** 9n }, 'dec9'],
  ['a bad uuid after valid columns', { ...POISON, u: 'not-a-uuid' }, 'u'],
];

/** Bad rows first, between, in a run and last, around the four good rows. */
interface Attempt {
  row: Row;
  /** The path a bad row's error names; undefined for a good row. */
  bad?: string;
  name?: string;
}

function interleaved(): Attempt[] {
  const bad: Attempt[] = BAD_ROWS.map(([name, row, path]) => ({ row, bad: path, name }));
  const good: Attempt[] = ALL_TYPES_ROWS.map((row) => ({ row }));
  return [
    ...bad.slice(0, 2),
    good[0],
    bad[2],
    good[1],
    ...bad.slice(3, 7),
    good[2],
    ...bad.slice(7, 10),
    good[3],
    ...bad.slice(10),
  ].filter((entry): entry is Attempt => entry !== undefined);
}

function goodOnly(schema: Schema, rows: readonly Row[]): RecordBatchBuilder {
  const builder = new RecordBatchBuilder(schema);
  for (const row of rows) builder.append(row);
  return builder;
}

describe('RecordBatchBuilder.append is atomic', () => {
  function withFailures(): RecordBatchBuilder {
    const builder = new RecordBatchBuilder(ALL_TYPES_SCHEMA);
    for (const { row, bad, name } of interleaved()) {
      if (bad === undefined) {
        builder.append(row);
        continue;
      }
      let thrown: unknown;
      try {
        builder.append(row);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, name).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).context.field, name).toBe(bad);
    }
    return builder;
  }

  it('rejects every bad row and counts only the good ones', () => {
    expect(withFailures().rowCount).toBe(ALL_TYPES_ROWS.length);
  });

  it('keeps statistics of the good rows only', () => {
    const stats = withFailures().columnStats();
    expect(stats).toEqual(goodOnly(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS).columnStats());
    // Spelled out for the leaves the poison row would move most.
    expect(stats.get(1)).toEqual({ valueCount: 4, nullCount: 0, min: 1n, max: 4n });
    expect(stats.get(5)).toEqual({
      valueCount: 4,
      nullCount: 1,
      nanCount: 1,
      min: 1.5,
      max: Number.POSITIVE_INFINITY,
    });
    expect(stats.get(7)).toMatchObject({ min: -9999999n, max: 12345n });
    expect(stats.get(16)).toMatchObject({ valueCount: 4, nullCount: 1, min: '', max: 'ünïcødé 😀' });
    expect(stats.get(18)).toMatchObject({ min: Uint8Array.from([0, 1, 2, 255]) });
    expect(stats.get(21)).toEqual({ valueCount: 4, nullCount: 1, min: 1, max: 3 });
    expect(stats.get(24)).toEqual({ valueCount: 4, nullCount: 3, nanCount: 0, min: 2.5, max: 2.5 });
    expect(stats.get(26)).toEqual({ valueCount: 6, nullCount: 4, min: 1n, max: 3n });
    expect(stats.get(28)).toEqual({ valueCount: 5, nullCount: 3, min: 'k1', max: 'k2' });
    expect(stats.get(30)).toEqual({ valueCount: 5, nullCount: 4, min: 1, max: 1 });
    expect(stats.get(33)).toEqual({ valueCount: 6, nullCount: 3, min: 'a', max: 'c' });
  });

  it('leaves a builder whose first rows all failed as good as new', () => {
    const builder = new RecordBatchBuilder(ALL_TYPES_SCHEMA);
    for (const [, row] of BAD_ROWS) expect(builder.tryAppend(row)).toBeInstanceOf(ValidationError);
    expect(builder.rowCount).toBe(0);
    expect(builder.columnStats()).toEqual(new RecordBatchBuilder(ALL_TYPES_SCHEMA).columnStats());
    expect(builder.finish().numRows).toBe(0);
  });

  it('writes exactly the good rows, read back by PyArrow', () => {
    const builder = withFailures();
    const written = writeParquetDataFile(ALL_TYPES_SCHEMA, builder, props);
    const read = readParquetWithPyArrow(written.bytes);
    expect(read.rows).toEqual(ALL_TYPES_ROWS.map((row) => normalizeRow(ALL_TYPES_SCHEMA, row)));
    const reference = readParquetWithPyArrow(
      writeParquetDataFile(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS, props).bytes,
    );
    const counts = (r: typeof read) =>
      r.row_groups.map((g) =>
        g.columns.map(({ path, num_values, null_count }) => ({ path, num_values, null_count })),
      );
    expect(counts(read)).toEqual(counts(reference));
  });
});

describe('RecordBatchBuilder.tryAppend', () => {
  const schema: Schema = {
    schemaId: 0,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'n', required: true, type: primitive('long') },
      { id: 2, name: 'flag', required: false, type: primitive('boolean') },
      { id: 3, name: 'label', required: false, type: primitive('string') },
      { id: 4, name: 'score', required: true, type: primitive('double') },
    ],
  };

  it('returns the ValidationError of a bad row and undefined for a good one', () => {
    const builder = new RecordBatchBuilder(schema);
    expect(builder.tryAppend({ n: 1n, flag: false, label: 'a', score: 1 })).toBeUndefined();
    const error = builder.tryAppend({ n: 2n, flag: true, label: 'much longer label', score: 'x' });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.message).toMatch(/'score' expects a number/);
    expect(builder.tryAppend(null as unknown as Row)?.message).toMatch(/row must be an object/);
    // The slot the failed row used is reused cleanly: its set bool bit and string bytes are gone.
    expect(builder.tryAppend({ n: 3n, flag: false, label: 'b', score: 2 })).toBeUndefined();
    const table = builder.finish();
    expect(table.getChild('flag')?.toArray()).toEqual([false, false]);
    expect(table.getChild('label')?.toArray()).toEqual(['a', 'b']);
    expect(table.getChild('n')?.toArray()).toEqual(BigInt64Array.from([1n, 3n]));
  });

  it('still throws what is not a bad row', () => {
    const builder = new RecordBatchBuilder(schema);
    builder.finish();
    expect(() => builder.tryAppend({ n: 1n, score: 1 })).toThrow(FloeError);
  });
});

describe('RecordBatchBuilder with random bad rows', () => {
  const schema: Schema = {
    schemaId: 0,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'id', required: true, type: primitive('long') },
      { id: 2, name: 'name', required: false, type: primitive('string') },
      { id: 3, name: 'x', required: false, type: primitive('double') },
      {
        id: 4,
        name: 'tags',
        required: false,
        type: { kind: 'list', elementId: 5, elementRequired: false, element: primitive('int') },
      },
      {
        id: 6,
        name: 'pt',
        required: false,
        type: {
          kind: 'struct',
          fields: [
            { id: 7, name: 'ok', required: false, type: primitive('boolean') },
            { id: 8, name: 'v', required: true, type: primitive('int') },
          ],
        },
      },
      {
        id: 9,
        name: 'attrs',
        required: false,
        type: {
          kind: 'map',
          keyId: 10,
          key: primitive('string'),
          valueId: 11,
          valueRequired: false,
          value: primitive('long'),
        },
      },
    ],
  };

  // Deterministic pseudo-random rows; about a third carry one invalid value somewhere.
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const maybe = <T>(value: T): T | null => (next(5) === 0 ? null : value);
  function randomRow(i: number): Row {
    return {
      id: BigInt(next(1000) - 500),
      name: maybe(`n${next(100)}${'é'.repeat(next(3))}`),
      x: maybe(next(10) === 0 ? Number.NaN : next(2000) - 1000),
      tags: maybe(Array.from({ length: next(4) }, () => maybe(next(200) - 100))),
      pt: maybe({ ok: maybe(next(2) === 0), v: next(50) }),
      attrs: maybe(
        new Map(Array.from({ length: next(3) }, (_, k) => [`k${k}${i % 3}`, maybe(BigInt(next(99)))])),
      ),
    };
  }
  function spoil(row: Row): Row {
    const tags = (row.tags as unknown[] | null) ?? [];
    switch (next(6)) {
      case 0:
        return { ...row, id: null };
      case 1:
        return { ...row, x: 'x' };
      case 2:
        return { ...row, tags: [...tags, 2 ** 40] };
      case 3:
        return { ...row, pt: { ok: true, v: null } };
      case 4:
        return {
          ...row,
          attrs: new Map([...((row.attrs as Map<string, unknown> | null) ?? []), ['bad', 1.5]]),
        };
      default:
        return { ...row, name: 5 };
    }
  }

  const good: Row[] = [];
  const rejections: unknown[] = [];
  const builder = new RecordBatchBuilder(schema);
  for (let i = 0; i < 3000; i++) {
    const row = randomRow(i);
    if (next(3) === 0) rejections.push(builder.tryAppend(spoil(row)));
    else {
      builder.append(row);
      good.push(row);
    }
  }

  it('matches a builder that only saw the good rows', () => {
    expect(rejections.length).toBeGreaterThan(700);
    for (const rejection of rejections) expect(rejection).toBeInstanceOf(ValidationError);
    expect(good.length).toBeGreaterThan(1500);
    expect(builder.rowCount).toBe(good.length);
    expect(builder.columnStats()).toEqual(goodOnly(schema, good).columnStats());
  });

  it('writes the same Parquet data as the good rows alone', () => {
    const read = readParquetWithPyArrow(writeParquetDataFile(schema, builder, props).bytes);
    const reference = readParquetWithPyArrow(writeParquetDataFile(schema, good, props).bytes);
    expect(read.rows).toEqual(good.map((row) => normalizeRow(schema, row)));
    expect(read.row_groups).toEqual(reference.row_groups);
  });
});
