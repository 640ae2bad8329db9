// Per-column zstd settings: the column of each page counted from value counts,
// the trial and its memory case by case, then seeded random flat files from
// arrow-rs whose every page is placed as the footer places it and which read
// back the same after recompression in random pieces.
import { randomBytes } from 'node:crypto';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isPrimitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_ZSTD, ParquetPageRecompressor } from '../../../src/parquet/parquet-page-recompressor.ts';
import { readParquetToArrowIpc } from '../../../src/parquet/parquet-wasm-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import {
  intField,
  listField,
  readThriftStruct,
  structField,
} from '../../../src/parquet/thrift-compact-tree.ts';
import { FAST_ZSTD, pageSlot, ZstdPageLevels, zstdParams } from '../../../src/parquet/zstd-page-levels.ts';
import { seeded } from '../../support/seeded-random.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA } from './all-types-fixture.ts';

let keys = 0;
const perColumn = (columns: number, rowGroupRows: number) => ({
  key: `test-${++keys}`,
  columns,
  rowGroupRows,
});

describe('ZstdPageLevels.countedColumn', () => {
  it('moves to the next column when a column has its row group rows, and wraps', () => {
    const levels = new ZstdPageLevels({ ...DEFAULT_ZSTD, perColumn: perColumn(3, 10) });
    expect([4, 6, 10].map((v) => levels.countedColumn(v))).toEqual([0, 0, 1]);
    expect(levels.countedColumn(undefined)).toBe(2); // a dictionary page opens column 2
    expect([3, 7, 10].map((v) => levels.countedColumn(v))).toEqual([2, 2, 0]);
  });

  it('gives up for the rest of the file once a column overshoots (a repeated leaf)', () => {
    const levels = new ZstdPageLevels({ ...DEFAULT_ZSTD, perColumn: perColumn(2, 10) });
    expect(levels.countedColumn(7)).toBe(0);
    expect(levels.countedColumn(7)).toBe(0);
    expect([10, undefined, 10].map((v) => levels.countedColumn(v))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('counts nothing without per-column settings', () => {
    const levels = new ZstdPageLevels(DEFAULT_ZSTD);
    expect(levels.countedColumn(10)).toBe(0);
    expect(pageSlot(undefined, false)).toBeUndefined();
    expect([pageSlot(0, false), pageSlot(0, true), pageSlot(3, false)]).toEqual([0, 1, 6]);
  });
});

describe('ZstdPageLevels.compress', () => {
  const standard = (body: Uint8Array) => zstdCompressSync(body, { params: zstdParams(DEFAULT_ZSTD) });
  const fast = (body: Uint8Array) => zstdCompressSync(body, { params: zstdParams(FAST_ZSTD) });
  // Text of a few words: level 3's matches pay; random bytes: nothing does.
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'theta', 'kappa'];
  const text = new TextEncoder().encode(
    Array.from({ length: 20_000 }, (_, i) => words[(i * 7919) % 8]! + words[(i * 31) % 8]!).join(' '),
  );
  const noise = randomBytes(64 * 1024);

  it('tries both settings, keeps the smaller within 1% (fast first), and every page decompresses', () => {
    for (const body of [text, noise]) {
      const levels = new ZstdPageLevels({ ...DEFAULT_ZSTD, perColumn: perColumn(1, 10) });
      const [a, b] = [standard(body), fast(body)];
      const winner = b.length <= a.length * 1.01 ? b : a;
      const out = levels.compress(body, 0);
      expect(out.equals(winner)).toBe(true);
      expect(zstdDecompressSync(out).equals(Buffer.from(body))).toBe(true);
    }
  });

  it('uses the choice for 16 more pages, in later files with the same key too, then tries again', () => {
    const settings = { ...DEFAULT_ZSTD, perColumn: perColumn(1, 10) };
    const first = new ZstdPageLevels(settings);
    first.compress(noise, 0);
    const chosen = fast(noise).length <= standard(noise).length * 1.01 ? 'fast' : 'standard';
    const again = new ZstdPageLevels(settings);
    // The text's winner may differ: for 16 pages the noise's choice still holds.
    for (let page = 0; page < 16; page++) {
      const body = text.subarray(page * 1000, page * 1000 + 60_000);
      const expected = chosen === 'fast' ? fast(body) : standard(body);
      expect((page % 2 === 0 ? first : again).compress(body, 0).equals(expected)).toBe(true);
    }
    // The 17th page is a trial again: both were compressed, the smaller within 1% of level 3 kept.
    const trial = again.compress(text, 0);
    const [a, b] = [standard(text), fast(text)];
    expect(trial.equals(b.length <= a.length * 1.01 ? b : a)).toBe(true);
  });

  it('compresses small pages, pages of no column and files without a key at the default settings', () => {
    const small = text.subarray(0, 4095);
    const levels = new ZstdPageLevels({ ...DEFAULT_ZSTD, perColumn: perColumn(1, 10) });
    expect(levels.compress(small, 0).equals(standard(small))).toBe(true);
    expect(levels.compress(noise, undefined).equals(standard(noise))).toBe(true);
    expect(new ZstdPageLevels(DEFAULT_ZSTD).compress(noise, 0).equals(standard(noise))).toBe(true);
  });
});

const FLAT_FIELDS = ALL_TYPES_SCHEMA.fields.filter((f) => isPrimitive(f.type));

describe('per-column zstd on files arrow-rs writes (seeded)', () => {
  it.each(Array.from({ length: 24 }, (_, i) => i + 1))('seed %i', (seed) => {
    const next = seeded(seed);
    const fields = [FLAT_FIELDS[0]!, ...FLAT_FIELDS.slice(1).filter(() => next() < 0.5)];
    const schema: Schema = { ...ALL_TYPES_SCHEMA, fields };
    const rowCount = 1 + Math.floor(next() * 4000);
    const rows: Row[] = Array.from({ length: rowCount }, (_, i) => ({
      ...ALL_TYPES_ROWS[Math.floor(next() * ALL_TYPES_ROWS.length)]!,
      id: BigInt(i),
    }));
    const file = writeParquetDataFile(schema, rows, {
      ...DEFAULT_PARQUET_WRITE_PROPERTIES,
      compression: 'uncompressed',
      dictionaryEnabled: next() < 0.5,
      rowGroupSizeBytes: 4096 + Math.floor(next() * 200_000),
      pageSizeBytes: 256 + Math.floor(next() * 8192),
    }).bytes;

    const footerLength = new DataView(file.buffer, file.byteOffset + file.length - 8, 4).getUint32(0, true);
    const footer = readThriftStruct(file, file.length - 8 - footerLength).struct;
    const rowGroups = (listField(footer, 4) ?? []).map((g) => (g.type === 12 ? g.struct : []));
    const rowGroupRows = intField(rowGroups[0]!, 3)!;
    // Every page in file order with the column the footer puts it in.
    const pages: { column: number; values: number | undefined }[] = [];
    const pagesPerGroup: number[] = [];
    let dataEnd = 4;
    for (const group of rowGroups) {
      const before = pages.length;
      (listField(group, 1) ?? []).forEach((chunk, column) => {
        const meta = structField(chunk.type === 12 ? chunk.struct : [], 3)!;
        const start = intField(meta, 11) ?? intField(meta, 9)!;
        const end = start + intField(meta, 7)!;
        for (let at = start; at < end; ) {
          const { struct: header, end: bodyAt } = readThriftStruct(file, at);
          const dataPage = structField(header, 5);
          pages.push({ column, values: dataPage === undefined ? undefined : intField(dataPage, 1) });
          at = bodyAt + intField(header, 3)!;
        }
        dataEnd = Math.max(dataEnd, end);
      });
      pagesPerGroup.push(pages.length - before);
    }
    const zstd = { ...DEFAULT_ZSTD, perColumn: perColumn(fields.length, rowGroupRows) };
    const counter = new ZstdPageLevels(zstd);
    const counted = pages.map((page) => counter.countedColumn(page.values));
    // The last row group may be shorter: finish() places its pages from the footer.
    const full = pages.length - pagesPerGroup[pagesPerGroup.length - 1]!;
    expect(counted.slice(0, full)).toEqual(pages.slice(0, full).map((p) => p.column));

    // Recompressed in random pieces, then read back: the same rows as the plain file.
    const out: Uint8Array[] = [];
    const recompressor = new ParquetPageRecompressor(zstd, (bytes) => out.push(bytes));
    for (let at = 0; at < dataEnd; ) {
      const to = Math.min(dataEnd, at + 1 + Math.floor(next() * 20_000));
      recompressor.pages(file.slice(at, to));
      at = to;
    }
    recompressor.finish(file.slice(dataEnd));
    const recompressed = Buffer.concat(out);
    expect(
      Buffer.from(readParquetToArrowIpc(recompressed)).equals(Buffer.from(readParquetToArrowIpc(file))),
    ).toBe(true);
  });
});
