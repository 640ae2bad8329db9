// Issue 4, exactly-once through consumer-group rebalances with real processes,
// on each broker of the stack and each catalog (the second broker on the first catalog; test/support/brokers.ts):
// two `floe run` workers share a 6-partition topic, a third joins mid-stream and
// one leaves (SIGTERM), then another is killed -9, while a producer keeps
// writing (a SIGTERM-only variant ran the same steps minus the kill: dropped
// to keep CI short, this one covers every step of it). The independent PyIceberg reader must find every record exactly once.
// A cooperative rebalance commits revoked partitions before releasing them
// (docs/exactly-once.md), so in a clean rebalance no worker ever finds its batch
// fenced or already committed: each partition's range moves from one owner to the
// next exactly at the table's offset.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { withEveryBroker } from '../support/brokers.ts';
import { registry, TestProducer } from '../support/kafka-tools.ts';
import {
  type OrderScenario,
  orderScenario,
  SCENARIO_CONNECTOR,
  SCENARIO_PARTITIONS,
} from '../support/order-scenario.ts';
import { orderPayload, orderRow } from '../support/orders.ts';
import { produceNumbered } from '../support/produce.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { openCatalog, readerCatalog, tableRecordCount, waitForRecords } from '../support/table-watch.ts';
import { type CatalogChoice, WorkerProcess, type WorkerSetup } from '../support/worker-process.ts';

const PARTITIONS = SCENARIO_PARTITIONS;
const CONNECTOR = SCENARIO_CONNECTOR;
const TOTAL = 60_000;

/** Log lines that mean a batch overlapped another owner's range (the fence caught it). */
const OVERLAP = /batch dropped|batch already in|another writer moved|holds part of this batch/;

const started: WorkerProcess[] = [];
function startWorker(setup: WorkerSetup): WorkerProcess {
  const worker = new WorkerProcess(setup);
  started.push(worker);
  return worker;
}
afterEach(async () => {
  for (const worker of started.splice(0)) await worker.kill9();
});

/** Writes ids 0..TOTAL-1 in small slices, so records arrive through every rebalance. */
function produceSteadily(s: OrderScenario): { done: Promise<void>; produced: () => number } {
  let produced = 0;
  const done = (async () => {
    const producer = await new TestProducer(s.broker.bootstrap).connect();
    try {
      while (produced < TOTAL) {
        const next = Math.min(TOTAL, produced + 600);
        const ids = Array.from({ length: next - produced }, (_, i) => produced + i);
        await produceNumbered(s.topic, PARTITIONS, ids, (i) => registry.encode(s.schemaId, orderPayload(i)), {
          producer,
        });
        produced = next;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await producer.disconnect();
    }
  })();
  return { done, produced: () => produced };
}

function alive(worker: WorkerProcess): boolean {
  return worker.child.exitCode === null && worker.child.signalCode === null;
}

/** Resolves at the first log line matching `pattern` from line `fromLine` on. */
async function lineAfter(
  worker: WorkerProcess,
  fromLine: number,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker.lines.slice(fromLine).some((line) => pattern.test(line))) return;
    if (!alive(worker)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `worker ${worker.child.pid} logged no ${pattern} (alive: ${alive(worker)}):\n${worker.lines.slice(-20).join('\n')}`,
  );
}

const COMMITTED = /"msg":"committed"/;

function nextCommit(worker: WorkerProcess, fromLine: number): Promise<void> {
  return lineAfter(worker, fromLine, COMMITTED);
}

async function expectExactlyOnce(choice: CatalogChoice, s: OrderScenario): Promise<void> {
  const read = await readWithPyIceberg(readerCatalog(choice, s.setup), 'table', { table: s.table });
  const seen = new Map<number, number>();
  for (const row of read.rows) seen.set(row.id as number, (seen.get(row.id as number) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const missing: number[] = [];
  for (let i = 0; i < TOTAL; i++) if (!seen.has(i)) missing.push(i);
  expect({
    rows: read.rows.length,
    duplicates: duplicates.slice(0, 20),
    missing: missing.slice(0, 20),
  }).toEqual({ rows: TOTAL, duplicates: [], missing: [] });
  for (const row of read.rows) {
    const want = orderRow(row.id as number);
    if (JSON.stringify(row) !== JSON.stringify(want)) expect(row).toEqual(want);
  }
  const offsets = JSON.parse(read.snapshots.at(-1)!.summary[`floe.offsets.${CONNECTOR}`]!) as Record<
    string,
    Record<string, number>
  >;
  expect(Array.from({ length: PARTITIONS }, (_, p) => offsets[s.topic]?.[String(p)])).toEqual(
    Array.from({ length: PARTITIONS }, () => TOTAL / PARTITIONS),
  );
  console.log(
    `[rebalance ${choice} ${s.broker.name}] ${TOTAL} records exactly once in ${read.snapshots.length} snapshots`,
  );
}

describe.each(withEveryBroker<CatalogChoice>(['sql', 'rest']))(
  'floe workers in one consumer group ($choice catalog, $broker.name)',
  ({ broker, choice }) => {
    const catalogs: Catalog[] = [];
    afterAll(async () => {
      for (const catalog of catalogs) await catalog.close();
    });

    it('keeps exactly once while a third worker joins, one leaves (SIGTERM) and one is killed -9', async () => {
      const s = await orderScenario(choice, 'rebalance', broker);
      const catalog = await openCatalog(choice, s.setup);
      catalogs.push(catalog);
      const producer = produceSteadily(s);

      const a = startWorker(s.setup);
      const b = startWorker(s.setup);
      await Promise.all([nextCommit(a, 0), nextCommit(b, 0)]);
      const progress = () => `${producer.produced()} produced`;
      console.log(`[rebalance ${choice} ${s.broker.name}] A and B committing; ${progress()}`);

      // C joins: A and B give some partitions up (committing them first), C takes them.
      const joinAt = [a.lines.length, b.lines.length];
      const c = startWorker(s.setup);
      await nextCommit(c, 0);
      await Promise.all([nextCommit(a, joinAt[0]!), nextCommit(b, joinAt[1]!)]);
      console.log(`[rebalance ${choice} ${s.broker.name}] C joined and committed; ${progress()}`);
      const revokedOnJoin = [a, b].some((w) =>
        w.lines
          .slice(joinAt[w === a ? 0 : 1])
          .some((l) => l.includes('partitions revoked; committing first')),
      );
      expect(revokedOnJoin).toBe(true);

      // A leaves cleanly: it commits, the group hands its partitions to B and C.
      const leaveAt = [b.lines.length, c.lines.length];
      expect(await a.stop()).toEqual({ code: 0, signal: null });
      await Promise.all([nextCommit(b, leaveAt[0]!), nextCommit(c, leaveAt[1]!)]);
      console.log(`[rebalance ${choice} ${s.broker.name}] A left; ${progress()}`);

      // B dies without committing: its partitions move to C after the session timeout.
      const killAt = c.lines.length;
      await b.kill9();
      await lineAfter(c, killAt, /partitions assigned/);
      await nextCommit(c, killAt);
      const survivors = [c];
      console.log(`[rebalance ${choice} ${s.broker.name}] B killed -9; ${progress()}`);

      await producer.done;
      await waitForRecords(catalog, s.table, TOTAL, {
        timeoutMs: 120_000,
        failFast: () => {
          const dead = survivors.find((w) => !alive(w));
          return dead ? `worker exited early:\n${dead.lines.slice(-30).join('\n')}` : undefined;
        },
      });
      for (const worker of survivors) expect(await worker.stop()).toEqual({ code: 0, signal: null });
      expect(await tableRecordCount(catalog, s.table)).toBe(TOTAL);

      // Commit-before-release: no batch ever overlapped another owner's range.
      // (After a kill -9 the successor resumes at the table's offsets, also without overlap.)
      const overlaps = [a, b, c].flatMap((w) => w.lines.filter((line) => OVERLAP.test(line)));
      expect(overlaps).toEqual([]);
      await expectExactlyOnce(choice, s);
    }, 180_000);

    it('keeps exactly once when a worker paused past its session timeout wakes up (zombie)', async () => {
      const s = await orderScenario(choice, 'rebalance', broker);
      const catalog = await openCatalog(choice, s.setup);
      catalogs.push(catalog);
      const producer = produceSteadily(s);
      const a = startWorker(s.setup);
      const b = startWorker(s.setup);
      await Promise.all([nextCommit(a, 0), nextCommit(b, 0)]);

      // B freezes with an open batch; the group gives its partitions to A, which commits them.
      const frozenAt = a.lines.length;
      process.kill(b.child.pid!, 'SIGSTOP');
      try {
        await lineAfter(a, frozenAt, /partitions assigned/);
        await nextCommit(a, a.lines.length);
        await nextCommit(a, a.lines.length);
      } finally {
        process.kill(b.child.pid!, 'SIGCONT');
      }
      // B wakes believing it still owns them: whatever it does next must not duplicate.
      const wokeAt = b.lines.length;
      await lineAfter(b, wokeAt, /partitions (lost|assigned|revoked)|batch dropped|"msg":"committed"/);
      console.log(
        `[rebalance ${choice} ${s.broker.name}] zombie B woke; ${producer.produced()} produced; it logged:\n` +
          b.lines
            .slice(wokeAt)
            .filter((line) => /lost|revoked|assigned|dropped|committed/.test(line))
            .slice(0, 8)
            .map((line) => `  ${(JSON.parse(line) as { msg: string }).msg}`)
            .join('\n'),
      );

      await producer.done;
      await waitForRecords(catalog, s.table, TOTAL, {
        timeoutMs: 120_000,
        failFast: () => {
          const dead = [a, b].find((w) => !alive(w));
          return dead ? `worker exited early:\n${dead.lines.slice(-30).join('\n')}` : undefined;
        },
      });
      for (const worker of [a, b]) expect(await worker.stop()).toEqual({ code: 0, signal: null });
      await expectExactlyOnce(choice, s);
    }, 180_000);
  },
);
