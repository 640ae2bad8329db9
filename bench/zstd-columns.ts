// zstd settings column by column: an e2e shape's rows written as one Parquet
// file with uncompressed pages (the worker's writer, a row group per 32 MiB of
// Arrow data), then each column chunk compressed in 256 KiB pieces (about a
// page) at each setting, three times; the last row groups' time is the steady
// state. Prints bytes and microseconds a row per setting, and what picking the
// smaller of the default and level 1 per column (within 1%) would give, which
// is what src/parquet/zstd-page-levels.ts does page by page.
//   node bench/zstd-columns.ts [--shape wide] [--rows 400000] [--columns]
import { parseArgs } from 'node:util';
import { zstdCompressSync } from 'node:zlib';
import { StreamedParquetFile } from '../src/parquet/parquet-data-file-writer.ts';
import {
  closeSharedParquetEncoderPool,
  sharedParquetEncoderPool,
} from '../src/parquet/parquet-encoder-pool.ts';
import { readParquetFooter } from '../src/parquet/parquet-footer.ts';
import { DEFAULT_ZSTD } from '../src/parquet/parquet-page-recompressor.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../src/parquet/parquet-write-properties.ts';
import { FAST_ZSTD, type ZstdSettings, zstdParams } from '../src/parquet/zstd-page-levels.ts';
import { RECORD_SHAPES, type ShapeName } from './e2e/record-shapes.ts';
import { shapeDecoding } from './e2e/shape-decoding.ts';

const { values: args } = parseArgs({
  options: {
    shape: { type: 'string', default: 'wide' },
    rows: { type: 'string', default: '400000' },
    columns: { type: 'boolean', default: false },
  },
});
const shape = RECORD_SHAPES[args.shape as ShapeName];
if (shape === undefined) throw new Error(`--shape: '${args.shape}' is not one of reference, wide`);
const ROWS = Number(args.rows);
const PIECE = 256 * 1024;
const SETTINGS: Record<string, ZstdSettings> = {
  default: DEFAULT_ZSTD,
  'level 1, minMatch 5': FAST_ZSTD,
  'level -3': { level: -3 },
};

const { payloads, decoder, schema } = await shapeDecoding(shape, ROWS);
const file = new StreamedParquetFile(
  schema,
  { ...DEFAULT_PARQUET_WRITE_PROPERTIES, compression: 'uncompressed' },
  sharedParquetEncoderPool(),
);
for (const payload of payloads) {
  const waited = file.appendWith(decoder.directSync!(payload)!.fillFor(schema)!);
  if (waited !== undefined) await waited;
}
const written = await file.finish();
await closeSharedParquetEncoderPool();
const bytes = written.bytes;
if (bytes === undefined) throw new Error('the file without a sink returned no bytes');
const footer = readParquetFooter(bytes);

/** Bytes and ms of one column chunk at one setting (best of 3). */
function compress(data: Uint8Array, settings: ZstdSettings): { bytes: number; ms: number } {
  const params = zstdParams(settings);
  let best = Number.POSITIVE_INFINITY;
  let out = 0;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    out = 0;
    for (let at = 0; at < data.length; at += PIECE)
      out += zstdCompressSync(data.subarray(at, at + PIECE), { params }).length;
    best = Math.min(best, performance.now() - start);
  }
  return { bytes: out, ms: best };
}

const names = [...Object.keys(SETTINGS), 'per column'];
const totals = new Map(names.map((name) => [name, { bytes: 0, ms: 0 }]));
let rows = 0;
// The first row group warms zstd up: measured from the second on when there is one.
const groups = footer.rowGroups.length > 1 ? footer.rowGroups.slice(1) : footer.rowGroups;
for (const group of groups) {
  rows += group.numRows;
  group.columns.forEach((chunk, column) => {
    const data = bytes.subarray(chunk.startOffset, chunk.startOffset + chunk.compressedSize);
    const results = Object.values(SETTINGS).map((settings) => compress(data, settings));
    const [standard, fast] = results as [{ bytes: number; ms: number }, { bytes: number; ms: number }];
    results.push(fast.bytes <= standard.bytes * 1.01 ? fast : standard);
    results.forEach((result, i) => {
      const total = totals.get(names[i]!)!;
      total.bytes += result.bytes;
      total.ms += result.ms;
    });
    if (args.columns) {
      const cells = results.map((r) => `${(r.bytes / group.numRows).toFixed(2)} B ${r.ms.toFixed(1)} ms`);
      console.log(`${footer.leafNames[column]}: ${cells.join(' | ')}`);
    }
  });
}
console.log(`${shape.name}, ${rows.toLocaleString('en-US')} rows (${groups.length} row groups measured):`);
for (const [name, total] of totals) {
  console.log(
    `  ${name}: ${(total.bytes / rows).toFixed(2)} B a row, ${((total.ms * 1000) / rows).toFixed(3)} µs a row`,
  );
}
