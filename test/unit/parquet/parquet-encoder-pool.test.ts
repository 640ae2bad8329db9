import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { primitive, type Schema } from '../../../src/iceberg/types.ts';
import {
  encodeParquetDataFile,
  writeParquetDataFile,
} from '../../../src/parquet/parquet-data-file-writer.ts';
import { ParquetEncoderPool } from '../../../src/parquet/parquet-encoder-pool.ts';
import { readParquetFooter } from '../../../src/parquet/parquet-footer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA } from './all-types-fixture.ts';
import { READER_PYTHON } from './pyarrow-reader.ts';

describe('ParquetEncoderPool', () => {
  const pool = new ParquetEncoderPool(2);
  afterAll(() => pool.close());

  it('encodes on worker threads exactly what the main thread encodes', async () => {
    const inline = writeParquetDataFile(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS, DEFAULT_PARQUET_WRITE_PROPERTIES);
    const files = await Promise.all(
      [1, 2, 3].map(() =>
        encodeParquetDataFile(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS, DEFAULT_PARQUET_WRITE_PROPERTIES, pool),
      ),
    );
    for (const file of files) {
      expect(Buffer.from(file.bytes).equals(Buffer.from(inline.bytes))).toBe(true);
      expect(file.recordCount).toBe(4);
      expect(file.columns).toEqual(inline.columns);
      expect(file.splitOffsets).toEqual(inline.splitOffsets);
    }
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
    const file = await encodeParquetDataFile(schema, rows, DEFAULT_PARQUET_WRITE_PROPERTIES, pool);
    expect(readParquetFooter(file.bytes).numRows).toBe(1000);
    const dir = mkdtempSync(join(tmpdir(), 'floe-dict-'));
    const path = join(dir, 'f.parquet');
    writeFileSync(path, file.bytes);
    const script =
      'import sys, pyarrow.parquet as pq\n' +
      'rg = pq.ParquetFile(sys.argv[1]).metadata.row_group(0)\n' +
      'print(",".join(str(rg.column(i).has_dictionary_page) for i in range(rg.num_columns)))';
    const out = execFileSync(READER_PYTHON, ['-c', script, path], { encoding: 'utf8' });
    rmSync(dir, { recursive: true });
    expect(out.trim()).toBe('False,True');
  });

  it('rejects work after close', async () => {
    const closed = new ParquetEncoderPool(1);
    await closed.close();
    await expect(
      encodeParquetDataFile(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS, DEFAULT_PARQUET_WRITE_PROPERTIES, closed),
    ).rejects.toThrow(/closed/);
  });
});
