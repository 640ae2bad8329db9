// A streamed file's chunk builders take over the buffers of the chunk before
// (RecordBatchBuilder's `recycle`): nothing of one chunk may show in the next.
// Seeded random files, chunk sizes on both sides of the builders' initial
// capacity, and nulls, booleans, bounds and text lengths that change from chunk
// to chunk; each file must read back in PyArrow as its rows and carry the
// statistics of the same rows written in one piece.
import { afterAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/iceberg/types.ts';
import { StreamedParquetFile, writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { ParquetEncoderPool } from '../../../src/parquet/parquet-encoder-pool.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { type Rand, seeded } from '../../support/seeded-random.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA, normalizeRow } from './all-types-fixture.ts';
import { readParquetWithPyArrow } from './pyarrow-reader.ts';

const below = (rand: Rand, n: number): number => Math.floor(rand() * n);

/**
 * A row whose every optional field is null or the value of one of the fixture's
 * rows, with a chance of nulls that changes by phase, so one chunk may have no
 * null at all and the next many (a recycled validity bitmap must start clean).
 */
function randomRow(rand: Rand, id: number, nullChance: number): Row {
  const row: Row = { id: BigInt(id) };
  for (const field of ALL_TYPES_SCHEMA.fields) {
    if (field.name === 'id') continue;
    if (rand() < nullChance) {
      row[field.name] = null;
      continue;
    }
    const source = ALL_TYPES_ROWS[below(rand, ALL_TYPES_ROWS.length)]!;
    row[field.name] = source[field.name];
  }
  if (rand() < 0.3) row.s = `${'x'.repeat(below(rand, 200))}-${id}`; // text of every length
  if (rand() < 0.2) row.b = rand() < 0.5;
  return row;
}

const CHUNK_ROWS = [1, 7, 300, 1500] as const;

describe('StreamedParquetFile with recycled chunk buffers', () => {
  const pool = new ParquetEncoderPool(1);
  afterAll(() => pool.close());

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`writes seed ${seed}'s random chunks as their rows and statistics`, async () => {
      const rand = seeded(seed);
      const count = 1 + below(rand, 4000);
      const chunkRows = CHUNK_ROWS[below(rand, CHUNK_ROWS.length)]!;
      const rows: Row[] = [];
      let nullChance = 0;
      for (let i = 0; i < count; i++) {
        if (i % 500 === 0) nullChance = [0, 0.05, 0.6, 1][below(rand, 4)]!;
        rows.push(randomRow(rand, i, nullChance));
      }
      const file = new StreamedParquetFile(ALL_TYPES_SCHEMA, DEFAULT_PARQUET_WRITE_PROPERTIES, pool, {
        chunkBytes: 1,
        checkEveryRows: chunkRows,
      });
      for (const row of rows) await file.append(row);
      const written = await file.finish();
      const whole = writeParquetDataFile(ALL_TYPES_SCHEMA, rows, DEFAULT_PARQUET_WRITE_PROPERTIES);
      const label = `seed ${seed}: ${count} rows in chunks of ${chunkRows}`;
      expect(written.recordCount, label).toBe(count);
      const withoutSizes = (columns: typeof whole.columns) =>
        [...columns].map(([id, { compressedSize: _, ...stats }]) => [id, stats]);
      expect(withoutSizes(written.columns), label).toEqual(withoutSizes(whole.columns));
      const read = readParquetWithPyArrow(written.bytes!);
      expect(read.rows, label).toEqual(rows.map((row) => normalizeRow(ALL_TYPES_SCHEMA, row)));
    }, 60_000);
  }
});
