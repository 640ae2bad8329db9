// Cold snapshot expiry on S3 + REST (docs/benchmarks.md, "Snapshot expiry with
// a cold cache"): the first expiry after a worker starts, and every `floe
// maintain --expire`, reads the manifest list of every snapshot and, when the
// expired snapshots free a manifest, every manifest the kept ones name, before
// it can delete anything. This builds one table per setting, alike: --snapshots
// appends of one tiny data file each, floe's offsets in the summary, manifests
// merged as floe merges them (every 100 commits, so expiring the oldest
// --expire 110 frees the manifests of the first merge). Then it times, with an
// empty manifest cache each time:
//   - the dry run (SnapshotExpiry.preview: every read, no delete) on the first
//     table, --rounds times per setting, one file at a time and --concurrency at
//     a time in turn, so that the machine's load falls on each alike;
//   - the real expiry of the oldest --expire snapshots, one table per setting;
//   - `floe maintain <table> --expire --json` as shipped (a new process, its
//     default concurrency) on the first table, the next --expire snapshots.
// Each line has the 1-minute load average. The tables (namespace bench) stay
// for a look afterwards; `--drop` drops them at the end.
//   node bench/expiry-cold.ts [--snapshots 540] [--expire 110] [--concurrency 16] [--rounds 3] [--drop]
// Needs the local services (scripts/services up).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { Catalog, TableIdentifier } from '../src/catalog/catalog.ts';
import { RestCatalog } from '../src/catalog/rest/rest-catalog.ts';
import { formatTableIdentifier, parseTableIdentifier } from '../src/catalog/table-identifier.ts';
import { MAX_SNAPSHOT_AGE_MS_PROPERTY } from '../src/iceberg/snapshot-expiry.ts';
import { primitive } from '../src/iceberg/types.ts';
import type { FileIO } from '../src/io/file-io.ts';
import { type ExpiryResult, SnapshotExpiry } from '../src/maintenance/expire-snapshots.ts';
import { SnapshotProducer } from '../src/sink/snapshot-producer.ts';
import { testFileIO } from '../test/support/io.ts';
import { tinyDataFile } from '../test/support/tiny-data-file.ts';
import { benchServices } from './e2e/bench-services.ts';

const { values: args } = parseArgs({
  options: {
    snapshots: { type: 'string', default: '540' },
    expire: { type: 'string', default: '110' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    drop: { type: 'boolean', default: false },
  },
});
const positive = (text: string, what: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--${what}: expected a positive integer (got '${text}')`);
  return n;
};
const snapshots = positive(args.snapshots, 'snapshots');
const expireEach = positive(args.expire, 'expire');
const settings = [1, ...args.concurrency.split(',').map((c) => positive(c.trim(), 'concurrency'))];
const rounds = positive(args.rounds, 'rounds');
if (expireEach * 2 >= snapshots)
  throw new Error(`--snapshots ${snapshots} is too few for two expiries of --expire ${expireEach}`);

const services = benchServices();
const runId = Date.now().toString(36);
const say = (line: string) => process.stdout.write(`${line}\n`);
const load = () => `load ${(loadavg()[0] ?? 0).toFixed(1)}`;
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);
/** This process's CPU seconds (user + system) since `since` (process.cpuUsage()). */
const cpu = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return `CPU ${((used.user + used.system) / 1e6).toFixed(2)} s`;
};
const at = (concurrency: number) => `${String(concurrency).padStart(2)} at a time`;

/** A table of `snapshots` one-file appends; its snapshots' times, oldest first. */
async function build(catalog: Catalog, io: FileIO, id: TableIdentifier): Promise<number[]> {
  if (!(await catalog.namespaceExists(id.namespace))) await catalog.createNamespace(id.namespace);
  await catalog.createTable(id, {
    schema: {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'id', required: false, type: primitive('long') }],
    },
    properties: { 'format-version': '2' },
  });
  const { location } = (await catalog.loadTable(id)).metadata;
  say(`building ${formatTableIdentifier(id)}: ${snapshots} appends on REST + S3 (${load()})`);
  const built = performance.now();
  const producer = new SnapshotProducer(catalog, io);
  for (let i = 0; i < snapshots; i++) {
    const filePath = `${location}/data/f${i}.parquet`;
    await io.write(filePath, new Uint8Array(8));
    const offsets = JSON.stringify({ [`floe-bench-${runId}`]: { 0: i + 1, 1: i + 1, 2: i + 1 } });
    await producer.append(id, {
      dataFiles: [tinyDataFile(filePath)],
      decide: () => ({ kind: 'commit', summary: { 'floe.offsets.bench': offsets } }),
    });
    if ((i + 1) % 100 === 0) say(`  ${i + 1} commits, ${seconds(built)} s (${load()})`);
  }
  const { metadata, metadataLocation } = await catalog.loadTable(id);
  const metadataBytes = (await io.read(metadataLocation)).length;
  say(
    `  built in ${seconds(built)} s: ${metadata.snapshots.length} snapshots, metadata.json ` +
      `${(metadataBytes / 1024).toFixed(0)} KB (${(metadataBytes / metadata.snapshots.length / 1024).toFixed(2)} KB a snapshot)`,
  );
  return metadata.snapshots.map((s) => s.timestampMs).sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const catalog = await RestCatalog.connect({ uri: services.restUri, warehouse: services.restWarehouse });
  const io = testFileIO();
  // One table per setting, built alike, for the real expiries; the dry runs use the first.
  const ids = settings.map((c) => parseTableIdentifier(`bench.expiry_${runId}_${c}`));
  try {
    const times: number[][] = [];
    for (const id of ids) times.push(await build(catalog, io, id));
    // `now` fixed: the age past which the snapshots older than table t's n-th one are.
    const now = Date.now();
    const ageKeeping = (t: number, n: number) => now - times[t]![n]!;

    say(`dry runs (every read, no delete), the oldest ${expireEach} snapshots due, a cold cache each:`);
    for (let round = 1; round <= rounds; round++) {
      for (const concurrency of settings) {
        const expiry = new SnapshotExpiry(catalog, io, {
          now: () => now,
          policy: { maxSnapshotAgeMs: ageKeeping(0, expireEach) },
          concurrency,
        });
        const started = performance.now();
        const cpuStart = process.cpuUsage();
        const r = await expiry.preview(ids[0]!);
        say(
          `  round ${round}, ${at(concurrency)}: ${seconds(started)} s (${cpu(cpuStart)})  ${figures(r)}  (${load()})`,
        );
      }
    }

    say(`real expiries of the oldest ${expireEach} snapshots, one table each, a cold cache each:`);
    for (const [t, concurrency] of settings.entries()) {
      const expiry = new SnapshotExpiry(catalog, io, {
        now: () => now,
        policy: { maxSnapshotAgeMs: ageKeeping(t, expireEach) },
        concurrency,
      });
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      const r = await expiry.expire(ids[t]!);
      say(`  ${at(concurrency)}: ${seconds(started)} s (${cpu(cpuStart)})  ${figures(r)}  (${load()})`);
    }

    const id = ids[0]!;
    await catalog.commitTable(
      id,
      [],
      [
        {
          action: 'set-properties',
          updates: { [MAX_SNAPSHOT_AGE_MS_PROPERTY]: String(Date.now() - times[0]![2 * expireEach]!) },
        },
      ],
    );
    say(`floe maintain ${formatTableIdentifier(id)} --expire --json (a new process, as shipped):`);
    const started = performance.now();
    const summary = await floeMaintain(id);
    const step = summary.steps.find((s) => s.step === 'expire');
    say(
      `  ${seconds(started)} s for the process, ${Number(step?.seconds).toFixed(2)} s for the step: ` +
        `${step?.snapshotsExpired} snapshots expired, ${step?.snapshotsKept} kept, ` +
        `${step?.manifestListsDeleted} manifest lists and ${step?.manifestsDeleted} manifests deleted  (${load()})`,
    );
    if (args.drop) for (const id of ids) await catalog.dropTable(id, { purge: true });
  } finally {
    await catalog.close();
  }
}

function figures(r: ExpiryResult): string {
  return (
    `${r.snapshotsRemoved} snapshots out, ${r.snapshots} kept; deletes ${r.manifestListsDeleted} manifest lists, ` +
    `${r.manifestsDeleted} manifests, ${r.contentFilesDeleted} data files`
  );
}

/** `floe maintain <table> --expire --json` against the stack; its JSON summary. */
async function floeMaintain(id: TableIdentifier): Promise<{ steps: Array<Record<string, unknown>> }> {
  const dir = join(services.root, '.services/bench/expiry', runId);
  mkdirSync(join(dir, 'connectors'), { recursive: true });
  const config = join(dir, 'floe.yaml');
  writeFileSync(
    config,
    stringify({
      kafka: { bootstrapServers: services.kafkaBrokers, groupId: `floe-bench-expiry-${runId}` },
      catalog: { type: 'rest', uri: services.restUri, warehouse: services.restWarehouse },
      storage: { s3: { ...services.s3, pathStyleAccess: true } },
      connectorsDir: './connectors',
      log: { level: 'warn' },
    }),
  );
  // The worker file needs a connector; maintain is given the table itself.
  writeFileSync(
    join(dir, 'connectors', 'bench.yaml'),
    stringify({
      topics: [`floe-bench-expiry-${runId}`],
      key: { format: 'none' },
      value: { format: 'json' },
      table: formatTableIdentifier(id),
    }),
  );
  const child = spawn(
    process.execPath,
    [
      join(services.root, 'bin/floe.js'),
      'maintain',
      formatTableIdentifier(id),
      '--expire',
      '--json',
      '--config',
      config,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`floe maintain exited ${code}: ${stdout}`);
  return JSON.parse(stdout) as { steps: Array<Record<string, unknown>> };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `expiry bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
