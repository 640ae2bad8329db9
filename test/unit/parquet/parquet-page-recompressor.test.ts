// zstd at parquet-mr's level: parquet-wasm writes uncompressed pages, the
// recompressor compresses them and moves every offset. Files with many row groups
// and pages, dictionaries, nulls and nested columns, written whole and streamed,
// must read back the same in PyArrow, and every offset-index entry must land on a
// page header whose size it states.
import { afterAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/iceberg/types.ts';
import { StreamedParquetFile, writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { ParquetEncoderPool } from '../../../src/parquet/parquet-encoder-pool.ts';
import {
  DEFAULT_PARQUET_WRITE_PROPERTIES,
  type ParquetWriteProperties,
} from '../../../src/parquet/parquet-write-properties.ts';
import {
  intField,
  listField,
  readThriftStruct,
  structField,
  type ThriftStruct,
} from '../../../src/parquet/thrift-compact-tree.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA, normalizeRow } from './all-types-fixture.ts';
import { readParquetWithPyArrow } from './pyarrow-reader.ts';

const rows: Row[] = Array.from({ length: 3000 }, (_, i) => ({
  ...ALL_TYPES_ROWS[i % ALL_TYPES_ROWS.length]!,
  id: BigInt(i),
}));
// Small row groups and pages: dozens of each per column.
const props: ParquetWriteProperties = {
  ...DEFAULT_PARQUET_WRITE_PROPERTIES,
  rowGroupSizeBytes: 64 * 1024,
  pageSizeBytes: 2048,
};

function footerOf(file: Uint8Array): ThriftStruct {
  const length = new DataView(file.buffer, file.byteOffset + file.length - 8, 4).getUint32(0, true);
  return readThriftStruct(file, file.length - 8 - length).struct;
}

function chunksOf(footer: ThriftStruct): ThriftStruct[] {
  return (listField(footer, 4) ?? []).flatMap((rowGroup) =>
    rowGroup.type === 12
      ? (listField(rowGroup.struct, 1) ?? []).flatMap((c) => (c.type === 12 ? [c.struct] : []))
      : [],
  );
}

/** Every column chunk is zstd, its pages tile it, and its offset index points at its data pages. */
function checkLayout(file: Uint8Array): { rowGroups: number; pages: number } {
  const footer = footerOf(file);
  let pages = 0;
  for (const chunk of chunksOf(footer)) {
    const meta = structField(chunk, 3)!;
    expect(intField(meta, 4)).toBe(6); // ZSTD
    const start = intField(meta, 11) ?? intField(meta, 9)!;
    const end = start + intField(meta, 7)!;
    const dataPages: { offset: number; size: number }[] = [];
    for (let at = start; at < end; ) {
      const { struct: header, end: bodyAt } = readThriftStruct(file, at);
      const next = bodyAt + intField(header, 3)!;
      if (intField(header, 1) === 0) dataPages.push({ offset: at, size: next - at });
      at = next;
      expect(at).toBeLessThanOrEqual(end);
    }
    expect(dataPages[0]!.offset).toBe(intField(meta, 9));
    const indexAt = intField(chunk, 4)!;
    const index = readThriftStruct(file.subarray(indexAt, indexAt + intField(chunk, 5)!)).struct;
    const locations = (listField(index, 1) ?? []).map((l) =>
      l.type === 12 ? { offset: intField(l.struct, 1)!, size: intField(l.struct, 2)! } : undefined,
    );
    expect(locations).toEqual(dataPages);
    pages += dataPages.length;
  }
  return { rowGroups: (listField(footer, 4) ?? []).length, pages };
}

describe('Parquet page recompression (zstd at a level)', () => {
  const pool = new ParquetEncoderPool(1);
  afterAll(() => pool.close());
  const expected = rows.map((row) => normalizeRow(ALL_TYPES_SCHEMA, row));

  it('a file written whole: many row groups and pages, read back by PyArrow', () => {
    const file = writeParquetDataFile(ALL_TYPES_SCHEMA, rows, props).bytes;
    const layout = checkLayout(file);
    expect(layout.rowGroups).toBeGreaterThan(3);
    expect(layout.pages).toBeGreaterThan(layout.rowGroups * ALL_TYPES_SCHEMA.fields.length);
    const read = readParquetWithPyArrow(file);
    expect(read.rows).toEqual(expected);
    for (const group of read.row_groups)
      for (const column of group.columns) expect(column.compression).toBe('ZSTD');
  });

  it('a streamed file (row groups rewritten as they arrive) reads the same', async () => {
    const file = new StreamedParquetFile(ALL_TYPES_SCHEMA, props, pool, {
      chunkBytes: 1,
      checkEveryRows: 250,
    });
    for (const row of rows) await file.append(row);
    const written = await file.finish();
    const layout = checkLayout(written.bytes!);
    expect(layout.rowGroups).toBeGreaterThan(3);
    expect(written.splitOffsets.length).toBe(layout.rowGroups);
    expect(readParquetWithPyArrow(written.bytes!).rows).toEqual(expected);
  });

  it('the level is applied: level 19 is smaller than level 1, both read the same', () => {
    const sizes = [1, 19].map((level) => {
      const file = writeParquetDataFile(ALL_TYPES_SCHEMA, rows, { ...props, compressionLevel: level }).bytes;
      expect(readParquetWithPyArrow(file).rows).toEqual(expected);
      return file.length;
    });
    expect(sizes[1]).toBeLessThan(sizes[0]!);
  });
});
