// Issue 4, exactly-once under faults with real processes: `floe run` is killed
// -9 in the middle of writing a data file, just before and just after a catalog
// commit (FLOE_CRASH_POINT), and at random moments from outside while records
// keep arriving; each time it restarts in the same consumer group, on each
// broker of the stack (test/support/brokers.ts). The
// independent PyIceberg reader must then find every produced record exactly
// once (no duplicate, no gap, every value equal).
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

/** Every worker a test starts, so a failed test leaves none behind. */
const started: WorkerProcess[] = [];
function startWorker(setup: WorkerSetup, env: Record<string, string> = {}): WorkerProcess {
  const worker = new WorkerProcess(setup, env);
  started.push(worker);
  return worker;
}
afterEach(async () => {
  for (const worker of started.splice(0)) await worker.kill9();
});

function produce(
  s: OrderScenario,
  from: number,
  to: number,
  batchSize?: number,
  producer?: TestProducer,
): Promise<void> {
  const ids = Array.from({ length: to - from }, (_, i) => from + i);
  return produceNumbered(s.topic, PARTITIONS, ids, (i) => registry.encode(s.schemaId, orderPayload(i)), {
    batchSize,
    bootstrap: s.broker.bootstrap,
    producer,
  });
}

function exitedEarly(worker: WorkerProcess): () => string | undefined {
  return () =>
    worker.child.exitCode !== null || worker.child.signalCode !== null
      ? `worker exited early:\n${worker.lines.slice(-30).join('\n')}`
      : undefined;
}

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lets the last worker drain the topic, stops it cleanly and checks every row with PyIceberg. */
async function finishAndCheck(
  choice: CatalogChoice,
  s: OrderScenario,
  catalog: Catalog,
  total: number,
  worker: WorkerProcess,
): Promise<void> {
  // Stopping before the worker installed its signal handlers would just kill it.
  await worker.waitForLine(/partitions assigned/, 60_000);
  await waitForRecords(catalog, s.table, total, { timeoutMs: 120_000, failFast: exitedEarly(worker) });
  expect(await worker.stop()).toEqual({ code: 0, signal: null });
  await expectExactlyOnce(choice, s, total);
}

async function expectExactlyOnce(choice: CatalogChoice, s: OrderScenario, total: number): Promise<void> {
  const read = await readWithPyIceberg(readerCatalog(choice, s.setup), 'table', { table: s.table });
  const seen = new Map<number, number>();
  for (const row of read.rows) seen.set(row.id as number, (seen.get(row.id as number) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const missing: number[] = [];
  for (let i = 0; i < total; i++) if (!seen.has(i)) missing.push(i);
  const unexpected = [...seen.keys()].filter((id) => !(id >= 0 && id < total));
  expect({
    rows: read.rows.length,
    duplicates: duplicates.slice(0, 20),
    missing: missing.slice(0, 20),
    unexpected: unexpected.slice(0, 20),
  }).toEqual({ rows: total, duplicates: [], missing: [], unexpected: [] });
  for (const row of read.rows) {
    const want = orderRow(row.id as number);
    if (JSON.stringify(row) !== JSON.stringify(want)) expect(row).toEqual(want);
  }
  // The newest snapshot's offsets account for every record of every partition.
  const offsets = JSON.parse(read.snapshots.at(-1)!.summary[`floe.offsets.${CONNECTOR}`]!) as Record<
    string,
    Record<string, number>
  >;
  const perPartition = Array.from(
    { length: PARTITIONS },
    (_, p) => Math.floor(total / PARTITIONS) + (p < total % PARTITIONS ? 1 : 0),
  );
  expect(Array.from({ length: PARTITIONS }, (_, p) => offsets[s.topic]?.[String(p)])).toEqual(perPartition);
  console.log(
    `[faults ${choice} ${s.broker.name}] ${total} records exactly once in ${read.snapshots.length} snapshots, ` +
      `${read.snapshots.at(-1)!.summary['total-data-files']} data files`,
  );
}

describe.each(withEveryBroker<CatalogChoice>(['sql', 'rest']))(
  'floe run killed -9 and restarted ($choice catalog, $broker.name)',
  ({ broker, choice }) => {
    const catalogs: Catalog[] = [];
    afterAll(async () => {
      for (const catalog of catalogs) await catalog.close();
    });

    it('lands exactly the produced records after crashes inside a file write and around commits', async () => {
      const s = await orderScenario(choice, 'crash', broker);
      const catalog = await openCatalog(choice, s.setup);
      catalogs.push(catalog);
      // Each run dies at its point; a producer adds records before each restart.
      const crashes = [
        'after-data-file-write:6', // mid-batch: some of a commit's files written, nothing committed
        'before-catalog-commit:2', // files, manifest and manifest list written, commit never sent
        'after-catalog-commit:3', // committed in the table, group offsets never written
        'after-catalog-commit:1', // the first commit after a restart, then dead again
        'before-catalog-commit:4',
      ];
      const perRun = 10_000;
      let produced = 0;
      for (const point of crashes) {
        await produce(s, produced, produced + perRun);
        produced += perRun;
        const before = await tableRecordCount(catalog, s.table);
        const worker = startWorker(s.setup, { FLOE_CRASH_POINT: point });
        expect(await Promise.race([worker.exited, timeout(90_000, worker)])).toEqual({
          code: null,
          signal: 'SIGKILL',
        });
        expect(worker.lines.some((line) => line.includes(`crash point ${point.split(':')[0]} reached`))).toBe(
          true,
        );
        const after = await tableRecordCount(catalog, s.table);
        console.log(
          `[faults ${choice} ${broker.name}] ${point}: table ${before} -> ${after} records, ${produced} produced`,
        );
      }
      // The last run has no crash point; records keep arriving while it catches up.
      const worker = startWorker(s.setup);
      await produce(s, produced, produced + perRun, 500);
      produced += perRun;
      await finishAndCheck(choice, s, catalog, produced, worker);
    }, 240_000);

    // Defined on SQLite; FLOE_TEST_ALL_FAULTS=1 defines it on REST + S3 too (another minute).
    const randomKills = choice === 'sql' || process.env.FLOE_TEST_ALL_FAULTS === '1' ? it : undefined;
    randomKills?.(
      'lands exactly the produced records when killed -9 at random moments while records flow',
      async () => {
        const s = await orderScenario(choice, 'kill9', broker);
        const catalog = await openCatalog(choice, s.setup);
        catalogs.push(catalog);
        const seed = Number(process.env.FLOE_TEST_SEED ?? 20241126);
        const random = seededRandom(seed);
        const total = 50_000;
        // A producer writes in small slices the whole time the worker is killed and restarted.
        let produced = 0;
        let producerError: unknown;
        const producer = (async () => {
          const client = await new TestProducer(s.broker.bootstrap).connect();
          try {
            while (produced < total) {
              const next = Math.min(total, produced + 300);
              await produce(s, produced, next, 300, client);
              produced = next;
              await new Promise((resolve) => setTimeout(resolve, 200));
            }
          } finally {
            await client.disconnect();
          }
        })().catch((error: unknown) => {
          producerError = error;
        });
        const kills = 6;
        for (let k = 0; k < kills; k++) {
          const worker = startWorker(s.setup);
          // Kill anywhere from the group join to a few commits later (one every ~0.7 s).
          await worker.waitForLine(/partitions assigned/, 60_000);
          const delayMs = Math.round(random() * 4000);
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          expect(worker.child.exitCode, worker.lines.slice(-20).join('\n')).toBeNull();
          await worker.kill9();
          const count = await tableRecordCount(catalog, s.table);
          console.log(
            `[faults ${choice} ${broker.name}] seed ${seed} kill ${k + 1}/${kills} ${delayMs} ms after the assignment: ${count} records in table, ${produced} produced`,
          );
        }
        const worker = startWorker(s.setup);
        await producer;
        expect(producerError).toBeUndefined();
        await finishAndCheck(choice, s, catalog, total, worker);
      },
      240_000,
    );
  },
);

function timeout(ms: number, worker: WorkerProcess): Promise<never> {
  return new Promise((_, reject) =>
    setTimeout(
      () =>
        reject(
          new Error(
            `worker did not reach its crash point within ${ms} ms:\n${worker.lines.slice(-20).join('\n')}`,
          ),
        ),
      ms,
    ).unref(),
  );
}
