// Key index benchmark (docs/upsert.md, "The key index"): builds one partition's
// index for N keys (long ids, canonical keys) through staged batches committed
// as the worker commits them, looks up random keys, then writes Parquet data
// files holding the N keys (id + a 40-byte payload, 1 M rows per file, on
// local disk) and rebuilds the index from them as an assignment does. Prints
// time, the process's RSS (peak and after each phase) and the store's size on
// disk. No services needed.
//   node bench/upsert-index.ts [--keys 10000000] [--batch 100000] [--rows-per-file 1000000] [--dir DIR]
// npm run bench:upsert-index -- <options>.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceUsage } from 'node:process';
import { parseArgs } from 'node:util';
import type { NestedField, Row, Schema } from '../src/iceberg/types.ts';
import { primitive } from '../src/iceberg/types.ts';
import { writeParquetDataFile } from '../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../src/parquet/parquet-write-properties.ts';
import { KeyEncoder } from '../src/worker/upsert/change-key.ts';
import { attributedFileSuffix } from '../src/worker/upsert/file-attribution.ts';
import { PartitionKeyIndex } from '../src/worker/upsert/key-index.ts';
import { rebuildPartitionIndex } from '../src/worker/upsert/key-index-rebuild.ts';
import { LmdbKeyStores } from '../src/worker/upsert/lmdb-key-store.ts';

const { values: args } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000000' },
    batch: { type: 'string', default: '100000' },
    'rows-per-file': { type: 'string', default: '1000000' },
    dir: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  const header = readFileSync(new URL(import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('//'));
  console.log(header.map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}

const keys = Number(args.keys);
const batch = Number(args.batch);
const rowsPerFile = Number(args['rows-per-file']);
const root = args.dir ?? mkdtempSync(join(tmpdir(), 'floe-bench-upsert-'));
mkdirSync(root, { recursive: true });

const MIB = 1024 * 1024;
/** RSS counts the LMDB pages mapped into the process (file-backed, reclaimable); the heap is the JS part. */
const rss = () => {
  const usage = process.memoryUsage();
  return `${(usage.rss / MIB).toFixed(0)} MiB (heap ${(usage.heapUsed / MIB).toFixed(0)} MiB)`;
};
const peak = () => `${(resourceUsage().maxRSS / 1024).toFixed(0)} MiB`;
let cpuMark = process.cpuUsage();
/** CPU seconds (user + system) since the last call: the machine may be shared, wall time alone misleads. */
const cpu = () => {
  const used = process.cpuUsage(cpuMark);
  cpuMark = process.cpuUsage();
  return `cpu ${((used.user + used.system) / 1e6).toFixed(1)} s`;
};
const rate = (n: number, ms: number) => `${(((n / ms) * 1000) / 1e6).toFixed(2)} M/s`;
const idField: NestedField = { id: 1, name: 'id', required: true, type: primitive('long') };
const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [1],
  fields: [idField, { id: 2, name: 'payload', required: false, type: primitive('string') }],
};
const encoder = new KeyEncoder([idField]);

console.log(`keys ${keys.toLocaleString('en')}, batches of ${batch.toLocaleString('en')}, store in ${root}`);
console.log(`start: rss ${rss()}`);

// 1. Build through staged batches, as commits apply them.
const stores = new LmdbKeyStores(join(root, 'index'));
const index = new PartitionKeyIndex('bench:0', stores.openFresh('bench:0'));
let started = performance.now();
cpu();
for (let first = 0; first < keys; first += batch) {
  const stage = index.stage();
  const file = `s3://bucket/t/data/${first / batch}${attributedFileSuffix('bench', 0)}`;
  const end = Math.min(keys, first + batch);
  for (let id = first; id < end; id++) stage.put(encoder.fromRow({ id: BigInt(id) }), file, id - first);
  stage.commit();
}
let ms = performance.now() - started;
console.log(
  `build: ${(ms / 1000).toFixed(1)} s (${rate(keys, ms)}), ${cpu()}, ${index.size.toLocaleString('en')} keys, ` +
    `disk ${(stores.diskBytes() / MIB).toFixed(0)} MiB, rss ${rss()}, peak rss ${peak()}`,
);

// 2. Random lookups (an update finds the key's row).
const lookups = Math.min(keys, 1_000_000);
let state = 12345;
started = performance.now();
let found = 0;
for (let i = 0; i < lookups; i++) {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  if (index.lookup(encoder.fromRow({ id: BigInt(state % keys) }))?.live === true) found++;
}
ms = performance.now() - started;
console.log(
  `lookups: ${lookups.toLocaleString('en')} random in ${(ms / 1000).toFixed(1)} s (${rate(lookups, ms)}), ${cpu()}, ${found} found, rss ${rss()}`,
);
await stores.close();

// 3. Parquet files holding the keys, then a rebuild from them.
const dataDir = join(root, 'data');
mkdirSync(dataDir, { recursive: true });
started = performance.now();
const files: string[] = [];
let dataBytes = 0;
for (let first = 0; first < keys; first += rowsPerFile) {
  const end = Math.min(keys, first + rowsPerFile);
  const rows: Row[] = [];
  for (let id = first; id < end; id++)
    rows.push({ id: BigInt(id), payload: `payload-${id}`.padEnd(40, '.') });
  const bytes = writeParquetDataFile(schema, rows, DEFAULT_PARQUET_WRITE_PROPERTIES).bytes;
  const path = join(dataDir, `${files.length}${attributedFileSuffix('bench', 0)}`);
  writeFileSync(path, bytes);
  dataBytes += bytes.length;
  files.push(path);
}
ms = performance.now() - started;
console.log(
  `data files: ${files.length} written in ${(ms / 1000).toFixed(1)} s, ${cpu()}, ${(dataBytes / MIB).toFixed(0)} MiB, rss ${rss()}`,
);

const rebuildStores = new LmdbKeyStores(join(root, 'rebuilt'));
const rebuilt = new PartitionKeyIndex('bench:0', rebuildStores.openFresh('bench:0'));
const stats = await rebuildPartitionIndex(rebuilt, {
  files: files.map((path) => ({ path })),
  keyFields: [idField],
  read: async (path) => readFileSync(path),
});
console.log(
  `rebuild: ${stats.seconds.toFixed(1)} s (${rate(stats.keys, stats.seconds * 1000)}), ${cpu()}, from ${stats.files} files, ` +
    `${stats.rows.toLocaleString('en')} rows, ${stats.keys.toLocaleString('en')} keys, ` +
    `disk ${(rebuildStores.diskBytes() / MIB).toFixed(0)} MiB, rss ${rss()}, peak rss ${peak()}`,
);
await rebuildStores.close();
if (args.dir === undefined) rmSync(root, { recursive: true, force: true });
