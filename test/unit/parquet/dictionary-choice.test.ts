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
});
