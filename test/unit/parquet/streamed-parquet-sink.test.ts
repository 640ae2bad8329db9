// A data file streamed to storage row group by row group (issue 14): the sink
// gets the bytes in pieces while rows still arrive, the file they make up reads
// back with every row, and the statistics from the footer's tail are those of the
// file written in one piece. A discarded file is dropped from the sink.
import { afterAll, describe, expect, it } from 'vitest';
import { primitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import {
  type ParquetSink,
  StreamedParquetFile,
  writeParquetDataFile,
} from '../../../src/parquet/parquet-data-file-writer.ts';
import { ParquetEncoderPool } from '../../../src/parquet/parquet-encoder-pool.ts';
import { readParquetFooter } from '../../../src/parquet/parquet-footer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA, normalizeRow } from './all-types-fixture.ts';
import { readParquetWithPyArrow } from './pyarrow-reader.ts';

/** Row groups of a few rows: the file comes out in several pieces. */
const props = { ...DEFAULT_PARQUET_WRITE_PROPERTIES, rowGroupSizeBytes: 4096 };
const rows: Row[] = Array.from({ length: 40 }, (_, i) => ALL_TYPES_ROWS[i % 4]!);

class RecordingSink implements ParquetSink {
  readonly pieces: Uint8Array[] = [];
  readonly events: string[] = [];
  async write(piece: Uint8Array): Promise<void> {
    this.pieces.push(piece);
    this.events.push('write');
  }
  async close(): Promise<void> {
    this.events.push('close');
  }
  async abort(): Promise<void> {
    this.events.push('abort');
  }
  get bytes(): Uint8Array {
    return Buffer.concat(this.pieces);
  }
}

describe('StreamedParquetFile with a sink', () => {
  const pool = new ParquetEncoderPool(1);
  afterAll(() => pool.close());

  it('hands over the row groups as they are encoded; the pieces make the whole file', async () => {
    const sink = new RecordingSink();
    const file = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, {
      sink,
      chunkBytes: 1,
      checkEveryRows: 4,
    });
    for (const row of rows) await file.append(row);
    const written = await file.finish();
    expect(written.bytes).toBeUndefined();
    expect(sink.events.at(-1)).toBe('close');
    expect(sink.events.filter((e) => e === 'close')).toHaveLength(1);
    const bytes = sink.bytes;
    expect(written.sizeBytes).toBe(bytes.length);
    const footer = readParquetFooter(bytes);
    expect(footer.numRows).toBe(40);
    expect(footer.rowGroups.length).toBeGreaterThan(1);
    expect(written.splitOffsets).toEqual(footer.rowGroups.map((g) => g.columns[0]!.startOffset));
    const whole = writeParquetDataFile(ALL_TYPES_SCHEMA, rows, props);
    const withoutSizes = (columns: typeof whole.columns) =>
      [...columns].map(([id, { compressedSize: _, ...stats }]) => [id, stats]);
    expect(withoutSizes(written.columns)).toEqual(withoutSizes(whole.columns));
    const compressed = footer.rowGroups.flatMap((g) => g.columns).reduce((n, c) => n + c.compressedSize, 0);
    const recorded = [...written.columns.values()].reduce((n, c) => n + (c.compressedSize ?? 0), 0);
    expect(recorded).toBe(compressed);
    expect(readParquetWithPyArrow(bytes).rows).toEqual(
      rows.map((row) => normalizeRow(ALL_TYPES_SCHEMA, row)),
    );
  }, 30_000);

  it('row groups reach the sink while rows still arrive; statistics come from the footer at the end', async () => {
    const schema: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'id', required: true, type: primitive('long') }],
    };
    const sink = new RecordingSink();
    const file = new StreamedParquetFile(
      schema,
      { ...DEFAULT_PARQUET_WRITE_PROPERTIES, rowGroupSizeBytes: 80_000 },
      pool,
      { sink, chunkBytes: 100_000 },
    );
    // Random longs, plain encoded: a file past the 4 MiB of its end the writer keeps for the footer.
    const ROWS = 700_000;
    let seed = 1;
    for (let i = 0; i < ROWS; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      await file.append({ id: BigInt(seed & 0x7fffffff) * 4_294_967_296n + BigInt(i) });
    }
    for (let i = 0; i < 250 && sink.pieces.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const before = sink.pieces.length;
    expect(before).toBeGreaterThanOrEqual(2);
    expect(sink.events).not.toContain('close');
    const written = await file.finish();
    expect(sink.pieces.length).toBeGreaterThan(before);
    const footer = readParquetFooter(sink.bytes);
    expect(footer.numRows).toBe(ROWS);
    expect(written.sizeBytes).toBe(sink.bytes.length);
    expect(written.sizeBytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(written.recordCount).toBe(ROWS);
    expect(written.splitOffsets).toEqual(footer.rowGroups.map((g) => g.columns[0]!.startOffset));
    const compressed = footer.rowGroups.reduce((n, g) => n + g.columns[0]!.compressedSize, 0);
    expect(written.columns.get(1)?.compressedSize).toBe(compressed);
  });

  it('a discarded file is aborted in the sink, never closed', async () => {
    const sink = new RecordingSink();
    const file = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, {
      sink,
      chunkBytes: 1,
      checkEveryRows: 2,
    });
    for (const row of rows.slice(0, 10)) await file.append(row);
    file.abort();
    await expect(file.finish()).rejects.toThrow(/abort/);
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.events).toContain('abort');
    expect(sink.events).not.toContain('close');
  });

  it('a sink that fails fails the file, which is then aborted', async () => {
    const sink = new RecordingSink();
    sink.write = async () => {
      throw new Error('disk full');
    };
    const file = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, { sink, chunkBytes: 1 });
    for (const row of rows) await file.append(row);
    await expect(file.finish()).rejects.toThrow(/disk full/);
    expect(sink.events).toEqual(['abort']);
  });
});
