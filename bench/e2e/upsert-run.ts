// The upsert shape of the end-to-end benchmark (docs/benchmarks.md, "Upsert
// shape"): one `floe run` in `mode: upsert` (Kafka key = id, key.fields [id])
// on a fresh keyed topic, in phases sampled from the same process:
// 1. load: N inserts, produced before floe starts; done when committed;
// 2. changes: C changes (upsert-workload.ts), produced while floe runs with its
//    index warm; done when committed. CPU, RSS, the index's keys, its resident
//    LMDB pages and file size, the JS heap, at the end of each phase;
// then the table's live rows (data file rows minus deleted positions) are
// checked against the replay's live key count, and
// 3. rebuild: one new key per partition produced and floe restarted on the
//    finished table: it rebuilds every partition's index from the table before
//    committing them (floe_key_index_rebuild_seconds_total, the log's
//    "key index rebuilt" lines), and the live rows are checked again.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { ResolvingFileIO } from '../../src/io/resolving-file-io.ts';
import { S3FileIO } from '../../src/io/s3-file-io.ts';
import { KafkaAdminClient } from '../../src/worker/kafka/admin-client.ts';
import { tableLiveFiles } from '../../src/worker/upsert/table-live-files.ts';
import type { BenchServices } from './bench-services.ts';
import { type BenchTopic, kafkaConfig, produceRecords, registerSchema } from './bench-topic.ts';
import { type FloeRunOptions, reachedEnd, runFloe } from './floe-run.ts';
import { readProcessUsage } from './process-usage.ts';
import { RECORD_SHAPES } from './record-shapes.ts';
import { openBenchCatalog, type Storage, type TableProgress } from './table-progress.ts';
import type { UpsertPhase, UpsertResult } from './upsert-results.ts';
import { type ChangeCounts, UpsertWorkload } from './upsert-workload.ts';
import { diskBytes, type MetricsPage, residentMappedBytes, scrapeMetrics } from './worker-probe.ts';

export interface UpsertRunOptions {
  readonly services: BenchServices;
  readonly storage: Storage;
  readonly keys: number;
  readonly changes: number;
  readonly partitions: number;
  readonly formatVersion: 2 | 3;
  /** false: the connector's background maintenance (compaction, expiry) is off. */
  readonly maintenance: boolean;
  readonly commitIntervalMs: number;
  readonly runDir: string;
  readonly runId: string;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
}

const load1 = () => loadavg()[0]!;

export async function runUpsert(options: UpsertRunOptions): Promise<UpsertResult & { table: string }> {
  const { services, partitions, say, runDir } = options;
  const topic = `bench_upsert_${options.keys}_p${partitions}_${options.runId}`;
  const schemaId = await registerSchema(services, `${topic}-value`, RECORD_SHAPES.reference.schema);
  const admin = KafkaAdminClient.create(kafkaConfig(services, 'floe-bench'));
  await admin.connect();
  try {
    await admin.createTopic(topic, partitions);
    const workload = new UpsertWorkload(options.keys + options.changes + partitions, partitions, schemaId);
    const endOffsets = new Map<number, bigint>();
    const benchTopic: BenchTopic = { topic, partitions, records: 0, valueBytes: 0, endOffsets };
    const produce = async (count: number, make: () => ReturnType<UpsertWorkload['insert']>) => {
      // While a phase is being produced its end is not known: no offset is the end.
      for (let p = 0; p < partitions; p++) endOffsets.set(p, 2n ** 62n);
      const { seconds } = await produceRecords(services, topic, count, say, make);
      for (const o of await admin.fetchTopicOffsets(topic)) endOffsets.set(o.partition, o.high);
      say(`produced ${count.toLocaleString('en-US')} records to ${topic} in ${seconds.toFixed(1)} s`);
    };
    const phases: UpsertPhase[] = [];
    const counts: ChangeCounts = { inserts: 0, updates: 0, deletes: 0 };
    const logFile = join(runDir, 'floe.log');
    const counted = new Map<string, number>();
    let phase: 'load' | 'changes' | 'done' = 'load';
    // Each phase is produced while floe runs (the producer's share of the loaded
    // machine adds to floe's); the load phase counts from floe's spawn.
    let mark = { ms: Date.now(), cpu: 0, load: load1() };
    const loading = produce(options.keys, () => workload.insert());
    // Both runs: the same worker and connector files, table and group.
    const floe = (logName: string, onPoll: NonNullable<FloeRunOptions['onPoll']>) =>
      runFloe({
        command: 'run',
        label: 'upsert',
        logName,
        services,
        topic: benchTopic,
        storage: options.storage,
        runDir,
        runId: options.runId,
        commitIntervalMs: options.commitIntervalMs,
        connector: keyedConnector(options.formatVersion, options.maintenance),
        timeoutMs: options.timeoutMs,
        say,
        onPoll,
      });
    const run = await floe('floe.log', async (progress, pid) => {
      if (phase === 'load') await loading;
      if (phase === 'done' || progress === undefined || !reachedEnd(progress, benchTopic)) return;
      const done = phase === 'load' ? { inserts: options.keys, updates: 0, deletes: 0 } : { ...counts };
      const sample = await samplePhase(phase, done, progress, pid, logFile, runDir, mark, counted);
      phases.push(sample);
      say(
        `  ${phase} phase committed after ${sample.wallSeconds.toFixed(1)} s, CPU ${sample.cpuSeconds.toFixed(1)} s`,
      );
      if (phase === 'changes') {
        phase = 'done';
        return;
      }
      phase = 'changes';
      mark = { ms: Date.now(), cpu: readProcessUsage(pid)?.cpuSeconds ?? 0, load: load1() };
      await produce(options.changes, () => workload.change(counts));
    });
    const table = run.table;
    const expected = workload.liveKeys;
    const liveAfterChanges = await liveRows(options, table);

    // 3. Restart on the finished table: every partition's index is rebuilt before its first commit.
    await produce(partitions, () => workload.insert());
    const rebuildLoad = load1();
    const rebuildLog = join(runDir, 'floe-rebuild.log');
    let rebuildMetrics: { seconds: number; keys: number; heap: number; indexRss: number } | undefined;
    const rebuild = await floe('floe-rebuild.log', async (progress, pid) => {
      if (progress === undefined || !reachedEnd(progress, benchTopic)) return;
      const metrics = await scrapeMetrics(rebuildLog);
      rebuildMetrics = {
        seconds: metrics?.sum('floe_key_index_rebuild_seconds_total') ?? Number.NaN,
        keys: metrics?.sum('floe_key_index_rebuild_keys_total') ?? Number.NaN,
        heap: metrics?.sum('floe_nodejs_heap_size_used_bytes') ?? Number.NaN,
        indexRss: residentMappedBytes(pid, 'keys.mdb'),
      };
    });
    const logged = logLines(rebuildLog, 'key index rebuilt');
    phases.push({
      phase: 'rebuild',
      counts: { inserts: partitions, updates: 0, deletes: 0 },
      wallSeconds: rebuildMetrics?.seconds ?? Number.NaN,
      loadStart: rebuildLoad,
      loadEnd: load1(),
      cpuSeconds: rebuild.usage.cpuSeconds,
      peakRssBytes: rebuild.usage.peakRssBytes,
      indexKeys: rebuildMetrics?.keys ?? Number.NaN,
      indexResidentBytes: rebuildMetrics?.indexRss ?? 0,
      indexFileBytes: diskBytes(indexFile(runDir)),
      heapBytes: rebuildMetrics?.heap ?? Number.NaN,
      note: `${logged.lines} partition rebuilds logged: ${logged.seconds.toFixed(1)} s, ${logged.keys.toLocaleString('en-US')} keys; whole run ${rebuild.seconds.toFixed(1)} s`,
    });
    const liveAfterRebuild = await liveRows(options, table);
    return {
      storage: options.storage,
      formatVersion: options.formatVersion,
      maintenance: options.maintenance,
      keys: options.keys,
      changes: options.changes,
      partitions,
      phases,
      checks: [
        { what: 'after the changes', expected, actual: liveAfterChanges },
        { what: 'after the rebuild run', expected: workload.liveKeys, actual: liveAfterRebuild },
      ],
      commits: rebuild.progress.commits,
      dataFiles: rebuild.progress.dataFiles,
      table,
    };
  } finally {
    await admin
      .deleteTopic(topic)
      .catch((error: Error) => say(`could not delete ${topic}: ${error.message}`));
    await admin.disconnect();
  }
}

function keyedConnector(formatVersion: 2 | 3, maintenance: boolean): Record<string, unknown> {
  return {
    ...(maintenance ? {} : { maintenance: { enabled: false } }),
    mode: 'upsert',
    key: { format: 'string', fields: ['id'] },
    autoCreate: { enabled: true, partitionBy: [], properties: { 'format-version': String(formatVersion) } },
  };
}

const indexFile = (runDir: string) => join(runDir, 'data', 'key-index', 'bench', 'keys.mdb');

async function samplePhase(
  phase: 'load' | 'changes',
  counts: ChangeCounts,
  progress: TableProgress,
  pid: number,
  logFile: string,
  runDir: string,
  mark: { ms: number; cpu: number; load: number },
  counted: Map<string, number>,
): Promise<UpsertPhase> {
  const usage = readProcessUsage(pid);
  const metrics = await scrapeMetrics(logFile);
  return {
    phase,
    counts,
    wallSeconds: (progress.metadata.lastUpdatedMs - mark.ms) / 1000,
    loadStart: mark.load,
    loadEnd: load1(),
    cpuSeconds: (usage?.cpuSeconds ?? Number.NaN) - mark.cpu,
    peakRssBytes: usage?.peakRssBytes ?? Number.NaN,
    indexKeys: metrics?.sum('floe_key_index_keys') ?? Number.NaN,
    indexResidentBytes: residentMappedBytes(pid, 'keys.mdb'),
    indexFileBytes: diskBytes(indexFile(runDir)),
    heapBytes: metrics?.sum('floe_nodejs_heap_size_used_bytes') ?? Number.NaN,
    note: (metrics ? countedNote(metrics, counted) : '') + indexWorkNote(logFile),
  };
}

/** floe_row_changes_total by kind since the last call (`counted` holds the totals so far). */
function countedNote(metrics: MetricsPage, counted: Map<string, number>): string {
  const parts = ['insert', 'update', 'delete'].map((change) => {
    const total = metrics.sum('floe_row_changes_total', { change });
    const since = total - (counted.get(change) ?? 0);
    counted.set(change, total);
    return `${since.toLocaleString('en-US')} ${change}s`;
  });
  // A batch collapses a key's changes: an update of a key inserted in the same batch is an insert.
  return `floe committed ${parts.join(', ')} (floe_row_changes_total)`;
}

/** Rows the table's live data files hold minus their deleted positions. */
async function liveRows(options: UpsertRunOptions, table: string): Promise<number> {
  const { s3 } = options.services;
  const io = new ResolvingFileIO({
    local: new LocalFileIO(),
    s3: () => new S3FileIO({ ...s3, forcePathStyle: true }),
  });
  const catalog = await openBenchCatalog(options.storage, options.services, join(options.runDir, 'data'));
  try {
    const { metadata } = await catalog.loadTable(parseTableIdentifier(table));
    const files = await tableLiveFiles(io, metadata, table);
    return files.reduce((n, f) => n + f.recordCount - f.deleted.size, 0);
  } finally {
    await catalog.close();
  }
}

/** The log's lines with `message`, their count and their seconds, keys and rows summed. */
function logLines(
  logFile: string,
  message: string,
): { lines: number; seconds: number; keys: number; rows: number } {
  const found = { lines: 0, seconds: 0, keys: 0, rows: 0 };
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes(`"${message}`)) continue;
    const entry = JSON.parse(line) as { seconds?: number; keys?: number; rows?: number };
    found.lines++;
    found.seconds += entry.seconds ?? 0;
    found.keys += entry.keys ?? 0;
    found.rows += entry.rows ?? 0;
  }
  return found;
}

/**
 * What the key index did so far (a compaction's files: re-pointed, or whole
 * partitions rebuilt) and how many batches were dropped (a fenced row delta).
 */
function indexWorkNote(logFile: string): string {
  const rebuilt = logLines(logFile, 'key index rebuilt');
  const repointed = logLines(logFile, 'key index re-pointed');
  const dropped = logLines(logFile, 'batch dropped');
  return (
    `; so far ${dropped.lines} batch(es) dropped, ${rebuilt.lines} partition rebuilds (${rebuilt.seconds.toFixed(1)} s, ` +
    `${rebuilt.rows.toLocaleString('en-US')} rows read), ${repointed.lines} re-pointed (${repointed.seconds.toFixed(1)} s, ` +
    `${repointed.rows.toLocaleString('en-US')} rows read)`
  );
}
