// Throughput of the parquet/ layer on a 10-column reference schema:
//   node bench/parquet-write.ts [rows]
// Phase 1 builds Arrow columns from rows (RecordBatchBuilder.append), phase 2 writes
// Parquet (IPC hand-off + parquet-wasm + footer read-back). Rows are generated
// before timing starts.
import { performance } from 'node:perf_hooks';
import { decimal, primitive, type Row, type Schema } from '../src/iceberg/types.ts';
import { writeParquetDataFile } from '../src/parquet/parquet-data-file-writer.ts';
import {
  DEFAULT_PARQUET_WRITE_PROPERTIES,
  type ParquetCompression,
} from '../src/parquet/parquet-write-properties.ts';
import { RecordBatchBuilder } from '../src/parquet/record-batch-builder.ts';

const ROWS = Number(process.argv[2] ?? 1_000_000);

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'ts', required: true, type: primitive('timestamptz') },
    { id: 3, name: 'name', required: false, type: primitive('string') },
    { id: 4, name: 'amount', required: false, type: decimal(18, 2) },
    { id: 5, name: 'qty', required: false, type: primitive('int') },
    { id: 6, name: 'price', required: false, type: primitive('double') },
    { id: 7, name: 'flag', required: false, type: primitive('boolean') },
    { id: 8, name: 'category', required: false, type: primitive('string') },
    { id: 9, name: 'uuid', required: false, type: primitive('uuid') },
    { id: 10, name: 'day', required: false, type: primitive('date') },
  ],
};

// Decoders (JSON.parse, TextDecoder) hand over flat strings; template literals make
// rope strings that cost an extra flatten on first read, so flatten them here.
const flat = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

const CATEGORIES = ['books', 'games', 'garden', 'kitchen', 'music', 'outdoor', 'toys', 'tools'];

function makeRows(n: number): Row[] {
  const rows: Row[] = new Array(n);
  const start = 1_704_067_200_000_000n;
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < n; i++) {
    const r = next();
    const hex = (next().toString(16).padStart(8, '0') + next().toString(16).padStart(8, '0')).repeat(2);
    rows[i] = {
      id: BigInt(i),
      ts: start + BigInt(i) * 1000n,
      name: flat(`customer-${r % 100_000}`),
      amount: BigInt(r % 10_000_000),
      qty: r % 100,
      price: (r % 100_000) / 100,
      flag: (r & 1) === 1,
      category: CATEGORIES[r % CATEGORIES.length],
      uuid: flat(
        `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
      ),
      day: 19723 + (i % 365),
    };
  }
  return rows;
}

const rate = (count: number, seconds: number) => `${(count / seconds / 1e6).toFixed(2)}M`;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

console.log(`generating ${ROWS.toLocaleString()} rows...`);
const rows = makeRows(ROWS);

function runBuild(): { builder: RecordBatchBuilder; seconds: number } {
  const t0 = performance.now();
  const builder = new RecordBatchBuilder(schema);
  for (let i = 0; i < rows.length; i++) builder.append(rows[i] as Row);
  return { builder, seconds: (performance.now() - t0) / 1000 };
}

// Warm-up on a slice so the JIT has seen every builder.
{
  const warm = new RecordBatchBuilder(schema);
  for (let i = 0; i < Math.min(50_000, rows.length); i++) warm.append(rows[i] as Row);
  writeParquetDataFile(schema, warm, DEFAULT_PARQUET_WRITE_PROPERTIES);
}

const build = runBuild();
const arrowBytes = build.builder.estimatedBytes;
console.log(
  `build arrow columns: ${build.seconds.toFixed(2)}s  ${rate(ROWS, build.seconds)} rows/s  ` +
    `${(arrowBytes / 1024 / 1024 / build.seconds).toFixed(0)} MB/s of Arrow buffers (${mb(arrowBytes)} MB)`,
);
build.builder.finish();

const codecs: ParquetCompression[] = ['zstd', 'snappy', 'uncompressed'];
for (const compression of codecs) {
  const { builder } = runBuild();
  const t0 = performance.now();
  const written = writeParquetDataFile(schema, builder, { ...DEFAULT_PARQUET_WRITE_PROPERTIES, compression });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `write parquet (${compression}): ${seconds.toFixed(2)}s  ${rate(ROWS, seconds)} rows/s  ` +
      `${(arrowBytes / 1024 / 1024 / seconds).toFixed(0)} MB/s in, file ${mb(written.bytes.length)} MB ` +
      `(${(written.bytes.length / arrowBytes).toFixed(2)} of Arrow size), row groups ${written.splitOffsets.length}`,
  );
}
