// A data file encoded chunk by chunk on the pool: the same rows, statistics and
// footer as the file written in one piece, whatever the chunking.
import { afterAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/iceberg/types.ts';
import { StreamedParquetFile, writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { ParquetEncoderPool } from '../../../src/parquet/parquet-encoder-pool.ts';
import { readParquetFooter } from '../../../src/parquet/parquet-footer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA, normalizeRow } from './all-types-fixture.ts';
import { readParquetWithPyArrow } from './pyarrow-reader.ts';

const props = DEFAULT_PARQUET_WRITE_PROPERTIES;
// 4 fixture rows in a different order each round, so every chunk moves the bounds.
const rows: Row[] = Array.from({ length: 40 }, (_, i) => ALL_TYPES_ROWS[(i * 3 + Math.floor(i / 4)) % 4]!);

describe('StreamedParquetFile', () => {
  const pool = new ParquetEncoderPool(1);
  afterAll(() => pool.close());

  for (const chunkRows of [1, 3, 7, 40]) {
    it(`writes the rows of ${chunkRows}-row chunks as one file: rows, statistics, row count`, async () => {
      const file = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, {
        chunkBytes: 1,
        checkEveryRows: chunkRows,
      });
      for (const row of rows) await file.append(row);
      expect(file.rowCount).toBe(40);
      const written = await file.finish();
      const whole = writeParquetDataFile(ALL_TYPES_SCHEMA, rows, props);
      expect(written.recordCount).toBe(40);
      expect(readParquetFooter(written.bytes!).numRows).toBe(40);
      // Compressed sizes depend on the encoding run; everything else must match.
      const withoutSizes = (columns: typeof whole.columns) =>
        [...columns].map(([id, { compressedSize: _, ...stats }]) => [id, stats]);
      expect(withoutSizes(written.columns)).toEqual(withoutSizes(whole.columns));
      for (const stats of written.columns.values()) expect(stats.compressedSize).toBeGreaterThan(0);
      const read = readParquetWithPyArrow(written.bytes!);
      expect(read.rows).toEqual(rows.map((row) => normalizeRow(ALL_TYPES_SCHEMA, row)));
    });
  }

  it('sends a chunk open longer than chunkMs at the next check, however small', async () => {
    const young = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, {
      checkEveryRows: 2,
      chunkMs: 60_000,
    });
    for (const row of rows.slice(0, 4)) await young.append(row);
    expect(young.sentRows).toBe(0);
    const old = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, { checkEveryRows: 2, chunkMs: 20 });
    await old.append(rows[0]!);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(old.sentRows).toBe(0);
    await old.append(rows[1]!);
    expect(old.sentRows).toBe(2);
    await old.append(rows[2]!);
    await old.append(rows[3]!);
    for (const file of [young, old]) {
      const written = await file.finish();
      expect(written.recordCount).toBe(4);
      const read = readParquetWithPyArrow(written.bytes!);
      expect(read.rows).toEqual(rows.slice(0, 4).map((row) => normalizeRow(ALL_TYPES_SCHEMA, row)));
    }
  });

  it('keeps rejecting a bad row atomically between chunks', async () => {
    const file = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, { chunkBytes: 1, checkEveryRows: 2 });
    await file.append(rows[0]!);
    expect(() => file.append({ ...rows[1]!, id: 'not a long' })).toThrow(/id/);
    await file.append(rows[1]!);
    const written = await file.finish();
    expect(written.recordCount).toBe(2);
    const read = readParquetWithPyArrow(written.bytes!);
    expect(read.rows).toEqual(rows.slice(0, 2).map((row) => normalizeRow(ALL_TYPES_SCHEMA, row)));
  });

  it('reports the encoder failure itself when a chunk cannot be sent', async () => {
    const lost = new ParquetEncoderPool(1);
    const file = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, lost, { chunkBytes: 1, checkEveryRows: 1 });
    await file.append(rows[0]!);
    await lost.close();
    expect(() => file.append(rows[1]!)).toThrow(/pool closed/);
    await expect(file.finish()).rejects.toThrow(/pool closed/);
  });

  it('aborts a file: close fails, the pool goes on with the next file', async () => {
    const dropped = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, {
      chunkBytes: 1,
      checkEveryRows: 1,
    });
    for (const row of rows.slice(0, 5)) await dropped.append(row);
    dropped.abort();
    await expect(dropped.finish()).rejects.toThrow(/abort/);
    const next = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool);
    for (const row of rows) await next.append(row);
    expect((await next.finish()).recordCount).toBe(40);
  });
});
