// Reading a data file back into rows (compaction's input): by field id into the
// table's current schema, so a renamed column keeps its values, a column added
// after the file was written reads as null, and promoted types are widened.
import { describe, expect, it } from 'vitest';
import { primitive, type Schema } from '../../../src/iceberg/types.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { interopRow, interopSchema } from '../../support/interop-table.ts';

describe('readParquetRows', () => {
  it('gives back every value of every type as written', () => {
    const rows = Array.from({ length: 300 }, (_, i) => interopRow(i));
    const file = writeParquetDataFile(interopSchema, rows, DEFAULT_PARQUET_WRITE_PROPERTIES);
    expect(readParquetRows(file.bytes, interopSchema, 'f.parquet')).toEqual(rows);
  });

  it('resolves columns by field id into a later schema', () => {
    const v1: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: true, type: primitive('int') },
        { id: 2, name: 'price', required: false, type: primitive('float') },
        { id: 3, name: 'name', required: false, type: primitive('string') },
      ],
    };
    const v2: Schema = {
      schemaId: 1,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: true, type: primitive('long') },
        { id: 2, name: 'price', required: false, type: primitive('double') },
        { id: 3, name: 'label', required: false, type: primitive('string') },
        { id: 4, name: 'added', required: false, type: primitive('string') },
      ],
    };
    const file = writeParquetDataFile(
      v1,
      [
        { id: 1, price: 1.5, name: 'a' },
        { id: 2, price: null, name: null },
      ],
      DEFAULT_PARQUET_WRITE_PROPERTIES,
    );
    expect(readParquetRows(file.bytes, v2, 'f.parquet')).toEqual([
      { id: 1n, price: 1.5, label: 'a', added: null },
      { id: 2n, price: null, label: null, added: null },
    ]);
  });

  it('names the file when it is not Parquet', () => {
    expect(() =>
      readParquetRows(new Uint8Array([1, 2, 3]), interopSchema, 's3://b/t/data/x.parquet'),
    ).toThrow(/^s3:\/\/b\/t\/data\/x\.parquet: parquet-wasm could not read/);
  });
});
