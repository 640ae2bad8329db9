// Dictionaries only where values repeat: judged on the file's first chunk for
// ints, dates and strings; always plain for longs, doubles, timestamps and the like.
import { describe, expect, it } from 'vitest';
import { primitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import { plainColumns } from '../../../src/parquet/dictionary-choice.ts';
import { RecordBatchBuilder } from '../../../src/parquet/record-batch-builder.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'qty', required: false, type: primitive('int') },
    { id: 3, name: 'code', required: false, type: primitive('int') },
    { id: 4, name: 'category', required: false, type: primitive('string') },
    { id: 5, name: 'name', required: false, type: primitive('string') },
    { id: 6, name: 'day', required: false, type: primitive('date') },
    { id: 7, name: 'price', required: false, type: primitive('double') },
  ],
};

function table(rows: number) {
  const builder = new RecordBatchBuilder(schema);
  for (let i = 0; i < rows; i++) {
    const row: Row = {
      id: BigInt(i),
      qty: i % 100,
      code: (i * 7919) % 1_000_003,
      category: ['books', 'games', 'toys'][i % 3]!,
      // Every 16th null: the sample counts non-null values only.
      name: i % 16 === 0 ? null : `customer-${i}`,
      day: 19_000 + (i % 365),
      price: i / 4,
    };
    builder.append(row);
  }
  return builder.finish();
}

describe('plainColumns', () => {
  it('writes rarely repeating ints and strings plain, repeating ones with a dictionary', () => {
    expect(plainColumns(schema, table(20_000))).toEqual(['id', 'code', 'name', 'price']);
  });

  it('keeps dictionaries for ints and strings when the sample is too small to judge', () => {
    expect(plainColumns(schema, table(500))).toEqual(['id', 'price']);
  });

  it('without a sample, only the types whose values rarely repeat', () => {
    expect(plainColumns(schema)).toEqual(['id', 'price']);
  });

  // The distinct count is estimated (linear counting): random columns whose
  // distinct share lies at least 10% away from DISTINCT_SHARE (1/8) on either
  // side are judged as an exact count would judge them, for ints and strings.
  it.each(Array.from({ length: 24 }, (_, seed) => seed))(
    'judges a column as an exact count would (seed %i)',
    (seed) => {
      let state = seed * 2654435761 + 1;
      const random = () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state / 2 ** 32;
      };
      const rows = 1_024 + Math.floor(random() * 20_000);
      const sampled = Math.min(rows, 16_384);
      const share = (1 / 8) * (random() < 0.5 ? 0.2 + random() * 0.7 : 1.1 + random() * 6);
      const distinct = Math.max(1, Math.round(Math.min(1, share) * sampled));
      const base = Math.floor(random() * 1e9) - 5e8;
      const values = Array.from(
        { length: rows },
        (_, i) => base + (i < distinct ? i * 7 : Math.floor(random() * distinct) * 7),
      );
      const one: Schema = {
        schemaId: 0,
        identifierFieldIds: [],
        fields: [
          { id: 1, name: 'n', required: false, type: primitive('int') },
          { id: 2, name: 's', required: false, type: primitive('string') },
        ],
      };
      const builder = new RecordBatchBuilder(one);
      for (const v of values) builder.append({ n: v | 0, s: `v${v}` });
      const exact = new Set(values.slice(0, sampled).map((v) => v | 0)).size > sampled / 8;
      expect(plainColumns(one, builder.finish())).toEqual(exact ? ['n', 's'] : []);
    },
  );
});
