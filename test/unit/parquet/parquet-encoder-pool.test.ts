import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { primitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import { StreamedParquetFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { ParquetEncoderPool } from '../../../src/parquet/parquet-encoder-pool.ts';
import { readParquetFooter } from '../../../src/parquet/parquet-footer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { readerPython } from '../../support/reader-python.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA, normalizeRow } from './all-types-fixture.ts';
import { readParquetWithPyArrow } from './pyarrow-reader.ts';

/** The live path: a streamed data file, its rows sent to the pool as one chunk at finish(). */
async function encode(schema: Schema, rows: readonly Row[], pool: ParquetEncoderPool) {
  const file = new StreamedParquetFile(schema, DEFAULT_PARQUET_WRITE_PROPERTIES, pool);
  for (const row of rows) file.append(row);
  const written = await file.finish();
  return { ...written, bytes: written.bytes! }; // no sink: the bytes come back
}

describe('ParquetEncoderPool', () => {
  const pool = new ParquetEncoderPool(2);
  afterAll(() => pool.close());

  it('encodes files at once on its threads, each the same bytes, rows and statistics', async () => {
    const files = await Promise.all([1, 2, 3].map(() => encode(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS, pool)));
    const [first] = files;
    for (const file of files) {
      expect(Buffer.from(file.bytes).equals(Buffer.from(first!.bytes))).toBe(true);
      expect(file.recordCount).toBe(4);
      expect(file.columns).toEqual(first!.columns);
      expect(file.splitOffsets).toEqual([4]);
    }
    expect(readParquetWithPyArrow(first!.bytes).rows).toEqual(
      ALL_TYPES_ROWS.map((row) => normalizeRow(ALL_TYPES_SCHEMA, row)),
    );
  });

  it('writes high-cardinality top-level columns without a dictionary', async () => {
    const schema: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: false, type: primitive('long') },
        { id: 2, name: 'name', required: false, type: primitive('string') },
      ],
    };
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: BigInt(i), name: `n${i % 3}` }));
    const file = await encode(schema, rows, pool);
    expect(readParquetFooter(file.bytes).numRows).toBe(1000);
    const dir = mkdtempSync(join(tmpdir(), 'floe-dict-'));
    const path = join(dir, 'f.parquet');
    writeFileSync(path, file.bytes);
    const script =
      'import sys, pyarrow.parquet as pq\n' +
      'rg = pq.ParquetFile(sys.argv[1]).metadata.row_group(0)\n' +
      'print(",".join(str(rg.column(i).has_dictionary_page) for i in range(rg.num_columns)))';
    const out = execFileSync(readerPython(), ['-c', script, path], { encoding: 'utf8' });
    rmSync(dir, { recursive: true });
    expect(out.trim()).toBe('False,True');
  });

  it('prestart starts one thread ahead of the first file, which then runs on it; twice starts no second one', async () => {
    const early = new ParquetEncoderPool(2);
    try {
      expect(early.threadCount).toBe(0);
      early.prestart();
      early.prestart();
      expect(early.threadCount).toBe(1);
      const file = await encode(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS, early);
      expect(file.recordCount).toBe(4);
      expect(early.threadCount).toBe(1);
    } finally {
      await early.close();
    }
    early.prestart(); // closed: nothing starts
    expect(early.threadCount).toBe(0);
  });

  it('rejects work after close', async () => {
    const closed = new ParquetEncoderPool(1);
    await closed.close();
    await expect(encode(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS, closed)).rejects.toThrow(/closed/);
  });
});
