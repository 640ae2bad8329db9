// Memory of one compaction run (docs/benchmarks.md, "Compaction memory"):
//   node bench/compaction-memory.ts [--files 16] [--rows-per-file 16384] [--sorted]
//                                   [--max-input-mb <n>] [--calling-thread] [--dir <dir>]
// Writes a table of small files of the e2e benchmark's wide shape (50 columns:
// longs, ints, doubles, short strings, booleans, timestamps, one value in 16
// null) with floe's own writer into a SQLite catalog and local files, then
// compacts it (floe's compactTable, the worker's path, forced) in a child
// process that does nothing else, and prints the child's peak RSS (VmHWM), its
// RSS before the run, and the largest RSS, JS heap and ArrayBuffer bytes seen
// while it ran (sampled every 20 ms; a long synchronous stretch can hide a
// sample, VmHWM cannot). The defaults are what the freshness benchmark's worker
// compacted at once (16 files, ~260,000 wide rows). --sorted gives the table a
// sort order (the whole-group path). Without --max-input-mb the run's input
// budget is the default: 128 MiB, 16 MiB for a sorted table. The rewrite runs
// on the compaction thread, as in the worker; --calling-thread rewrites on the
// main thread instead (as `floe maintain` does). RSS counts every thread; the JS
// heap is the main thread's, and so are the event loop's figures (the share of
// the run it was busy, its longest delay): what ingestion would have had left.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { TableIdentifier } from '../src/catalog/catalog.ts';
import { openSqlCatalog } from '../src/catalog/sql/open-sql-catalog.ts';
import { UNPARTITIONED } from '../src/iceberg/partition-spec.ts';
import { parseTransform } from '../src/iceberg/transforms.ts';
import { type NestedField, primitive, type Row, type Schema } from '../src/iceberg/types.ts';
import { LocalFileIO } from '../src/io/local-file-io.ts';
import { compactTable } from '../src/maintenance/compaction-run.ts';
import { closeCompactionThread, rewriteGroupOffThread } from '../src/maintenance/compaction-thread.ts';
import { sharedParquetEncoderPool } from '../src/parquet/parquet-encoder-pool.ts';
import { appendRows } from '../test/support/floe-append.ts';

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '16' },
    'rows-per-file': { type: 'string', default: '16384' },
    sorted: { type: 'boolean', default: false },
    'calling-thread': { type: 'boolean', default: false },
    'max-input-mb': { type: 'string' },
    dir: { type: 'string' },
    compact: { type: 'boolean', default: false },
  },
});

const ID: TableIdentifier = { namespace: ['bench'], name: 'wide' };
const MB = 1024 * 1024;

const KINDS: ReadonlyArray<readonly [prefix: string, count: number, type: NestedField['type']]> = [
  ['l', 11, primitive('long')],
  ['i', 10, primitive('int')],
  ['d', 10, primitive('double')],
  ['s', 10, primitive('string')],
  ['b', 4, primitive('boolean')],
  ['t', 4, primitive('timestamp')],
];
const COLUMNS = KINDS.flatMap(([prefix, count, type]) =>
  Array.from({ length: count }, (_, k) => ({ name: `${prefix}${String(k + 1).padStart(2, '0')}`, type })),
);
const SCHEMA: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    ...COLUMNS.map((c, i) => ({ id: i + 2, name: c.name, required: false, type: c.type })),
  ],
};
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
const BASE_US = 1_700_000_000_000_000n;

/** One wide row, the same value mix as bench/e2e/record-shapes.ts's wide shape. */
function wideRow(i: number): Row {
  let state = (i * 2654435761) >>> 0 || 1;
  const row: Row = { id: BigInt(i) };
  for (const { name } of COLUMNS) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const r = state >>> 0;
    if ((r & 15) === 0) {
      row[name] = null;
      continue;
    }
    const kind = name[0];
    if (kind === 'l') row[name] = BigInt(r) * 64n + BigInt(i % 64);
    else if (kind === 'i') row[name] = (r % 2_000_000) - 1_000_000;
    else if (kind === 'd') row[name] = r / 1024;
    else if (kind === 's') row[name] = `${WORDS[r % WORDS.length]}-${(r >>> 8) % 10_000}`;
    else if (kind === 'b') row[name] = (r & 32) === 0;
    else row[name] = BASE_US + BigInt(r % 31_536_000) * 1_000_000n;
  }
  return row;
}

function statusKb(key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : 0;
}

async function setUp(dir: string): Promise<void> {
  const io = new LocalFileIO();
  const catalog = openSqlCatalog({ name: 'b', uri: join(dir, 'c.db'), warehouse: join(dir, 'wh'), io });
  await catalog.createNamespace(['bench']);
  await catalog.createTable(ID, {
    schema: SCHEMA,
    spec: UNPARTITIONED,
    ...(args.sorted
      ? {
          sortOrder: {
            orderId: 1,
            fields: [
              {
                sourceId: 3,
                transform: parseTransform('identity'),
                direction: 'asc',
                nullOrder: 'nulls-first',
              },
            ],
          },
        }
      : {}),
    properties: { 'format-version': '2' },
  });
  const files = Number(args.files);
  const perFile = Number(args['rows-per-file']);
  let bytes = 0;
  for (let f = 0; f < files; f++) {
    const rows = Array.from({ length: perFile }, (_, k) => wideRow(f * perFile + k));
    await appendRows(catalog, io, ID, rows);
    const { metadata } = await catalog.loadTable(ID);
    const summary = metadata.snapshots.at(-1)?.summary ?? {};
    bytes = Number(summary['total-files-size'] ?? 0);
  }
  await catalog.close();
  await sharedParquetEncoderPool().close();
  process.stdout.write(
    `table: ${files} files x ${perFile} wide rows = ${files * perFile} rows, ${(bytes / MB).toFixed(1)} MiB of Parquet${args.sorted ? ', sorted by l02' : ''}\n`,
  );
}

async function compact(dir: string): Promise<void> {
  const io = new LocalFileIO();
  const catalog = openSqlCatalog({ name: 'b', uri: join(dir, 'c.db'), warehouse: join(dir, 'wh'), io });
  const before = process.memoryUsage();
  const peak = { rss: 0, heapUsed: 0, arrayBuffers: 0, external: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
    peak.external = Math.max(peak.external, m.external);
  };
  const timer = setInterval(sample, 20);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const busy = performance.eventLoopUtilization();
  const started = performance.now();
  const result = await compactTable(catalog, io, ID, {
    force: true,
    quietMs: 0,
    minInputFiles: 2,
    ...(args['max-input-mb'] === undefined ? {} : { maxInputBytes: Number(args['max-input-mb']) * MB }),
    ...(args['calling-thread'] ? {} : { rewrite: rewriteGroupOffThread }),
  });
  const seconds = (performance.now() - started) / 1000;
  const utilization = performance.eventLoopUtilization(busy).utilization;
  delay.disable();
  sample();
  clearInterval(timer);
  await catalog.close();
  await closeCompactionThread();
  await sharedParquetEncoderPool().close();
  const mb = (n: number) => (n / MB).toFixed(0);
  process.stdout.write(
    [
      `compaction: ${result.filesRewritten} files (${mb(result.bytesRewritten)} MiB) -> ${result.filesAdded} (${mb(result.bytesWritten)} MiB), ${result.records} rows, ${seconds.toFixed(1)} s${result.skipped ? ` (skipped: ${result.skipped})` : ''}, rewritten on ${args['calling-thread'] ? 'the main thread' : 'the compaction thread'}`,
      `main thread's event loop: busy ${(utilization * 100).toFixed(0)}% of the run, longest delay ${(delay.max / 1e6).toFixed(0)} ms`,
      `RSS before the run ${mb(before.rss)} MB, JS heap ${mb(before.heapUsed)} MB`,
      `during the run (sampled): RSS ${mb(peak.rss)} MB, JS heap ${mb(peak.heapUsed)} MB, ArrayBuffers ${mb(peak.arrayBuffers)} MB, external ${mb(peak.external)} MB`,
      `peak RSS (VmHWM) ${(statusKb('VmHWM') / 1024).toFixed(0)} MB`,
      '',
    ].join('\n'),
  );
}

if (args.compact) {
  await compact(args.dir!);
} else {
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'floe-compaction-memory-'));
  await setUp(dir);
  // The compaction alone in a fresh process, so its peak is not the setup's.
  const budget = args['max-input-mb'] === undefined ? [] : ['--max-input-mb', args['max-input-mb']];
  const where = args['calling-thread'] ? ['--calling-thread'] : [];
  const passed = [...budget, ...where, '--dir', dir, '--compact'];
  const script = new URL(import.meta.url).pathname;
  const child = spawnSync(process.execPath, [...process.execArgv, script, ...passed], { stdio: 'inherit' });
  process.stdout.write(`table folder: ${dir}\n`);
  process.exit(child.status ?? 1);
}
