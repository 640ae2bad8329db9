// Soak benchmark (docs/benchmarks.md, "Table health over time"): a steady trickle
// into one connector with a short commit interval, for a configurable duration,
// printing over time what a long-running table looks like: manifests in the
// current list, live data files and their average size, snapshots, the current
// metadata.json's size, commit latency, and a PyIceberg full-scan time.
//   node bench/soak.ts [--minutes 30] [--maintenance on|off] [--rate 1000]
//                      [--commit-interval-ms 250] [--partitions 3]
//                      [--sample-seconds 60] [--scan-every 5] [--maintain-every-seconds 60]
//                      [--snapshot-age-minutes 10] [--run-dir <dir>]
// One connector, a declared JSON schema, hour(ts) partitioning, REST catalog + S3
// (scripts/services up). `on`: the worker's own maintenance (connector key
// maintenance, every --maintain-every-seconds: compaction, snapshot expiry) and
// manifest merging on append; snapshots older than --snapshot-age-minutes expire
// (table property history.expire.max-snapshot-age-ms; the default, 5 days, would
// keep every snapshot of a 30-minute run). `off`: maintenance disabled and
// commit.manifest-merge.enabled=false, a table nobody maintains.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { RestCatalog } from '../src/catalog/rest/rest-catalog.ts';
import { parseTableIdentifier } from '../src/catalog/table-identifier.ts';
import { testFileIO } from '../test/support/io.ts';
import { createTopic, TestProducer } from '../test/support/kafka-tools.ts';
import { services as testServices } from '../test/support/services.ts';
import { benchServices } from './e2e/bench-services.ts';
import { formatScan, type ScanTiming, timePyIcebergScan } from './soak/pyiceberg-scan.ts';
import {
  type CommitCounter,
  formatSample,
  formatSampleHeader,
  type HealthSample,
  readCommitCounter,
  sampleTable,
} from './soak/table-health.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    maintenance: { type: 'string', default: 'on' },
    rate: { type: 'string', default: '1000' },
    'commit-interval-ms': { type: 'string', default: '250' },
    partitions: { type: 'string', default: '3' },
    'sample-seconds': { type: 'string', default: '60' },
    'scan-every': { type: 'string', default: '5' },
    'maintain-every-seconds': { type: 'string', default: '60' },
    'snapshot-age-minutes': { type: 'string', default: '10' },
    'run-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  const header = readFileSync(new URL(import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('//'));
  process.stdout.write(`${header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n')}\n`);
  process.exit(0);
}

const num = (text: string, what: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what}: expected a positive number (got '${text}')`);
  return n;
};
const minutes = num(args.minutes, 'minutes');
const maintenance = args.maintenance;
if (maintenance !== 'on' && maintenance !== 'off')
  throw new Error(`--maintenance: on or off (got '${maintenance}')`);
const rate = num(args.rate, 'rate');
const commitIntervalMs = num(args['commit-interval-ms'], 'commit-interval-ms');
const partitions = num(args.partitions, 'partitions');
const sampleMs = num(args['sample-seconds'], 'sample-seconds') * 1000;
const scanEvery = num(args['scan-every'], 'scan-every');
const maintainMs = num(args['maintain-every-seconds'], 'maintain-every-seconds') * 1000;
const snapshotAgeMs = num(args['snapshot-age-minutes'], 'snapshot-age-minutes') * 60_000;

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const services = benchServices();
const runId = `${maintenance}_${Date.now().toString(36)}`;
const runDir = args['run-dir'] ?? join(services.root, '.services/bench/soak', runId);
const topic = `floe-soak-${runId.replace('_', '-')}`;
const tableName = `soak.events_${runId}`;
const id = parseTableIdentifier(tableName);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function writeConfig(port: number): string {
  mkdirSync(join(runDir, 'connectors'), { recursive: true });
  const worker = {
    kafka: { bootstrapServers: services.kafkaBrokers, groupId: `floe-soak-${runId}` },
    catalog: { type: 'rest', uri: services.restUri, warehouse: services.restWarehouse },
    storage: {
      s3: { ...services.s3, pathStyleAccess: true },
    },
    connectorsDir: './connectors',
    dataDir: './data',
    server: { host: '127.0.0.1', port },
    log: { level: 'info' },
  };
  const connector = {
    topics: [topic],
    key: { format: 'none' },
    value: {
      format: 'json',
      schema: [
        { name: 'id', type: 'long', required: true },
        { name: 'ts', type: 'timestamptz', required: true },
        { name: 'user', type: 'string' },
        { name: 'kind', type: 'string' },
        { name: 'amount', type: 'double' },
      ],
    },
    table: tableName,
    autoCreate: {
      enabled: true,
      partitionBy: ['hour(ts)'],
      properties:
        maintenance === 'off'
          ? { 'commit.manifest-merge.enabled': 'false' }
          : { 'history.expire.max-snapshot-age-ms': String(snapshotAgeMs) },
    },
    commit: { intervalMs: commitIntervalMs },
    maintenance: { enabled: maintenance === 'on', intervalMs: maintainMs },
  };
  const file = join(runDir, 'floe.yaml');
  writeFileSync(file, stringify(worker));
  writeFileSync(join(runDir, 'connectors', 'soak.yaml'), stringify(connector));
  return file;
}

/** Produces `rate` records per second, in ten sends a second, until stopped. */
function startProducer(): { produced: () => number; stop: () => Promise<void> } {
  let next = 0;
  let stopped = false;
  const done = (async () => {
    const producer = await new TestProducer().connect();
    const kinds = ['view', 'click', 'buy'];
    const start = Date.now();
    try {
      while (!stopped) {
        const due = Math.floor(((Date.now() - start) / 1000) * rate);
        const batch = [];
        for (; next < due; next++) {
          const value = {
            id: next,
            ts: new Date().toISOString(),
            user: `u${next % 997}`,
            kind: kinds[next % 3],
            amount: (next % 1000) / 10,
          };
          batch.push({ key: null, value: Buffer.from(JSON.stringify(value)), partition: next % partitions });
        }
        if (batch.length > 0) await producer.send(topic, batch);
        await sleep(100);
      }
    } finally {
      await producer.disconnect();
    }
  })();
  return {
    produced: () => next,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

function startWorker(configFile: string): ChildProcess {
  const log = openSync(join(runDir, 'floe.log'), 'a');
  const child = spawn(process.execPath, [join(services.root, 'bin/floe.js'), 'run', '--config', configFile], {
    cwd: runDir,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  process.once('exit', () => child.kill('SIGKILL'));
  return child;
}

/** The worker's maintenance step runs, from its log: count and seconds per step. */
function maintenanceRuns(logFile: string): string {
  const steps = new Map<string, { runs: number; failed: number; seconds: number }>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const match = /"msg":"maintenance: ([\w-]+) (done|failed)/.exec(line);
    if (!match) continue;
    const step = steps.get(match[1]!) ?? { runs: 0, failed: 0, seconds: 0 };
    step.runs++;
    if (match[2] === 'failed') step.failed++;
    step.seconds += Number(/"seconds":([\d.]+)/.exec(line)?.[1] ?? 0);
    steps.set(match[1]!, step);
  }
  return (
    [...steps]
      .map(([name, s]) => `${name} ${s.runs} runs (${s.failed} failed), ${s.seconds.toFixed(1)} s`)
      .join('; ') || 'none'
  );
}

/** The acceptance's figures over the whole run: the worst sample, and how the last compares to the first. */
function overall(samples: ReadonlyArray<SoakSample>): string[] {
  if (samples.length === 0) return ['no samples'];
  const max = (of: (s: HealthSample) => number) => Math.max(...samples.map(of));
  const perPartition = max((s) => s.dataFiles / Math.max(1, s.partitions));
  const meta = samples.map((s) => (s.metadataJsonBytes / 1024).toFixed(0));
  const scans = samples.flatMap((s) =>
    s.scan === undefined ? [] : [{ minute: s.minute, load: s.load1, ...s.scan }],
  );
  const list = (of: (t: (typeof scans)[number]) => string) => scans.map(of).join(' ') || 'none';
  return [
    `over ${samples.length} samples: data files at most ${max((s) => s.dataFiles)} ` +
      `(at most ${perPartition.toFixed(1)} per partition with data; partitions at most ${max((s) => s.partitions)}; ` +
      `most in one partition ${max((s) => s.maxPartitionFiles)})`,
    `manifests in the current list at most ${max((s) => s.manifests)}; snapshots at most ${max((s) => s.snapshots)}`,
    `metadata.json KB per sample: ${meta.join(' ')}`,
    `PyIceberg scans at minutes: ${list((t) => String(t.minute))}`,
    `  wall plan+read s: ${list((t) => (t.planSeconds + t.readSeconds).toFixed(2))}`,
    `  CPU plan+read s:  ${list((t) => (t.planCpuSeconds + t.readCpuSeconds).toFixed(2))}`,
    `  manifests read:   ${list((t) => String(t.manifests))}`,
    `  files planned:    ${list((t) => String(t.files))}; delete files ${list((t) => String(t.deleteFiles))}`,
    `  load average:     ${list((t) => t.load.toFixed(1))}`,
  ];
}

/** A health sample, the 1-minute load average when it was taken, and the scan when one ran. */
type SoakSample = HealthSample & { load1: number; scan?: ScanTiming };

async function main(): Promise<void> {
  mkdirSync(runDir, { recursive: true });
  await createTopic(topic, partitions);
  const port = await freePort();
  const configFile = writeConfig(port);
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  say(
    `soak: ${minutes} min, ${rate} records/s into ${topic} -> ${tableName}, commits every ${commitIntervalMs} ms, maintenance ${maintenance}`,
  );
  say(`run folder ${runDir} (worker log floe.log)`);
  const worker = startWorker(configFile);
  const producer = startProducer();
  const catalog = await RestCatalog.connect({ uri: services.restUri, warehouse: services.restWarehouse });
  const io = testFileIO();
  const samples: SoakSample[] = [];
  const started = Date.now();
  let before: CommitCounter | undefined;
  say(`${formatSampleHeader()}  load1   PyIceberg scan: wall/CPU s (plan+read), plan work`);
  try {
    for (let i = 1; Date.now() - started < minutes * 60_000; i++) {
      await sleep(Math.max(0, started + i * sampleMs - Date.now()));
      if (worker.exitCode !== null)
        throw new Error(`the worker exited (${worker.exitCode}); see ${runDir}/floe.log`);
      const after = await readCommitCounter(metricsUrl);
      const minute = Math.round((Date.now() - started) / 60_000);
      const sample = await sampleTable(catalog, io, id, {
        minute,
        produced: producer.produced(),
        ...(before ? { before } : {}),
        ...(after ? { after } : {}),
      });
      before = after;
      if (sample === undefined) continue;
      const load1 = loadavg()[0] ?? 0;
      let scan: ScanTiming | undefined;
      if (i % Math.round((scanEvery * 60_000) / sampleMs) === 0 || Date.now() - started >= minutes * 60_000)
        scan = await timePyIcebergScan(testServices.readerPython, services, tableName);
      samples.push({ ...sample, load1, ...(scan ? { scan } : {}) });
      say(`${formatSample(sample)} ${load1.toFixed(1).padStart(6)}   ${scan ? formatScan(scan) : ''}`);
    }
  } finally {
    await producer.stop();
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    await catalog.close();
  }
  say(`worker maintenance runs: ${maintenanceRuns(join(runDir, 'floe.log'))}`);
  for (const line of overall(samples)) say(line);
  writeFileSync(join(runDir, 'samples.json'), JSON.stringify(samples, null, 2));
  say(`samples written to ${join(runDir, 'samples.json')}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
