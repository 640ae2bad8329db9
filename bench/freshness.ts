// Freshness benchmark (docs/benchmarks.md): `floe run` on a fresh topic while a
// producer writes at a steady rate; per record, the time from produce to
// visibility in a committed snapshot, as p50 / p99 / max.
//   node bench/freshness.ts [--rate 20000] [--seconds 60] [--warmup-seconds 10]
//                           [--shapes reference,wide] [--partitions 6,64]
//                           [--commit-interval-ms 1000] [--storage local|s3] [--maintenance on|off]
//                           [--producer-linger-ms 50]
// The clock starts once floe has started and committed one record per partition;
// records of the warm-up at the rate that follows are committed but not counted. After the producer stops, the
// worker gets SIGTERM once everything is visible; its exit time is printed too, and the
// machine's load average while it ran (the producer shares the cores with floe).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { parseTableIdentifier } from '../src/catalog/table-identifier.ts';
import { KafkaAdminClient } from '../src/worker/kafka/admin-client.ts';
import { benchServices } from './e2e/bench-services.ts';
import { kafkaConfig, registerSchema } from './e2e/bench-topic.ts';
import { CONNECTOR, writeFloeFiles } from './e2e/floe-run.ts';
import { readProcessUsage } from './e2e/process-usage.ts';
import { RECORD_SHAPES, type ShapeName } from './e2e/record-shapes.ts';
import { SteadyProducer } from './e2e/steady-producer.ts';
import { openBenchCatalog, readTableProgress, type Storage } from './e2e/table-progress.ts';
import { VisibilityTracker } from './e2e/visibility.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '60' },
    'warmup-seconds': { type: 'string', default: '10' },
    shapes: { type: 'string', default: 'reference,wide' },
    partitions: { type: 'string', default: '6,64' },
    'commit-interval-ms': { type: 'string', default: '1000' },
    storage: { type: 'string', default: 'local' },
    maintenance: { type: 'string', default: 'on' },
    'producer-linger-ms': { type: 'string', default: '50' },
  },
});

const num = (text: string) => Number(text.replaceAll('_', ''));
const rate = num(args.rate);
const seconds = num(args.seconds);
const warmupSeconds = num(args['warmup-seconds']);
const commitIntervalMs = num(args['commit-interval-ms']);
const shapes = args.shapes.split(',') as ShapeName[];
const partitionCounts = args.partitions.split(',').map(num);
const storage = args.storage as Storage;
/** `off`: the connector's background maintenance (compaction, expiry) is disabled, to tell its cost apart. */
const maintenance = args.maintenance !== 'off';
/**
 * The steady producer's linger.ms. It shares the two cores with floe and the broker;
 * at 5 ms (librdkafka's default) its 64-partition produce requests alone kept the
 * broker at ~80% of a core here. A record's clock starts when it is handed to the
 * producer, so the linger counts against floe's figures, not for them.
 */
const producerLingerMs = args['producer-linger-ms'];
const services = benchServices();
const runId = Date.now().toString(36);
const benchDir = join(tmpdir(), 'floe-bench', `freshness-${runId}`);
const say = (line: string) => process.stderr.write(`[freshness] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  shape: string;
  partitions: number;
  rate: number;
  records: number;
  p50: number;
  p99: number;
  max: number;
  commits: number;
  peakRssMb: number;
  cpuSeconds: number;
  exitMs: number;
  /** The 1-minute load average when the steady producer started and when everything was visible. */
  load: readonly [number, number];
}

async function freshTopic(
  shape: ShapeName,
  partitions: number,
): Promise<{ topic: string; schemaId: number }> {
  const topic = `fresh_${shape}_p${partitions}_${runId}`;
  const schemaId = await registerSchema(services, `${topic}-value`, RECORD_SHAPES[shape].schema);
  const admin = KafkaAdminClient.create(kafkaConfig(services, 'floe-bench'));
  await admin.connect();
  try {
    await admin.createTopic(topic, partitions);
  } finally {
    await admin.disconnect();
  }
  return { topic, schemaId };
}

async function measure(shape: ShapeName, partitions: number): Promise<Row> {
  const { topic, schemaId } = await freshTopic(shape, partitions);
  const runDir = join(benchDir, `${shape}-p${partitions}`);
  mkdirSync(runDir, { recursive: true });
  const files = writeFloeFiles({ services, topic, storage, runDir, label: 'fresh', runId, commitIntervalMs });
  if (!maintenance) {
    const connectorFile = join(runDir, 'connectors', `${CONNECTOR}.yaml`);
    const connector = parse(readFileSync(connectorFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(connectorFile, stringify({ ...connector, maintenance: { enabled: false } }));
  }
  const log = openSync(join(runDir, 'floe.log'), 'a');
  const child = spawn(
    process.execPath,
    [join(services.root, 'bin/floe.js'), 'run', '--config', files.configFile, '--port', '0'],
    { cwd: runDir, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const catalog = await openBenchCatalog(storage, services, files.dataDir);
  const producer = await SteadyProducer.connect(services, topic, partitions, RECORD_SHAPES[shape], schemaId, {
    lingerMs: producerLingerMs,
  });
  const id = parseTableIdentifier(files.table);
  let tracker = new VisibilityTracker(topic, CONNECTOR, producer.sentAt);
  let usage = readProcessUsage(child.pid!);
  /** Polls the table until every record produced so far is visible. */
  const caughtUp = async (timeoutMs: number) => {
    for (const deadline = Date.now() + timeoutMs; tracker.visibleRecords < producer.records; ) {
      if (Date.now() > deadline)
        throw new Error(`only ${tracker.visibleRecords} of ${producer.records} visible`);
      const progress = await readTableProgress(catalog, id);
      if (progress) tracker.observe(progress.metadata);
      usage = readProcessUsage(child.pid!) ?? usage;
      await sleep(200);
    }
  };
  try {
    // Start-up (process, group join, table creation, first commit) is not freshness: one record
    // per partition, visible, before the clock starts; then a warm-up at the rate, not counted.
    await producer.produce(partitions, 1);
    await caughtUp(300_000);
    say(
      `${shape}, ${partitions} partitions: ${rate} records/s for ${warmupSeconds} s + ${seconds} s measured`,
    );
    const loadAtStart = loadavg()[0] ?? 0;
    const warmupEndMs = Date.now() + warmupSeconds * 1000;
    const achieved = await producer.produce(rate, seconds + warmupSeconds);
    tracker = new VisibilityTracker(topic, CONNECTOR, producer.sentAt); // sized for every record now
    await caughtUp(300_000);
    const loadAtEnd = loadavg()[0] ?? 0;
    const signalled = performance.now();
    child.kill('SIGTERM');
    await exited;
    const summary = tracker.summary(warmupEndMs);
    say(`  produced ${achieved.toFixed(0)} records/s; ${summary.records} measured`);
    return {
      shape,
      partitions,
      rate: Math.round(achieved),
      records: summary.records,
      p50: summary.p50Ms,
      p99: summary.p99Ms,
      max: summary.maxMs,
      commits: summary.commits,
      peakRssMb: (usage?.peakRssBytes ?? 0) / 1e6,
      cpuSeconds: usage?.cpuSeconds ?? 0,
      exitMs: performance.now() - signalled,
      load: [loadAtStart, loadAtEnd],
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await producer.disconnect();
    await catalog.close();
  }
}

function table(rows: readonly Row[]): string {
  const head =
    '| shape | partitions | records/s | records measured | p50 ms | p99 ms | max ms | commits | peak RSS MB | CPU s | SIGTERM to exit ms | load (1 min, start-end) |';
  const lines = rows.map(
    (r) =>
      `| ${r.shape} | ${r.partitions} | ${r.rate.toLocaleString('en-US')} | ${r.records.toLocaleString('en-US')} | ` +
      `${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.commits} | ${r.peakRssMb.toFixed(0)} | ` +
      `${r.cpuSeconds.toFixed(1)} | ${r.exitMs.toFixed(0)} | ${r.load[0].toFixed(0)}-${r.load[1].toFixed(0)} |`,
  );
  return [head, `|${' --- |'.repeat(12)}`, ...lines].join('\n');
}

const rows: Row[] = [];
for (const shape of shapes) {
  for (const partitions of partitionCounts) rows.push(await measure(shape, partitions));
}
console.log(
  `\nfreshness: commit.intervalMs ${commitIntervalMs}, ${seconds} s measured after ${warmupSeconds} s warm-up, ${storage} storage, maintenance ${maintenance ? 'on' : 'off'}, producer linger.ms ${producerLingerMs}\n`,
);
console.log(table(rows));
say(`logs and configs in ${benchDir}`);
