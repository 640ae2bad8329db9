// Issue 13 item 5 on the real stack (Apache Kafka, REST catalog on S3), through
// two `floe run` processes in one consumer group writing one table with a short
// maintenance interval while a producer writes: only the worker holding the
// first partition the table records (orders/<topic>:0) maintains the table
// (its log shows the runs, the other's none; /metrics says floe_table_maintainer
// 1 and 0, and the other counts the runs it left); when that worker stops, the
// other takes partition 0 and the table over. The table's health gauges match
// the table once it is quiet, compaction's rewritten bytes and expiry's deleted
// files are counted, and PyIceberg reads every record exactly once.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import { KAFKA } from '../support/brokers.ts';
import { testFileIO } from '../support/io.ts';
import { registry } from '../support/kafka-tools.ts';
import {
  type OrderScenario,
  orderScenario,
  SCENARIO_CONNECTOR,
  SCENARIO_PARTITIONS,
} from '../support/order-scenario.ts';
import { orderPayload } from '../support/orders.ts';
import { produceNumbered } from '../support/produce.ts';
import { metric, parseMetrics, type Sample } from '../support/prometheus-text.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { openCatalog, readerCatalog, waitForRecords } from '../support/table-watch.ts';
import { WorkerProcess } from '../support/worker-process.ts';

const INTERVAL_MS = 1_000;
const COMMITTED = /"msg":"committed"/;
// The worker's own lines ("partitions revoked; committing first", "partitions lost without ..."), not the consumer's.
const GROUP_EVENT = /"msg":"partitions (assigned|revoked|lost)/;
const MAINTAINED = /"msg":"maintenance: (compact|expire-snapshots) done"/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const step = (what: string) =>
  console.log(`[maintenance-owner ${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);

const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.kill9();
});

/** Writes 100 records about every 200 ms until stopped; stop() resolves with the count. */
function produceSteadily(s: OrderScenario): { stop: () => Promise<number> } {
  let produced = 0;
  let stopping = false;
  const done = (async () => {
    while (!stopping) {
      const ids = Array.from({ length: 100 }, (_, i) => produced + i);
      await produceNumbered(s.topic, SCENARIO_PARTITIONS, ids, (i) =>
        registry.encode(s.schemaId, orderPayload(i)),
      );
      produced += ids.length;
      await sleep(200);
    }
    return produced;
  })();
  return {
    stop: () => {
      stopping = true;
      return done;
    },
  };
}

/** The worker's own group event lines (partitions as a list), not the consumer component's (a string), which may trail them. */
function groupEvents(worker: WorkerProcess, from = 0): string[] {
  return worker.lines.slice(from).filter((line) => {
    if (!GROUP_EVENT.test(line)) return false;
    return Array.isArray((JSON.parse(line) as { partitions?: unknown }).partitions);
  });
}

/** The partitions a worker holds after its logged group events. */
function held(worker: WorkerProcess): Set<string> {
  const owned = new Set<string>();
  for (const line of worker.lines) {
    if (!GROUP_EVENT.test(line)) continue;
    const entry = JSON.parse(line) as { msg: string; partitions: string[] | string };
    if (!Array.isArray(entry.partitions)) continue;
    for (const p of entry.partitions) entry.msg === 'partitions assigned' ? owned.add(p) : owned.delete(p);
  }
  return owned;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  context: () => string = () => '',
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await probe();
    if (result !== undefined) return result;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}\n${context()}`);
}

/** A worker's group events and last lines, for a failure message. */
function tail(worker: WorkerProcess): string {
  const events = worker.lines.filter((l) => GROUP_EVENT.test(l));
  return `worker ${worker.child.pid}: ${events.join('\n')}\n...\n${worker.lines.slice(-8).join('\n')}`;
}

/** Maintenance runs of `table` a worker logged from line `from` on. */
function runs(worker: WorkerProcess, table: string, from = 0): string[] {
  return worker.lines
    .slice(from)
    .filter((line) => MAINTAINED.test(line) && (JSON.parse(line) as { table?: string }).table === table);
}

async function httpPort(worker: WorkerProcess): Promise<number> {
  const line = await worker.waitForLine(/"http server listening"/, 60_000);
  return (JSON.parse(line) as { port: number }).port;
}

async function scrape(port: number): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return parseMetrics(await response.text());
}

describe('one worker of a group maintains a table (REST catalog)', () => {
  const catalogs: Catalog[] = [];
  afterAll(async () => {
    for (const catalog of catalogs) await catalog.close();
  });

  it('the holder of the first recorded partition maintains it; when it stops, the other worker takes over', async () => {
    const s = await orderScenario('rest', 'maintowner', KAFKA, {
      autoCreate: {
        partitionBy: ['bucket(4, id)'],
        properties: {
          'history.expire.max-snapshot-age-ms': '1000',
          'floe.compaction.quiet-ms': '1000',
          'floe.compaction.min-input-files': '2',
        },
      },
      commit: { intervalMs: 1_000, maxRecords: 3_000 },
      maintenance: { enabled: true, intervalMs: INTERVAL_MS },
    });
    const table = parseTableIdentifier(s.table);
    const name = s.table;
    const catalog = await openCatalog('rest', s.setup);
    catalogs.push(catalog);
    const producer = produceSteadily(s);
    const a = new WorkerProcess(s.setup);
    const b = new WorkerProcess(s.setup);
    workers.push(a, b);
    const ports = new Map([
      [a, await httpPort(a)],
      [b, await httpPort(b)],
    ]);

    // Both members settled: the six partitions split between them, each committed since.
    await until(
      'both workers to hold partitions',
      () => {
        const [ha, hb] = [held(a), held(b)];
        return ha.size > 0 && hb.size > 0 && ha.size + hb.size === SCENARIO_PARTITIONS ? true : undefined;
      },
      60_000,
      () => `${tail(a)}\n${tail(b)}`,
    );
    const first = `${s.topic}:0`;
    const [holder, other] = held(a).has(first) ? [a, b] : [b, a];
    const holderFrom = holder.lines.length;
    const otherSettled = other.lines.length;
    await Promise.all([holder.waitForLine(COMMITTED), other.waitForLine(COMMITTED)]);
    step(
      `settled: maintainer holds ${[...held(holder)].sort().join(',')}; other ${[...held(other)].sort().join(',')}`,
    );

    // The holder maintains one interval first: a run the other began while it still held
    // partition 0 (the first member gets every partition until the second joins) ends meanwhile.
    await until('the holder to maintain the table', () =>
      runs(holder, name, holderFrom).length >= 1 ? true : undefined,
    );
    // The other's lines are counted from a skip it counts after the table records
    // partition 0: its maintenance loop runs one step at a time, so a run it began while
    // it held partition 0 has ended and logged by then; and every later decision reads
    // partition 0 as the table's first (before, the first recorded partition may be one
    // the other holds), so it skips while the group stays as it is.
    await until('the table to record partition 0', async () => {
      const { metadata } = await catalog.loadTable(table);
      return committedOffsets(metadata, SCENARIO_CONNECTOR).get(s.topic)?.has(0) ? true : undefined;
    });
    const skipped = async () =>
      metric(await scrape(ports.get(other)!), 'floe_maintenance_skipped_total', { table: name }) ?? 0;
    const skippedBefore = await skipped();
    await until(
      'the other worker to skip a due run',
      async () => ((await skipped()) > skippedBefore ? true : undefined),
      60_000,
      () => tail(other),
    );
    const holderMid = holder.lines.length;
    const otherFrom = other.lines.length;
    // An interval's worth more by the holder (both steps); none by the other meanwhile.
    await until('the holder to maintain the table again', () =>
      runs(holder, name, holderMid).length >= 2 ? true : undefined,
    );
    const holderEvents = groupEvents(holder, holderFrom);
    const otherEvents = groupEvents(other, otherSettled);
    expect({ holderEvents, otherEvents }).toEqual({ holderEvents: [], otherEvents: [] });
    expect(runs(other, name, otherFrom)).toEqual([]);
    const holderMetrics = await scrape(ports.get(holder)!);
    // The other's gauges (read when the table is due there, which it skips).
    const otherMetrics = await until('the other worker to report the table', async () => {
      const samples = await scrape(ports.get(other)!);
      const skips = metric(samples, 'floe_maintenance_skipped_total', { table: name }) ?? 0;
      const snapshots = metric(samples, 'floe_table_snapshots', { table: name }) ?? 0;
      return skips > 0 && snapshots > 0 ? samples : undefined;
    });
    expect(runs(other, name, otherFrom)).toEqual([]);
    expect(metric(holderMetrics, 'floe_table_maintainer', { table: name })).toBe(1);
    expect(metric(otherMetrics, 'floe_table_maintainer', { table: name })).toBe(0);
    expect(metric(otherMetrics, 'floe_maintenance_skipped_total', { table: name })).toBeGreaterThan(0);
    expect(metric(holderMetrics, 'floe_maintenance_skipped_total', { table: name })).toBeUndefined();
    // The other worker still commits to the table, and reads its health.
    expect(metric(otherMetrics, 'floe_table_snapshots', { table: name })).toBeGreaterThan(0);
    step(
      `maintainer ran ${runs(holder, name, holderFrom).length} steps, the other 0 and skipped ${metric(otherMetrics, 'floe_maintenance_skipped_total', { table: name })} due runs`,
    );

    // The maintainer stops (a dynamic member leaves the group): the other takes partition 0 and the table.
    expect(await holder.stop()).toEqual({ code: 0, signal: null });
    const stoppedAt = other.lines.length;
    await other.waitForLine(/"msg":"maintenance: this worker maintains the table now"/);
    await until('the other worker to maintain the table', () =>
      runs(other, name, stoppedAt).length >= 1 ? true : undefined,
    );
    expect(held(other).has(first)).toBe(true);
    expect(metric(await scrape(ports.get(other)!), 'floe_table_maintainer', { table: name })).toBe(1);
    step(`taken over: ${runs(other, name, stoppedAt).length} steps since the maintainer stopped`);

    const total = await producer.stop();
    await waitForRecords(catalog, s.table, total, { timeoutMs: 60_000 });
    step(`${total} records committed`);

    // Quiet now: compaction and expiry settle, and the gauges match the table.
    const io = testFileIO();
    const seen = await until(
      'the health gauges to match the table',
      async () => {
        const loaded = await catalog.loadTable(table);
        const head = branchHead(loaded.metadata, 'main')!;
        const expected = {
          snapshots: loaded.metadata.snapshots.length,
          manifests: decodeManifestList(await io.read(head.manifestList)).length,
          dataFiles: Number(head.summary['total-data-files']),
          filesBytes: Number(head.summary['total-files-size']),
          metadataBytes: (await io.read(loaded.metadataLocation)).length,
        };
        const samples = await scrape(ports.get(other)!);
        const gauge = (n: string) => metric(samples, n, { table: name });
        const got = {
          snapshots: gauge('floe_table_snapshots'),
          manifests: gauge('floe_table_manifests'),
          dataFiles: gauge('floe_table_data_files'),
          filesBytes: gauge('floe_table_files_bytes'),
          metadataBytes: gauge('floe_table_metadata_bytes'),
        };
        const average = gauge('floe_table_average_file_bytes');
        // The survivor's own counters: on an idle machine the gauges can match before its
        // first compaction since the takeover, so wait for that too (it keeps maintaining).
        const rewritten = gauge('floe_maintenance_bytes_rewritten_total') ?? 0;
        const listsDeleted =
          metric(samples, 'floe_maintenance_files_deleted_total', { table: name, kind: 'manifest-list' }) ??
          0;
        const settled = JSON.stringify(got) === JSON.stringify(expected) && rewritten > 0 && listsDeleted > 0;
        return settled ? { expected, average, rewritten, listsDeleted } : undefined;
      },
      60_000,
    );
    expect(seen.average).toBeCloseTo(seen.expected.filesBytes / seen.expected.dataFiles, 6);
    const { rewritten, listsDeleted } = seen;
    step(
      `gauges ${JSON.stringify(seen.expected)}; the survivor rewrote ${rewritten} bytes, deleted ${listsDeleted} manifest lists`,
    );
    expect(await other.stop()).toEqual({ code: 0, signal: null });

    const read = await readWithPyIceberg(readerCatalog('rest', s.setup), 'table', { table: s.table });
    const count = new Map<number, number>();
    for (const row of read.rows) count.set(row.id as number, (count.get(row.id as number) ?? 0) + 1);
    const missing: number[] = [];
    for (let i = 0; i < total; i++) if (!count.has(i)) missing.push(i);
    expect({
      rows: read.rows.length,
      duplicates: [...count].filter(([, n]) => n > 1).slice(0, 20),
      missing: missing.slice(0, 20),
    }).toEqual({ rows: total, duplicates: [], missing: [] });
  }, 180_000);
});
