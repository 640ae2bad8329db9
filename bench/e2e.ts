// End-to-end benchmark, Kafka to committed Iceberg (docs/benchmarks.md):
//   node bench/e2e.ts [--records 5000000] [--shapes reference,wide] [--storage local,s3]
//                     [--commands run,backfill] [--peer auto|on|off] [--peer-tasks 1] [--partitions 6]
//                     [--commit-interval-ms 10000] [--cpu-prof] [--fresh] [--keep-data]
//                     [--json results.json] [--timeout-minutes 60]
//                     [--shapes upsert [--changes N] [--format-version 2|3] [--maintenance on|off]]
// Needs the local services (scripts/services up). For each shape it fills a topic
// once, then times `floe run` and `floe backfill` per storage (local disk + SQLite
// catalog, S3 + REST catalog) and, on S3, the peer: Kafka Connect with the Apache
// Iceberg sink. The upsert shape (bench/e2e/upsert-run.ts) loads --records keys
// into a keyed table, then applies --changes changes (default a tenth of the
// keys: 10% updates, 1% deletes, 89% new keys) and restarts floe to time the
// key index rebuild; floe run only, no peer (the Iceberg sink cannot upsert).
// FLOE_BENCH_NODE_FLAGS="--trace-gc --heap-growing-percent=300" passes node/V8
// flags to the floe process only (NODE_OPTIONS refuses most V8 flags).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTableIdentifier } from '../src/catalog/table-identifier.ts';
import type { TableMetadata } from '../src/iceberg/table-metadata.ts';
import { benchServices } from './e2e/bench-services.ts';
import { prepareTopic } from './e2e/bench-topic.ts';
import { formatProfile, summarizeCpuProfiles } from './e2e/cpu-profile-summary.ts';
import { type FloeCommand, formatStages, runFloe, type StageSeconds } from './e2e/floe-run.ts';
import { calibrateMachine, formatCalibration } from './e2e/machine-calibration.ts';
import { runPeer } from './e2e/peer-run.ts';
import { RECORD_SHAPES, type ShapeName } from './e2e/record-shapes.ts';
import {
  formatPeerComparison,
  formatResultsTable,
  type RunResult,
  type SystemName,
} from './e2e/results-table.ts';
import { openBenchCatalog, type Storage } from './e2e/table-progress.ts';
import type { TimedChildResult } from './e2e/timed-child.ts';
import { formatUpsertResult, type UpsertResult, upsertChecksPass } from './e2e/upsert-results.ts';
import { runUpsert } from './e2e/upsert-run.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '5000000' },
    shapes: { type: 'string', default: 'reference,wide' },
    storage: { type: 'string', default: 'local,s3' },
    commands: { type: 'string', default: 'run,backfill' },
    peer: { type: 'string', default: 'auto' },
    'peer-tasks': { type: 'string', default: '1' },
    partitions: { type: 'string', default: '6' },
    'commit-interval-ms': { type: 'string', default: '10000' },
    'cpu-prof': { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    'keep-data': { type: 'boolean', default: false },
    json: { type: 'string' },
    'timeout-minutes': { type: 'string', default: '60' },
    changes: { type: 'string' },
    'format-version': { type: 'string', default: '2' },
    maintenance: { type: 'string', default: 'on' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  const header = readFileSync(new URL(import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('//'));
  process.stdout.write(`${header.map((line) => line.replace(/^\/\/ ?/, '')).join('\n')}\n`);
  process.exit(0);
}

function list<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  const items = text.split(',').map((s) => s.trim()) as T[];
  for (const item of items) {
    if (!allowed.includes(item)) throw new Error(`--${what}: '${item}' is not one of ${allowed.join(', ')}`);
  }
  return items;
}

function positive(text: string, what: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--${what}: expected a positive integer (got '${text}')`);
  return n;
}

const records = positive(args.records, 'records');
const shapes = list<ShapeName | 'upsert'>(args.shapes, ['reference', 'wide', 'upsert'], 'shapes');
const changes = args.changes === undefined ? Math.ceil(records / 10) : positive(args.changes, 'changes');
const maintenance = list(args.maintenance, ['on', 'off'], 'maintenance')[0] === 'on';
const formatVersion = Number(list(args['format-version'], ['2', '3'], 'format-version')[0]) as 2 | 3;
const storages = list<Storage>(args.storage, ['local', 's3'], 'storage');
const commands = list<FloeCommand>(args.commands, ['run', 'backfill'], 'commands');
const peerMode = list(args.peer, ['auto', 'on', 'off'], 'peer')[0];
const withPeer =
  shapes.some((s) => s !== 'upsert') &&
  (peerMode === 'on' || (peerMode === 'auto' && storages.includes('s3')));
const partitions = positive(args.partitions, 'partitions');
const commitIntervalMs = positive(args['commit-interval-ms'], 'commit-interval-ms');
const peerTasks = positive(args['peer-tasks'], 'peer-tasks');
const timeoutMs = positive(args['timeout-minutes'], 'timeout-minutes') * 60_000;

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const services = benchServices();
const runId = Date.now().toString(36);
const benchDir = join(tmpdir(), 'floe-bench', runId);
mkdirSync(benchDir, { recursive: true });

/** Timed once, before any service work, while the machine is as quiet as it gets. */
const yardstick = formatCalibration(calibrateMachine());

function environment(): string {
  const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  return (
    `${cpus().length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ` +
    `${records.toLocaleString('en-US')} records per shape, ${partitions} partitions, commit interval ${commitIntervalMs} ms; ${yardstick}`
  );
}

function firstCommitSeconds(metadata: TableMetadata, run: TimedChildResult): number {
  const first = Math.min(...metadata.snapshots.map((s) => s.timestampMs));
  return Math.max(first - run.startMs, 0) / 1000;
}

function toResult(
  shape: ShapeName,
  storage: Storage,
  system: SystemName,
  valueBytes: number,
  run: TimedChildResult & { stages?: StageSeconds; consumedSeconds?: number },
): RunResult {
  return {
    ...(run.stages ? { stages: run.stages } : {}),
    ...(run.consumedSeconds ? { consumedSeconds: run.consumedSeconds } : {}),
    shape,
    storage,
    system,
    records,
    valueBytes,
    seconds: run.seconds,
    firstCommitSeconds: firstCommitSeconds(run.progress.metadata, run),
    cpuSeconds: run.usage.cpuSeconds,
    peakRssBytes: run.usage.peakRssBytes,
    commits: run.progress.commits,
    dataFiles: run.progress.dataFiles,
    dataBytes: run.progress.dataBytes,
    tableRecords: run.progress.records,
  };
}

async function dropS3Table(table: string): Promise<void> {
  const catalog = await openBenchCatalog('s3', services, benchDir);
  try {
    await catalog.dropTable(parseTableIdentifier(table), { purge: true });
  } catch (error) {
    say(`could not drop ${table}: ${(error as Error).message}`);
  } finally {
    await catalog.close();
  }
}

async function main(): Promise<void> {
  say(environment());
  say(`work folder ${benchDir}`);
  if (withPeer) {
    say('provisioning the peer (scripts/peer-connect provision)');
    execFileSync(join(services.root, 'scripts/peer-connect'), ['provision'], { stdio: 'inherit' });
  }
  const results: RunResult[] = [];
  const upserts: UpsertResult[] = [];
  for (const shapeName of shapes) {
    if (shapeName === 'upsert') {
      for (const storage of storages) upserts.push(await upsert(storage));
      continue;
    }
    const topic = await prepareTopic(
      services,
      RECORD_SHAPES[shapeName],
      records,
      partitions,
      args.fresh,
      say,
    );
    for (const storage of storages) {
      for (const command of commands) {
        const runDir = join(benchDir, `${shapeName}-${storage}-floe-${command}`);
        const profileDir = join(runDir, 'cpu-profile');
        if (args['cpu-prof']) mkdirSync(profileDir, { recursive: true });
        say(`floe ${command}: ${shapeName} on ${storage}`);
        const run = await runFloe({
          command,
          services,
          topic,
          storage,
          runDir,
          runId,
          commitIntervalMs,
          ...(args['cpu-prof'] ? { cpuProfileDir: profileDir } : {}),
          timeoutMs,
          say,
        });
        const result = toResult(shapeName, storage, `floe ${command}`, topic.valueBytes, run);
        results.push(result);
        say(`  done: ${formatResultsTable([result]).split('\n')[2]}`);
        if (args['cpu-prof']) {
          for (const summary of summarizeCpuProfiles(profileDir, services.root)) say(formatProfile(summary));
        }
        if (!args['keep-data']) {
          if (storage === 'local') rmSync(join(runDir, 'data'), { recursive: true, force: true });
          else await dropS3Table(run.table);
        }
      }
      if (storage === 's3' && withPeer) {
        say(`kafka connect + iceberg sink: ${shapeName} on s3`);
        const peerRun = await runPeer({
          services,
          topic,
          runDir: mkdir(join(benchDir, `${shapeName}-s3-peer`)),
          runId,
          commitIntervalMs,
          tasks: peerTasks,
          timeoutMs,
          say,
        });
        const peerResult = toResult(shapeName, 's3', 'kafka-connect', topic.valueBytes, peerRun);
        results.push(peerResult);
        say(`  done: ${formatResultsTable([peerResult]).split('\n')[2]}`);
        if (!args['keep-data']) await dropS3Table(peerRun.table);
      }
    }
  }
  console.log(`\n${environment()}\n`);
  if (results.length > 0) console.log(formatResultsTable(results));
  for (const line of formatPeerComparison(results)) console.log(`\n${line}`);
  for (const r of results)
    if (r.stages)
      console.log(`\nstage seconds, ${r.shape} ${r.storage} ${r.system}: ${formatStages(r.stages)}`);
  for (const r of results)
    if (r.consumedSeconds)
      console.log(
        `\nevery record consumed, ${r.shape} ${r.storage} ${r.system}: ${r.consumedSeconds.toFixed(1)} s, ` +
          `${Math.round(r.records / r.consumedSeconds).toLocaleString('en-US')} records/s (before the last flush, commit and interval wait)`,
      );
  for (const result of upserts) console.log(`\n${formatUpsertResult(result)}`);
  if (args.json)
    writeFileSync(
      args.json,
      `${JSON.stringify({ environment: environment(), results, upserts }, null, 2)}\n`,
    );
  say(`logs and configs in ${benchDir}`);
  if (!upserts.every(upsertChecksPass)) {
    say("an upsert table does not hold the replay's live keys");
    process.exitCode = 1;
  }
}

async function upsert(storage: Storage): Promise<UpsertResult> {
  const runDir = mkdir(join(benchDir, `upsert-${storage}-floe-run`));
  say(`floe run: upsert on ${storage}, ${records} keys then ${changes} changes, v${formatVersion}`);
  const { table, ...result } = await runUpsert({
    services,
    storage,
    keys: records,
    changes,
    partitions,
    formatVersion,
    maintenance,
    commitIntervalMs,
    runDir,
    runId,
    timeoutMs,
    say,
  });
  say(`  done:\n${formatUpsertResult(result)}`);
  if (!args['keep-data']) {
    if (storage === 'local') rmSync(join(runDir, 'data'), { recursive: true, force: true });
    else await dropS3Table(table);
  }
  return result;
}

function mkdir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

await main();
