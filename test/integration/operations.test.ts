// Issue 6 on the real service stack, through `floe run` as a child process:
// /metrics while and after records land, /readyz and /healthz around the group
// join, graceful SIGTERM under load (exactly once after a restart), and a second
// signal that forces the exit. A gate in front of the REST catalog holds the
// worker at a known step (the table load of its first assignment, the shutdown
// commit; test/support/catalog-gate.ts), so the probes are read at that step
// rather than raced against it.
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { BackgroundProducer } from '../support/background-producer.ts';
import { CatalogGate } from '../support/catalog-gate.ts';
import { createTopic, registerAvro, registry } from '../support/kafka-tools.ts';
import { ORDER_SCHEMA_V1, orderPayload, orderRow } from '../support/orders.ts';
import { produceNumbered } from '../support/produce.ts';
import { metric, parseMetrics, type Sample } from '../support/prometheus-text.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { services, uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, tableRecordCount, waitForRecords } from '../support/table-watch.ts';
import { type CatalogChoice, WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function httpPort(worker: WorkerProcess): Promise<number> {
  const line = await worker.waitForLine(/"http server listening"/, 30_000);
  return (JSON.parse(line) as { port: number }).port;
}

async function get(port: number, path: string): Promise<{ code: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { code: response.status, body: await response.text() };
}

async function scrape(port: number): Promise<Sample[]> {
  const { code, body } = await get(port, '/metrics');
  expect(code).toBe(200);
  return parseMetrics(body);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await probe();
    if (result !== undefined) return result;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function exitWithin(
  worker: WorkerProcess,
  ms: number,
): Promise<{ code: number | null; signal: string | null }> {
  return Promise.race([
    worker.exited,
    sleep(ms).then(() => {
      throw new Error(
        `worker did not exit within ${ms} ms; last lines:\n${worker.lines.slice(-10).join('\n')}`,
      );
    }),
  ]);
}

/** PyIceberg reads the table: every id in [0, count) exactly once, with the values produced. */
async function expectExactlyOnce(
  choice: CatalogChoice,
  setup: Parameters<typeof readerCatalog>[1],
  table: string,
  count: number,
) {
  const read = await readWithPyIceberg(readerCatalog(choice, setup), 'table', { table });
  const ids = read.rows.map((r) => r.id as number).sort((a, b) => a - b);
  expect(ids.length).toBe(count);
  expect(new Set(ids).size).toBe(count);
  expect(ids[0]).toBe(0);
  expect(ids.at(-1)).toBe(count - 1);
  for (const row of read.rows) {
    const id = row.id as number;
    if (JSON.stringify(row) !== JSON.stringify(orderRow(id))) expect(row).toEqual(orderRow(id));
  }
}

const workers: WorkerProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.kill9();
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
});

function startWorker(setup: ReturnType<typeof writeWorkerConfig>): WorkerProcess {
  const worker = new WorkerProcess(setup);
  workers.push(worker);
  return worker;
}

async function prepareTopic(partitions: number, records: number) {
  const topic = uniqueName('ops');
  await createTopic(topic, partitions);
  const schemaId = await registerAvro(`${topic}-value`, ORDER_SCHEMA_V1);
  await produceNumbered(
    topic,
    partitions,
    Array.from({ length: records }, (_, i) => i),
    (i) => registry.encode(schemaId, orderPayload(i)),
  );
  return { topic, schemaId };
}

/**
 * A worker file whose REST catalog is reached through `gate`. The session timeout
 * is the broker's minimum-friendly 10 s: a worker that dies without leaving the
 * group holds its partitions that long.
 */
function gatedSetup(gate: CatalogGate, topic: string, table: string, commit: Record<string, number>) {
  return writeWorkerConfig({
    groupId: 'unused', // extra.kafka below wins
    catalog: 'rest',
    connectors: { orders: { topics: [topic], value: { format: 'avro' }, table, commit } },
    extra: {
      kafka: {
        bootstrapServers: services.kafkaBrokers,
        groupId: uniqueName('group'),
        properties: { 'session.timeout.ms': '10000' },
      },
      catalog: { type: 'rest', uri: gate.uri, warehouse: `s3://${services.s3.bucket}/rest` },
    },
  });
}

async function openGate(): Promise<CatalogGate> {
  const gate = await CatalogGate.start(services.restUri);
  cleanups.push(() => gate.stop());
  return gate;
}

function openCatalogLater(
  choice: CatalogChoice,
  setup: ReturnType<typeof writeWorkerConfig>,
): Promise<Catalog> {
  return openCatalog(choice, setup).then((catalog) => {
    cleanups.push(() => catalog.close());
    return catalog;
  });
}

describe('floe run: operations endpoint and shutdown (REST catalog)', () => {
  it('/metrics counts consumed and written records per label, commits, and lag that drains to 0', async () => {
    const PARTITIONS = 3;
    const [FIRST, SECOND, THIRD] = [30_000, 15_000, 15_000];
    const TOTAL = FIRST + SECOND + THIRD;
    const { topic, schemaId } = await prepareTopic(PARTITIONS, FIRST);
    const table = `it_ops.${topic}`;
    const gate = await openGate();
    const setup = gatedSetup(gate, topic, table, { intervalMs: 1000, maxRecords: 20_000 });
    const startedAt = Date.now() / 1000;
    const worker = startWorker(setup);
    const port = await httpPort(worker);
    const catalog = await openCatalogLater('rest', setup);
    const consumed = (s: Sample[]) =>
      metric(s, 'floe_records_consumed_total', { connector: 'orders', topic }) ?? 0;
    const written = (s: Sample[]) =>
      metric(s, 'floe_records_written_total', { connector: 'orders', table }) ?? 0;
    const commits = (s: Sample[]) =>
      metric(s, 'floe_commit_duration_seconds_count', { connector: 'orders', table }) ?? 0;
    const lags = (s: Sample[]) =>
      Array.from({ length: PARTITIONS }, (_, p) =>
        metric(s, 'floe_consumer_lag', { connector: 'orders', topic, partition: String(p) }),
      );

    // During ingestion: counters only grow, and nothing is counted written before it is consumed.
    const during: Sample[][] = [];
    while ((await tableRecordCount(catalog, table)) < FIRST) {
      expect(worker.child.exitCode, worker.lines.slice(-10).join('\n')).toBeNull();
      during.push(await scrape(port));
      await sleep(200);
    }
    for (let i = 0; i < during.length; i++) {
      expect(written(during[i]!)).toBeLessThanOrEqual(consumed(during[i]!));
      expect(consumed(during[i]!)).toBeLessThanOrEqual(FIRST);
      if (i > 0) expect(consumed(during[i]!)).toBeGreaterThanOrEqual(consumed(during[i - 1]!));
      if (i > 0) expect(written(during[i]!)).toBeGreaterThanOrEqual(written(during[i - 1]!));
    }

    // After the first backlog: exact counters, a commit histogram, the last-commit time, lag 0 everywhere.
    let after = await until('lag 0 on every partition', async () => {
      const s = await scrape(port);
      return written(s) === FIRST && lags(s).every((lag) => lag === 0) ? s : undefined;
    });
    expect(consumed(after)).toBe(FIRST);
    expect(metric(after, 'floe_bytes_consumed_total', { connector: 'orders', topic })).toBeGreaterThan(0);
    const firstCommits = commits(after);
    expect(firstCommits).toBeGreaterThan(0);
    expect(metric(after, 'floe_commit_data_files_total', { connector: 'orders', table })).toBeGreaterThan(0);
    const lastCommit = metric(after, 'floe_last_commit_timestamp_seconds', { connector: 'orders', table });
    expect(lastCommit).toBeGreaterThanOrEqual(Math.floor(startedAt));
    expect(lastCommit).toBeLessThanOrEqual(Date.now() / 1000);
    expect(metric(after, 'floe_assigned_partitions', { connector: 'orders' })).toBe(PARTITIONS);

    // A backlog the worker cannot read: its commit is held at the gate while more records arrive.
    gate.close();
    await produceNumbered(
      topic,
      PARTITIONS,
      Array.from({ length: SECOND }, (_, i) => FIRST + i),
      (i) => registry.encode(schemaId, orderPayload(i)),
    );
    await gate.waitForHeld();
    await produceNumbered(
      topic,
      PARTITIONS,
      Array.from({ length: THIRD }, (_, i) => FIRST + SECOND + i),
      (i) => registry.encode(schemaId, orderPayload(i)),
    );
    await sleep(5_500); // past the worker's 5 s lag sampling interval: it samples right after the commit
    gate.open();
    const behind = await until(
      'a lag sample above 0',
      async () => {
        const s = await scrape(port);
        return lags(s).some((lag) => lag !== undefined && lag > 0) ? s : undefined;
      },
      30_000,
    );
    expect(lags(behind).reduce((sum, lag) => sum! + (lag ?? 0), 0)).toBeLessThanOrEqual(SECOND + THIRD);

    await waitForRecords(catalog, table, TOTAL, { timeoutMs: 90_000 });
    after = await until('lag back to 0', async () => {
      const s = await scrape(port);
      return written(s) === TOTAL && lags(s).every((lag) => lag === 0) ? s : undefined;
    });
    expect(consumed(after)).toBe(TOTAL);
    expect(commits(after)).toBeGreaterThan(firstCommits);
    expect(
      metric(after, 'floe_last_commit_timestamp_seconds', { connector: 'orders', table }),
    ).toBeGreaterThan(lastCommit!);
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    expect(await tableRecordCount(catalog, table)).toBe(TOTAL);
  });

  it('/readyz is 503 until the worker has joined its group and loaded its table, then 200; /healthz 200 throughout', async () => {
    const RECORDS = 2_000;
    const { topic } = await prepareTopic(2, RECORDS);
    const table = `it_ops.${topic}`;
    const gate = await openGate();
    gate.close(); // the table load of the first assignment waits here
    const setup = gatedSetup(gate, topic, table, { intervalMs: 1000 });
    const worker = startWorker(setup);
    const port = await httpPort(worker);

    // From the first instant the port is known.
    expect((await get(port, '/readyz')).code).toBe(503);
    expect((await get(port, '/healthz')).code).toBe(200);

    // Group joined, partitions assigned, table load in flight: still not ready.
    await worker.waitForLine(/"worker started"/);
    await gate.waitForHeld();
    for (let i = 0; i < 5; i++) {
      expect((await get(port, '/readyz')).code).toBe(503);
      expect((await get(port, '/healthz')).code).toBe(200);
      await sleep(100);
    }
    // The table load of the assignment is held: still joining, no partition booked yet.
    expect(JSON.parse((await get(port, '/status')).body)).toEqual({
      ready: false,
      live: true,
      state: 'joining',
      connectors: { orders: { partitions: [], lastCommitAt: null } },
    });
    expect(worker.lines.some((line) => line.includes('"partitions assigned"'))).toBe(false);

    gate.open();
    await until('ready', async () => ((await get(port, '/readyz')).code === 200 ? true : undefined), 30_000);
    expect(worker.lines.some((line) => line.includes('"partitions assigned"'))).toBe(true);
    expect((await get(port, '/healthz')).code).toBe(200);
    const catalog = await openCatalogLater('rest', setup);
    await waitForRecords(catalog, table, RECORDS, { timeoutMs: 60_000 });
    expect((await get(port, '/readyz')).code).toBe(200);
    expect((await get(port, '/healthz')).code).toBe(200);
    // /status: both partitions, their committed offsets (strings) adding up to every record.
    type Status = {
      state: string;
      connectors: { orders: { partitions: { partition: number; committedOffset: string | null }[] } };
    };
    const status = await until('offsets in /status', async () => {
      const body = JSON.parse((await get(port, '/status')).body) as Status;
      const offsets = body.connectors.orders.partitions.map((p) => BigInt(p.committedOffset ?? '0'));
      return offsets.reduce((a, b) => a + b, 0n) === BigInt(RECORDS) ? body : undefined;
    });
    expect(status).toMatchObject({ ready: true, live: true, state: 'running' });
    expect(status.connectors.orders.partitions.map((p) => p.partition)).toEqual([0, 1]);
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM under load: not ready at once, commits, exits 0 within 30 s; a restart lands every record exactly once', async () => {
    const PARTITIONS = 4;
    const BACKLOG = 100_000;
    const { topic, schemaId } = await prepareTopic(PARTITIONS, BACKLOG);
    const table = `it_ops.${topic}`;
    const gate = await openGate();
    const setup = gatedSetup(gate, topic, table, { intervalMs: 2000, maxRecords: 20_000 });
    const worker = startWorker(setup);
    const port = await httpPort(worker);
    const catalog = await openCatalogLater('rest', setup);
    const producer = new BackgroundProducer(topic, PARTITIONS, schemaId, BACKLOG);
    cleanups.push(() => producer.stop());
    await waitForRecords(catalog, table, 1, { timeoutMs: 60_000 });
    expect((await get(port, '/readyz')).code).toBe(200);

    // Still a backlog and a producer writing when the signal comes.
    const producedBefore = producer.next;
    const consumedBefore =
      metric(await scrape(port), 'floe_records_consumed_total', { connector: 'orders', topic }) ?? 0;
    expect(consumedBefore).toBeLessThan(producedBefore);
    expect(producer.running).toBe(true);

    // Hold the worker inside a commit (records keep flowing, so one comes within
    // the 2 s interval), then signal: the commit cannot finish while the probes
    // are read. Signalling first raced: right after a commit there may be nothing
    // left to commit, and the worker exits before any request reaches the gate.
    gate.close();
    await gate.waitForHeld(30_000);
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    await worker.waitForLine(/SIGTERM: stopping/);
    // Past the signal the worker takes no record into its batch: the producer stops
    // after two more batches (the second begun after the line above), so records the
    // first worker never read are left for the restart, and the restart's backlog is
    // bounded (a producer running until after the exit grew it by the whole stop).
    const atSignal = producer.next;
    const producerStopped = (async () => {
      const deadline = Date.now() + 30_000;
      while (producer.next < atSignal + 2_000 && Date.now() < deadline) await sleep(20);
      return producer.stop();
    })();
    producerStopped.catch(() => undefined); // awaited below; a failure is thrown there
    expect((await get(port, '/readyz')).code).toBe(503);
    expect((await get(port, '/healthz')).code).toBe(200);
    expect(worker.child.exitCode).toBeNull();
    gate.open();
    const exit = await exitWithin(worker, 30_000 - (Date.now() - signalledAt));
    expect(exit).toEqual({ code: 0, signal: null });
    expect(worker.lines.some((line) => line.includes('"stopping: committing open batches"'))).toBe(true);

    const produced = await producerStopped;
    expect(produced, 'records sent after the worker logged the signal').toBeGreaterThanOrEqual(
      atSignal + 2_000,
    );
    const landed = await tableRecordCount(catalog, table);
    expect(landed).toBeGreaterThanOrEqual(consumedBefore); // what was read before the signal got committed
    expect(landed).toBeLessThan(produced);

    const restarted = startWorker(setup);
    await waitForRecords(catalog, table, produced, {
      timeoutMs: 90_000,
      failFast: () => (restarted.child.exitCode !== null ? 'restarted worker exited' : undefined),
    });
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
    await expectExactlyOnce('rest', setup, table, produced);
  }, 300_000); // 100,000 records produced, waits of up to 60 s, 30 s, 30 s and 90 s, a PyIceberg read

  it.each<NodeJS.Signals>(['SIGTERM', 'SIGINT'])(
    'a second signal (%s) during the shutdown commit exits at once, non-zero; nothing is lost',
    async (second) => {
      const RECORDS = 30_000;
      const { topic } = await prepareTopic(3, RECORDS);
      const table = `it_ops.${topic}`;
      const gate = await openGate();
      // About 20,000 are committed; the rest stay buffered (the interval is far away).
      const setup = gatedSetup(gate, topic, table, { intervalMs: 600_000, maxRecords: 20_000 });
      const worker = startWorker(setup);
      const port = await httpPort(worker);
      const catalog = await openCatalogLater('rest', setup);
      await waitForRecords(catalog, table, 1, { timeoutMs: 60_000 });
      await until('every record consumed', async () => {
        const s = await scrape(port);
        return metric(s, 'floe_records_consumed_total', { connector: 'orders', topic }) === RECORDS
          ? true
          : undefined;
      });

      const committed = await tableRecordCount(catalog, table);
      expect(committed).toBeLessThan(RECORDS); // a batch is still buffered

      gate.close(); // the shutdown commit never gets through
      worker.child.kill('SIGTERM');
      await worker.waitForLine(/SIGTERM: stopping/);
      await gate.waitForHeld();
      worker.child.kill(second);
      const exit = await exitWithin(worker, 10_000);
      expect(exit.code).not.toBe(0);
      expect(exit.code === null ? exit.signal : exit.code).toBe(130);
      expect(await tableRecordCount(catalog, table)).toBe(committed);
      gate.open(); // the held commit is dropped: its client is gone

      // The restart re-reads what was not committed and commits it on a plain SIGTERM.
      const restarted = startWorker(setup);
      const restartedPort = await httpPort(restarted);
      await until('the uncommitted records re-read', async () => {
        const s = await scrape(restartedPort);
        const n = metric(s, 'floe_records_consumed_total', { connector: 'orders', topic }) ?? 0;
        return n >= RECORDS - committed ? true : undefined;
      });
      expect(await restarted.stop()).toEqual({ code: 0, signal: null });
      expect(await tableRecordCount(catalog, table)).toBe(RECORDS);
      await expectExactlyOnce('rest', setup, table, RECORDS);
    },
  );

  // An idle member (no partitions) must still turn ready, else a rolling update
  // with maxUnavailable 0 never completes when replicas outnumber partitions.
  it('SIGTERM while joining the group: exits 0 at once, nothing read, nothing committed', async () => {
    const { topic } = await prepareTopic(2, 0); // an empty topic: nothing to commit, however far the join got
    const table = `it_ops.${topic}`;
    const gate = await openGate();
    const worker = startWorker(gatedSetup(gate, topic, table, { intervalMs: 1000 }));
    const port = await httpPort(worker);
    // Connected and subscribed: the join is under way (the test broker has no initial rebalance delay,
    // so it may be through already; then this is a stop right after start-up).
    await worker.waitForLine(/"worker started"/);
    expect(['joining', 'running']).toContain(
      (JSON.parse((await get(port, '/status')).body) as { state: string }).state,
    );
    const signalled = performance.now();
    worker.child.kill('SIGTERM');
    expect(await exitWithin(worker, 30_000)).toEqual({ code: 0, signal: null });
    const ms = performance.now() - signalled;
    process.stderr.write(`[operations] SIGTERM while joining: exit ${ms.toFixed(0)} ms after the signal\n`);
    expect(ms).toBeLessThan(5_000);
    expect(worker.lines.some((line) => line.includes('"msg":"committed"'))).toBe(false);
  });

  it('an idle replica (more workers than partitions) is ready', async () => {
    const { topic } = await prepareTopic(1, 100);
    const table = `it_ops.${topic}`;
    const gate = await openGate();
    const setup = gatedSetup(gate, topic, table, { intervalMs: 1000 });
    const first = startWorker(setup);
    const firstPort = await httpPort(first);
    await until('first ready', async () =>
      (await get(firstPort, '/readyz')).code === 200 ? true : undefined,
    );
    const second = startWorker(setup);
    const secondPort = await httpPort(second);
    await second.waitForLine(/"worker started"/);
    await until(
      'idle ready',
      async () => ((await get(secondPort, '/readyz')).code === 200 ? true : undefined),
      15_000,
    );
    // The idle replica has the connector's series, at 0, and says it holds nothing.
    expect(metric(await scrape(secondPort), 'floe_assigned_partitions', { connector: 'orders' })).toBe(0);
    expect(JSON.parse((await get(secondPort, '/status')).body)).toMatchObject({
      state: 'running',
      connectors: { orders: { partitions: [] } },
    });
    expect(await second.stop()).toEqual({ code: 0, signal: null });
    expect(await first.stop()).toEqual({ code: 0, signal: null });
  });
});
