// The worker's write path without Kafka or a catalog: Avro records of an
// end-to-end benchmark shape decoded straight into the columns of a streamed
// Parquet file (StreamedParquetFile on the encoder pool, as `floe run` writes),
// a new file every --file-rows rows (the wide shape's batches in bench/e2e.ts:
// 385,000 rows per 128 MiB commit), its bytes dropped as they are encoded.
//   node bench/encode-pipeline.ts [--shape wide] [--records 1000000] [--file-rows 385000] [--rounds 2]
// Prints per round: wall seconds, records/s, process CPU seconds (every thread),
// seconds the JS thread waited for the encoder (backpressure) and in finish()
// (the file's last row group and footer: what a commit waits for), and bytes
// per row, the process's peak RSS so far. Compare trees by running the same file in each (git archive + the
// same node_modules): nothing here but the APIs it calls differs.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type ParquetSink, StreamedParquetFile } from '../src/parquet/parquet-data-file-writer.ts';
import {
  closeSharedParquetEncoderPool,
  sharedParquetEncoderPool,
} from '../src/parquet/parquet-encoder-pool.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../src/parquet/parquet-write-properties.ts';
import { RECORD_SHAPES, type ShapeName } from './e2e/record-shapes.ts';
import { shapeDecoding } from './e2e/shape-decoding.ts';

const { values: args } = parseArgs({
  options: {
    shape: { type: 'string', default: 'wide' },
    records: { type: 'string', default: '1000000' },
    'file-rows': { type: 'string', default: '385000' },
    rounds: { type: 'string', default: '2' },
  },
});
const shape = RECORD_SHAPES[args.shape as ShapeName];
if (shape === undefined) throw new Error(`--shape: '${args.shape}' is not one of reference, wide`);
const RECORDS = Number(args.records);
const FILE_ROWS = Number(args['file-rows']);
const ROUNDS = Number(args.rounds);
/** Distinct payloads, cycled (a million Buffers would cost more memory than the files). */
const DISTINCT = Math.min(RECORDS, 200_000);

const { payloads, decoder, schema } = await shapeDecoding(shape, DISTINCT);
const pool = sharedParquetEncoderPool();

/** Counts the bytes and drops them, like a store that takes them at once. */
function countingSink(total: { bytes: number }): ParquetSink {
  return {
    write: async (bytes) => {
      total.bytes += bytes.length;
    },
    close: async () => undefined,
    abort: async () => undefined,
  };
}

async function round(): Promise<void> {
  const total = { bytes: 0 };
  const waitsBefore = pool.waitSeconds;
  let finishSeconds = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  let file = new StreamedParquetFile(schema, DEFAULT_PARQUET_WRITE_PROPERTIES, pool, {
    sink: countingSink(total),
  });
  const finish = async () => {
    const t = performance.now();
    await file.finish();
    finishSeconds += (performance.now() - t) / 1000;
  };
  for (let i = 0; i < RECORDS; i++) {
    const record = decoder.directSync!(payloads[i % DISTINCT]!)!;
    const waited = file.appendWith(record.fillFor(schema)!);
    if (waited !== undefined) await waited;
    if (file.rowCount === FILE_ROWS) {
      await finish();
      file = new StreamedParquetFile(schema, DEFAULT_PARQUET_WRITE_PROPERTIES, pool, {
        sink: countingSink(total),
      });
    }
  }
  if (file.rowCount > 0) await finish();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `${shape.name}: ${seconds.toFixed(2)} s, ${Math.round(RECORDS / seconds).toLocaleString('en-US')} records/s, ` +
      `CPU ${cpuSeconds.toFixed(2)} s (${((cpuSeconds * 1e6) / RECORDS).toFixed(2)} µs/record), ` +
      `encoder wait ${(pool.waitSeconds - waitsBefore).toFixed(2)} s, finish ${finishSeconds.toFixed(2)} s, ` +
      `${(total.bytes / RECORDS).toFixed(1)} bytes/row, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB, ` +
      `load ${loadavg()[0]!.toFixed(1)}`,
  );
}

for (let r = 0; r < ROUNDS; r++) await round();
await closeSharedParquetEncoderPool();
