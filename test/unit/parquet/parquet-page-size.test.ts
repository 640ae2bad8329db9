// Pages of wide string values stay near write.parquet.page-size-bytes: arrow-rs
// checks a page's size between write steps (parquet-wasm-writer.ts writes 8,192
// values a step), and a session-9 review feared pages of a whole step (8 MiB of
// 1 KiB values). Measured here, with and without nulls.
import { describe, expect, it } from 'vitest';
import type { Row, Schema } from '../../../src/iceberg/types.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import {
  intField,
  listField,
  readThriftStruct,
  structField,
} from '../../../src/parquet/thrift-compact-tree.ts';

const PAGE = DEFAULT_PARQUET_WRITE_PROPERTIES.pageSizeBytes;

/** Uncompressed sizes of the file's data pages. */
function dataPageSizes(file: Uint8Array): number[] {
  const length = new DataView(file.buffer, file.byteOffset + file.length - 8, 4).getUint32(0, true);
  const footer = readThriftStruct(file, file.length - 8 - length).struct;
  const sizes: number[] = [];
  for (const group of listField(footer, 4) ?? []) {
    if (group.type !== 12) continue;
    for (const chunk of listField(group.struct, 1) ?? []) {
      if (chunk.type !== 12) continue;
      const meta = structField(chunk.struct, 3)!;
      const start = intField(meta, 11) ?? intField(meta, 9)!;
      const end = start + intField(meta, 7)!;
      for (let at = start; at < end; ) {
        const { struct: header, end: bodyAt } = readThriftStruct(file, at);
        if (intField(header, 1) === 0) sizes.push(intField(header, 2)!);
        at = bodyAt + intField(header, 3)!;
      }
    }
  }
  return sizes;
}

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [{ id: 1, name: 's', required: false, type: { kind: 'string' } }],
};

describe('pages of 16 MiB of 1 KiB strings', () => {
  it.each([
    ['1% null', 100],
    ['no null', 0],
  ])('%s: every data page within about twice the page size', (_, nullEvery) => {
    const rows: Row[] = Array.from({ length: 16_384 }, (_, i) => ({
      s:
        nullEvery > 0 && i % nullEvery === 0
          ? null
          : `${i}:`.padEnd(1024, String.fromCharCode(97 + (i % 26))),
    }));
    const sizes = dataPageSizes(writeParquetDataFile(schema, rows, DEFAULT_PARQUET_WRITE_PROPERTIES).bytes);
    expect(sizes.length).toBeGreaterThanOrEqual(8);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(2.1 * PAGE);
  });
});
