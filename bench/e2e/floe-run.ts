// One timed `floe run` or `floe backfill`: a worker file and one connector for
// the benchmark topic, floe as a child process (optionally under `node --cpu-prof`),
// done when the table's committed offsets (floe.offsets.bench) reach the topic's
// end offsets.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import type { BenchServices } from './bench-services.ts';
import type { BenchTopic } from './bench-topic.ts';
import type { ProcessUsage } from './process-usage.ts';
import {
  localCatalogPaths,
  openBenchCatalog,
  readTableProgress,
  type Storage,
  type TableProgress,
} from './table-progress.ts';
import { formatThreadUsage, ThreadUsageTracker } from './thread-usage.ts';
import { runTimedChild, type TimedChildOptions, type TimedChildResult } from './timed-child.ts';
import { scrapeMetrics } from './worker-probe.ts';

export const CONNECTOR = 'bench';

export type FloeCommand = 'run' | 'backfill';

export interface FloeRunOptions {
  /** `floe run` (stopped once everything is committed) or `floe backfill` (exits by itself). */
  readonly command: FloeCommand;
  readonly services: BenchServices;
  readonly topic: BenchTopic;
  readonly storage: Storage;
  readonly runDir: string;
  readonly runId: string;
  readonly commitIntervalMs: number;
  /** Write a V8 CPU profile of the worker into this folder. */
  readonly cpuProfileDir?: string;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
  /** Names the table and the group (default: the command); runs with one label share the table. */
  readonly label?: string;
  /** Merged over the connector file's settings (a keyed mode, table properties). */
  readonly connector?: Readonly<Record<string, unknown>>;
  /** The worker's log file in runDir (default floe.log). */
  readonly logName?: string;
  readonly onPoll?: TimedChildOptions['onPoll'];
}

export interface FloeFilesOptions {
  readonly services: BenchServices;
  readonly topic: string;
  readonly storage: Storage;
  readonly runDir: string;
  /** Names the table and the group: `<topic>_floe_<label>_<storage>_<runId>`. */
  readonly label: string;
  readonly runId: string;
  readonly commitIntervalMs: number;
  readonly connector?: Readonly<Record<string, unknown>>;
}

/** The worker file and the connector file of a benchmark run; returns the table and the worker file. */
export function writeFloeFiles(options: FloeFilesOptions): {
  table: string;
  configFile: string;
  dataDir: string;
} {
  const { services, storage, runDir } = options;
  const dataDir = join(runDir, 'data');
  mkdirSync(join(runDir, 'connectors'), { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const table = `bench.${options.topic}_floe_${options.label}_${storage}_${options.runId}`;
  const catalog =
    storage === 'local'
      ? { type: 'sql', name: 'floe_bench', ...localCatalogPaths(dataDir) }
      : { type: 'rest', uri: services.restUri, warehouse: services.restWarehouse };
  const worker = {
    kafka: {
      bootstrapServers: services.kafkaBrokers,
      groupId: `floe-bench-${options.topic}-${options.label}-${storage}-${options.runId}`,
    },
    schemaRegistry: { url: services.registryUrl },
    catalog,
    storage: {
      s3: {
        endpoint: services.s3.endpoint,
        region: services.s3.region,
        pathStyleAccess: true,
        accessKeyId: services.s3.accessKeyId,
        secretAccessKey: services.s3.secretAccessKey,
      },
    },
    connectorsDir: './connectors',
    dataDir: './data',
    server: { host: '127.0.0.1' },
    log: { level: 'info' },
  };
  const connector = {
    topics: [options.topic],
    value: { format: 'avro' },
    key: { format: 'none' },
    table,
    autoCreate: { enabled: true, partitionBy: [] },
    commit: { intervalMs: options.commitIntervalMs },
    ...options.connector,
  };
  const configFile = join(runDir, 'floe.yaml');
  writeFileSync(configFile, stringify(worker));
  writeFileSync(join(runDir, 'connectors', `${CONNECTOR}.yaml`), stringify(connector));
  return { table, configFile, dataDir };
}

/** The worker's stages (floe_stage_seconds_total, src/worker/stage-clock.ts), in this order. */
const STAGES = [
  'fetch',
  'rebalance',
  'process',
  'encode-queue',
  'upload',
  'commit',
  'lag',
  'paused',
] as const;

export type StageSeconds = Readonly<Record<(typeof STAGES)[number], number>>;

export async function runFloe(
  options: FloeRunOptions,
): Promise<TimedChildResult & { table: string; stages?: StageSeconds; consumedSeconds?: number }> {
  const { services, topic, storage, runDir } = options;
  const { table, configFile, dataDir } = writeFloeFiles({
    services,
    topic: topic.topic,
    storage,
    runDir,
    label: options.label ?? options.command,
    runId: options.runId,
    commitIntervalMs: options.commitIntervalMs,
    ...(options.connector ? { connector: options.connector } : {}),
  });

  const id = parseTableIdentifier(table);
  const reader = await openBenchCatalog(storage, services, dataDir);
  const logFile = join(runDir, options.logName ?? 'floe.log');
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  let stages: StageSeconds | undefined;
  let consumedSeconds: number | undefined;
  let threads: ThreadUsageTracker | undefined;
  const spawnedMs = Date.now();
  // The stage counters as the worker reports them once everything is committed, before the stop;
  // and, polled, when the worker had taken in every record (what follows is the last flush,
  // the commit and, when the last batch is not full, the wait for commit.intervalMs).
  const onPoll: TimedChildOptions['onPoll'] = async (progress, pid) => {
    await options.onPoll?.(progress, pid);
    if (options.command !== 'run') return;
    threads ??= new ThreadUsageTracker(pid);
    threads.sample();
    if (consumedSeconds === undefined) {
      const page = await scrapeMetrics(logFile);
      if (page !== undefined && page.sum('floe_records_consumed_total') >= topic.records)
        consumedSeconds = (Date.now() - spawnedMs) / 1000;
    }
    if (progress !== undefined && reachedEnd(progress, topic)) stages = await scrapeStages(logFile);
  };
  try {
    const result = await runTimedChild({
      label: `floe ${options.command} (${storage})`,
      command: process.execPath,
      args: [
        ...profile,
        ...nodeFlags(),
        join(services.root, 'bin/floe.js'),
        ...commandArgs(options.command, configFile),
      ],
      cwd: runDir,
      logFile,
      poll: () => readTableProgress(reader, id),
      isDone: (progress) => reachedEnd(progress, topic),
      onPoll,
      ...(options.command === 'backfill' ? { usageAtExit: () => backfillUsage(logFile) } : {}),
      timeoutMs: options.timeoutMs,
      say: options.say,
    });
    if (stages !== undefined) options.say(`  stage seconds: ${formatStages(stages)}`);
    if (threads !== undefined) options.say(`  CPU by thread: ${formatThreadUsage(threads.groups())}`);
    if (consumedSeconds !== undefined)
      options.say(`  every record consumed after ${consumedSeconds.toFixed(1)} s (polled every 0.5 s)`);
    return {
      ...result,
      table,
      ...(stages ? { stages } : {}),
      ...(consumedSeconds ? { consumedSeconds } : {}),
    };
  } finally {
    await reader.close();
  }
}

/** Extra node flags for the worker (V8 tracing and tuning experiments): FLOE_BENCH_NODE_FLAGS, space-separated. */
function nodeFlags(): string[] {
  return (process.env.FLOE_BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

async function scrapeStages(logFile: string): Promise<StageSeconds | undefined> {
  const page = await scrapeMetrics(logFile);
  if (page === undefined) return undefined;
  const entries = STAGES.map((stage) => [stage, page.sum('floe_stage_seconds_total', { stage })] as const);
  return Object.fromEntries(entries) as StageSeconds;
}

/** `fetch 1.2, process 7.5, ...`: the waits inside a stage (rebalance in fetch; encode-queue, upload in process/commit; paused) are not added to it. */
export function formatStages(stages: StageSeconds): string {
  return STAGES.map((stage) => `${stage} ${stages[stage].toFixed(2)}`).join(', ');
}

function commandArgs(command: FloeCommand, configFile: string): string[] {
  if (command === 'run') return ['run', '--config', configFile, '--port', '0'];
  return ['backfill', CONNECTOR, '--config', configFile, '--from', 'earliest', '--progress', 'log'];
}

/** CPU and peak RSS from the `backfill completed` log line (the process is gone by then). */
function backfillUsage(logFile: string): ProcessUsage | undefined {
  for (const line of readFileSync(logFile, 'utf8').split('\n').reverse()) {
    if (!line.includes('"backfill completed"')) continue;
    const entry = JSON.parse(line) as { cpuSeconds?: number; peakRssBytes?: number };
    if (entry.cpuSeconds === undefined || entry.peakRssBytes === undefined) return undefined;
    return { cpuSeconds: entry.cpuSeconds, peakRssBytes: entry.peakRssBytes };
  }
  return undefined;
}

export function reachedEnd(progress: TableProgress, topic: BenchTopic): boolean {
  const committed = committedOffsets(progress.metadata, CONNECTOR).get(topic.topic);
  if (committed === undefined) return false;
  for (const [partition, end] of topic.endOffsets) {
    if ((committed.get(partition) ?? 0n) < end) return false;
  }
  return true;
}
