// Avro records of the end-to-end benchmark's shapes into Arrow column builders,
// the two ways the worker can do it, on one thread with nothing else timed:
//   row:    decodeSync (a row object, bigint longs, strings) + RecordBatchBuilder.append
//   direct: directSync + RecordBatchBuilder.appendWith (avro-column-decoder.ts)
//   node bench/decode-into-columns.ts [records] [rounds]
// Prints the best round's wall and CPU (process.cpuUsage: the GC's threads count) microseconds per record of each (a new builder every
// 50,000 rows, about the rows of one 16 MiB chunk of the wide shape).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { RecordBatchBuilder } from '../src/parquet/record-batch-builder.ts';
import { RECORD_SHAPES, type ShapeName } from './e2e/record-shapes.ts';
import { BENCH_SOURCE, shapeDecoding } from './e2e/shape-decoding.ts';

const RECORDS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 6);
const ROWS_PER_BUILDER = 50_000;
const where = BENCH_SOURCE;

async function shape(name: ShapeName): Promise<void> {
  const shape = RECORD_SHAPES[name];
  const { payloads, decoder, schema } = await shapeDecoding(shape, RECORDS);

  const viaRows = (): void => {
    let builder = new RecordBatchBuilder(schema);
    for (const payload of payloads) {
      builder.append(decoder.decodeSync(payload, where)!.row);
      if (builder.rowCount === ROWS_PER_BUILDER) {
        builder.finish();
        builder = new RecordBatchBuilder(schema, builder);
      }
    }
    builder.finish();
  };
  const direct = (): void => {
    let builder = new RecordBatchBuilder(schema);
    for (const payload of payloads) {
      const record = decoder.directSync!(payload)!;
      builder.appendWith(record.fillFor(schema)!);
      if (builder.rowCount === ROWS_PER_BUILDER) {
        builder.finish();
        builder = new RecordBatchBuilder(schema, builder);
      }
    }
    builder.finish();
  };
  const best = { row: Infinity, direct: Infinity };
  const cpu = { row: Infinity, direct: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [kind, run] of [
      ['row', viaRows],
      ['direct', direct],
    ] as const) {
      const start = performance.now();
      const startCpu = process.cpuUsage();
      run();
      const used = process.cpuUsage(startCpu);
      best[kind] = Math.min(best[kind], ((performance.now() - start) * 1000) / RECORDS);
      cpu[kind] = Math.min(cpu[kind], (used.user + used.system) / RECORDS);
    }
  }
  const figure = (kind: 'row' | 'direct') => `${best[kind].toFixed(2)} µs (CPU ${cpu[kind].toFixed(2)} µs)`;
  console.log(
    `${name}: row path ${figure('row')}, direct ${figure('direct')} per record: ${(cpu.row / cpu.direct).toFixed(2)}x less CPU; best of ${ROUNDS} rounds of ${RECORDS.toLocaleString('en-US')}, load ${loadavg()[0]!.toFixed(1)}`,
  );
}

for (const name of ['reference', 'wide'] as const) await shape(name);
