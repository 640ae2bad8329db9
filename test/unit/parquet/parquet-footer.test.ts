import { describe, expect, it } from 'vitest';
import { primitive, type Schema } from '../../../src/iceberg/types.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { readParquetFooter } from '../../../src/parquet/parquet-footer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA } from './all-types-fixture.ts';

describe('readParquetFooter', () => {
  it('lists the leaves with their field ids and the column chunks per row group', () => {
    const { bytes } = writeParquetDataFile(
      ALL_TYPES_SCHEMA,
      ALL_TYPES_ROWS,
      DEFAULT_PARQUET_WRITE_PROPERTIES,
    );
    const footer = readParquetFooter(bytes);
    expect(footer.numRows).toBe(4);
    expect(footer.leafFieldIds).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 26, 28, 30, 33,
    ]);
    expect(footer.leafNames.slice(-3)).toEqual(['key', 'q', 'element']);
    expect(footer.rowGroups).toHaveLength(1);
    const chunks = footer.rowGroups[0]?.columns ?? [];
    expect(chunks).toHaveLength(26);
    // ls.element has 6 levels for 4 rows: [1, null, 3], [], null, [null].
    expect(chunks[22]?.numValues).toBe(6);
    for (const chunk of chunks) {
      expect(chunk.compressedSize).toBeGreaterThan(0);
      expect(chunk.startOffset).toBeGreaterThanOrEqual(4);
      expect(chunk.startOffset + chunk.compressedSize).toBeLessThan(bytes.length);
    }
  });

  it('rejects bytes that are not Parquet or are cut short', () => {
    expect(() => readParquetFooter(new TextEncoder().encode('not a parquet file'))).toThrow(
      /PAR1 magic missing/,
    );
    const schema: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'x', required: false, type: primitive('int') }],
    };
    const { bytes } = writeParquetDataFile(schema, [{ x: 1 }], DEFAULT_PARQUET_WRITE_PROPERTIES);
    const broken = bytes.slice();
    // Claim a footer longer than the file.
    new DataView(broken.buffer).setUint32(broken.length - 8, bytes.length, true);
    expect(() => readParquetFooter(broken)).toThrow(/footer length is out of range/);
  });
});
