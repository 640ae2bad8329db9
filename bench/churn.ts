// Churn benchmark (docs/operations.md, "Static group membership"): N `floe run`
// workers in one consumer group, one of them killed -9 and restarted at random
// every 3-10 s while a producer writes at a steady rate; then the churn stops,
// the workers drain the topic, and PyIceberg checks that every record is in the
// table exactly once. Prints the records committed DURING the churn, once with
// dynamic members and once with static ones (kafka.groupInstanceId).
//   node bench/churn.ts [--modes dynamic,static] [--duration-s 90] [--workers 3] [--partitions 6]
//                       [--rate 2000] [--session-timeout-ms 45000] [--commit-interval-ms 2000]
//                       [--kill-every-s 3-10] [--seed 1] [--catalog rest|sql] [--logs DIR]
// Needs the local services (scripts/services up). npm run bench:churn -- <options>.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { KafkaAdminClient } from '../src/worker/kafka/admin-client.ts';
import { KafkaProducerClient } from '../src/worker/kafka/producer-client.ts';
import type { ProducerRecord } from '../src/worker/kafka-types.ts';
import { readWithPyIceberg } from '../test/support/reader.ts';
import { services, uniqueName } from '../test/support/services.ts';
import { openCatalog, readerCatalog, tableRecordCount } from '../test/support/table-watch.ts';
import { type CatalogChoice, WorkerProcess, writeWorkerConfig } from '../test/support/worker-process.ts';

const { values: args } = parseArgs({
  options: {
    modes: { type: 'string', default: 'dynamic,static' },
    'duration-s': { type: 'string', default: '90' },
    workers: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '6' },
    rate: { type: 'string', default: '2000' },
    'session-timeout-ms': { type: 'string', default: '45000' },
    'commit-interval-ms': { type: 'string', default: '2000' },
    'kill-every-s': { type: 'string', default: '3-10' },
    seed: { type: 'string', default: '1' },
    catalog: { type: 'string', default: 'rest' },
    logs: { type: 'string' },
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

type Mode = 'dynamic' | 'static';
const modes = args.modes.split(',').map((m) => m.trim()) as Mode[];
if (modes.some((m) => m !== 'dynamic' && m !== 'static')) throw new Error('--modes: dynamic and/or static');
const durationMs = Number(args['duration-s']) * 1000;
const workerCount = Number(args.workers);
const partitions = Number(args.partitions);
const rate = Number(args.rate);
const [killMin = 3, killMax = 10] = args['kill-every-s'].split('-').map(Number);
const catalogChoice = args.catalog as CatalogChoice;
const CONNECTOR = 'churn';

/** mulberry32: the kill schedule is the same for both modes with one seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const client = { bootstrapServers: services.kafkaBrokers, groupId: 'floe-bench-churn' };

/** Writes ids 0, 1, 2, ... at `rate` records/s (in 100 ms slices) until stopped. */
function steadyProducer(topic: string) {
  const producer = KafkaProducerClient.create(client);
  let produced = 0;
  let stopped = false;
  const done = (async () => {
    await producer.connect();
    const started = Date.now();
    while (!stopped) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate);
      const batch: ProducerRecord[] = [];
      for (let id = produced; id < due; id++) {
        const value = JSON.stringify({ id, ts: new Date().toISOString(), note: `record ${id}` });
        batch.push({ key: Buffer.from(String(id)), value: Buffer.from(value), partition: id % partitions });
      }
      if (batch.length > 0) await producer.send(topic, batch);
      produced += batch.length;
      await sleep(100);
    }
    await producer.disconnect();
  })();
  return {
    produced: () => produced,
    stop: async () => {
      stopped = true;
      await done;
      return produced;
    },
  };
}

interface ChurnResult {
  readonly mode: Mode;
  readonly kills: number;
  readonly producedDuring: number;
  readonly committedDuring: number;
  /** Restarted workers that were up (logged "worker started") before the churn ended. */
  readonly restartsUp: number;
  /** Of those, how many got partitions before the churn ended, and the median seconds from start to partitions. */
  readonly restartsAssigned: number;
  readonly medianAssignSeconds: number | undefined;
  readonly drainSeconds: number;
  readonly rows: number;
  readonly duplicates: number;
  readonly missing: number;
}

async function churn(mode: Mode): Promise<ChurnResult> {
  const topic = uniqueName(`churn_${mode}`);
  const table = `bench_churn.${topic}`;
  const admin = KafkaAdminClient.create(client);
  await admin.connect();
  await admin.createTopic(topic, partitions);
  await admin.disconnect();
  const setup = writeWorkerConfig({
    groupId: uniqueName('churn'),
    catalog: catalogChoice,
    connectors: {
      [CONNECTOR]: {
        topics: [topic],
        value: { format: 'json' },
        table,
        commit: { intervalMs: Number(args['commit-interval-ms']) },
      },
    },
  });
  const config = parse(readFileSync(setup.configFile, 'utf8')) as { kafka: Record<string, unknown> };
  config.kafka.properties = { 'session.timeout.ms': args['session-timeout-ms'] };
  // biome-ignore lint/suspicious/noTemplateCurlyInString: floe's own ${ENV} interpolation, in the worker file
  if (mode === 'static') config.kafka.groupInstanceId = '${FLOE_CHURN_INSTANCE}';
  writeFileSync(setup.configFile, stringify(config));

  const catalog = await openCatalog(catalogChoice, setup);
  const committed = () => tableRecordCount(catalog, table);
  const start = (i: number) => new WorkerProcess(setup, { FLOE_CHURN_INSTANCE: `churn-${i}` });
  const workers = Array.from({ length: workerCount }, (_, i) => start(i));
  const all: WorkerProcess[] = [...workers];
  const producer = steadyProducer(topic);
  try {
    // Warm-up: every worker has committed once.
    await Promise.all(workers.map((w) => w.waitForLine(/"msg":"committed"/, 120_000)));
    const next = random(Number(args.seed));
    const p0 = producer.produced();
    const c0 = await committed();
    const churnEnd = Date.now() + durationMs;
    let kills = 0;
    let lastReport = Date.now();
    log(mode, `churn starts: ${p0} produced, ${c0} committed`);
    while (Date.now() < churnEnd) {
      await sleep(Math.min(churnEnd - Date.now(), (killMin + next() * (killMax - killMin)) * 1000));
      if (Date.now() >= churnEnd) break;
      const i = Math.floor(next() * workerCount);
      await workers[i]!.kill9();
      workers[i] = start(i);
      all.push(workers[i]!);
      kills++;
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        log(
          mode,
          `${kills} kills; ${producer.produced() - p0} produced, ${(await committed()) - c0} committed since the start`,
        );
      }
    }
    const restarts = restartStats(all.slice(workerCount), Date.now());
    const produced = await producer.stop();
    const producedDuring = produced - p0;
    const committedDuring = (await committed()) - c0;
    log(mode, `churn ends after ${kills} kills: ${committedDuring} of ${producedDuring} committed during it`);

    const drainStart = Date.now();
    while ((await committed()) < produced) {
      if (Date.now() - drainStart > 300_000) throw new Error(`${mode}: not drained after 300 s`);
      await sleep(500);
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    await Promise.all(workers.map((w) => w.stop()));
    const read = await readWithPyIceberg(readerCatalog(catalogChoice, setup), 'table', { table });
    const seen = new Map<number, number>();
    for (const row of read.rows) seen.set(row.id as number, (seen.get(row.id as number) ?? 0) + 1);
    let missing = 0;
    for (let id = 0; id < produced; id++) if (!seen.has(id)) missing++;
    return {
      mode,
      kills,
      producedDuring,
      committedDuring,
      ...restarts,
      drainSeconds,
      rows: read.rows.length,
      duplicates: [...seen.values()].filter((n) => n > 1).length,
      missing,
    };
  } finally {
    await producer.stop();
    for (const w of all) await w.kill9();
    if (args.logs !== undefined) {
      mkdirSync(args.logs, { recursive: true });
      for (const [n, w] of all.entries()) {
        writeFileSync(join(args.logs, `${mode}-${n}.log`), `${w.lines.join('\n')}\n`);
      }
    }
    await catalog.close();
  }
}

/** When each restarted worker was up and when it first got partitions, from its log lines' times. */
function restartStats(
  restarted: readonly WorkerProcess[],
  untilMs: number,
): Pick<ChurnResult, 'restartsUp' | 'restartsAssigned' | 'medianAssignSeconds'> {
  const at = (w: WorkerProcess, pattern: RegExp): number | undefined => {
    const line = w.lines.find((l) => pattern.test(l) && !l.includes('"component"'));
    const ms = line === undefined ? Number.NaN : Date.parse((JSON.parse(line) as { time: string }).time);
    return Number.isNaN(ms) || ms > untilMs ? undefined : ms;
  };
  const delays: number[] = [];
  let up = 0;
  for (const w of restarted) {
    const started = at(w, /"msg":"worker started"/);
    if (started === undefined) continue;
    up++;
    const assigned = at(w, /"msg":"partitions assigned"/);
    if (assigned !== undefined) delays.push((assigned - started) / 1000);
  }
  delays.sort((a, b) => a - b);
  return {
    restartsUp: up,
    restartsAssigned: delays.length,
    medianAssignSeconds: delays[Math.floor(delays.length / 2)],
  };
}

function log(mode: Mode, line: string): void {
  process.stdout.write(`[churn ${mode}] ${line}\n`);
}

const results: ChurnResult[] = [];
for (const mode of modes) results.push(await churn(mode));
process.stdout.write(
  `\n${workerCount} workers, ${partitions} partitions, ${rate} records/s, ${args['duration-s']} s of churn (kill -9 + restart every ${args['kill-every-s']} s, seed ${args.seed}), session.timeout.ms ${args['session-timeout-ms']}, commit every ${args['commit-interval-ms']} ms, ${catalogChoice} catalog\n\n`,
);
process.stdout.write(
  '| members | kills | produced during churn | committed during churn | share | restarted workers with partitions during churn (median s from start) | drain after churn | PyIceberg: rows, duplicates, missing |\n',
);
process.stdout.write('| --- | --- | --- | --- | --- | --- | --- | --- |\n');
for (const r of results) {
  const share = r.producedDuring > 0 ? ((100 * r.committedDuring) / r.producedDuring).toFixed(0) : '-';
  process.stdout.write(
    `| ${r.mode} | ${r.kills} | ${r.producedDuring} | ${r.committedDuring} | ${share}% | ${r.restartsAssigned} of ${r.restartsUp} (${r.medianAssignSeconds?.toFixed(1) ?? '-'} s) | ${r.drainSeconds.toFixed(1)} s | ${r.rows}, ${r.duplicates}, ${r.missing} |\n`,
  );
}
const broken = results.filter((r) => r.duplicates > 0 || r.missing > 0);
if (broken.length > 0) {
  process.stderr.write(`NOT exactly once: ${broken.map((r) => r.mode).join(', ')}\n`);
  process.exit(1);
}
process.exit(0);
