// `floe backfill` against the real stack. (1) 300,000 Avro records on 6
// partitions, the backfill killed -9 halfway (FLOE_CRASH_POINT), run again (it
// resumes at the tables' offsets, not at --from), then `floe run` takes over
// while a producer keeps writing: PyIceberg sees every id exactly once.
// (2) --from/--until timestamps start and stop each partition at the offsets
// the broker maps the timestamps to, and a partition with nothing in range
// still gets its end offset recorded. Both on each broker of the stack
// (test/support/brokers.ts).
import { describe, expect, it } from 'vitest';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import { BackfillProcess } from '../support/backfill-process.ts';
import { BROKERS, type TestBroker, withEveryBroker } from '../support/brokers.ts';
import { createTopic, registerAvro, registry, TestProducer } from '../support/kafka-tools.ts';
import { ORDER_SCHEMA_V1, orderPayload } from '../support/orders.ts';
import { produceNumbered } from '../support/produce.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, tableRecordCount, waitForRecords } from '../support/table-watch.ts';
import { type CatalogChoice, WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

interface PlannedPartition {
  topic: string;
  partition: number;
  start: string;
  end: string;
  from: 'table' | 'from';
}

/** Keeps producing numbered orders (partition = id % partitions) until stopped. */
function produceLive(
  broker: TestBroker,
  topic: string,
  partitions: number,
  firstId: number,
  schemaId: number,
) {
  let next = firstId;
  let stopped = false;
  const done = (async () => {
    const producer = await new TestProducer(broker.bootstrap).connect();
    try {
      while (!stopped) {
        const batch = [];
        for (let n = 0; n < 500; n++, next++) {
          batch.push({
            key: Buffer.from(String(next)),
            value: await registry.encode(schemaId, orderPayload(next)),
            partition: next % partitions,
          });
        }
        await producer.send(topic, batch);
        await new Promise((resolve) => setTimeout(resolve, 100));
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
      return next;
    },
  };
}

const RECORDS = 300_000;
const PARTITIONS = 6;

describe.each(withEveryBroker<CatalogChoice>(['sql', 'rest']))(
  'floe backfill ($choice catalog, $broker.name)',
  ({ broker, choice }) => {
    it(`backfills ${RECORDS} records, survives kill -9, resumes, and hands over to floe run exactly once`, async () => {
      const topic = uniqueName('backfill');
      const table = `it_backfill_${choice}.${topic}`;
      await createTopic(topic, PARTITIONS, broker.bootstrap);
      const schemaId = await registerAvro(`${topic}-value`, ORDER_SCHEMA_V1);
      const ids = Array.from({ length: RECORDS }, (_, i) => i);
      await produceNumbered(topic, PARTITIONS, ids, (i) => registry.encode(schemaId, orderPayload(i)), {
        bootstrap: broker.bootstrap,
      });
      const setup = writeWorkerConfig({
        groupId: uniqueName('group'),
        bootstrap: broker.bootstrap,
        catalog: choice,
        connectors: {
          orders: {
            topics: [topic],
            value: { format: 'avro' },
            table,
            autoCreate: { partitionBy: ['bucket(4, id)'] },
            commit: { intervalMs: 2000, maxRecords: 20_000 },
          },
        },
      });
      const catalog = await openCatalog(choice, setup);
      const args = ['orders', '--from', 'earliest', '--commit-records', '50000', '--progress', 'log'];
      try {
        // 1. Killed -9 right before its 4th commit: three batches are in, the 4th's data files are orphans.
        const crashed = new BackfillProcess(setup, args, { FLOE_CRASH_POINT: 'before-catalog-commit:4' });
        expect(await crashed.exited).toEqual({ code: null, signal: 'SIGKILL' });
        const afterCrash = await tableRecordCount(catalog, table);
        expect(afterCrash).toBeGreaterThanOrEqual(150_000);
        expect(afterCrash).toBeLessThan(RECORDS);
        const crashedAt = (await catalog.loadTable(parseTableIdentifier(table))).metadata;
        const recorded = committedOffsets(crashedAt, 'orders').get(topic) ?? new Map<number, bigint>();
        expect(Number([...recorded.values()].reduce((a, b) => a + b, 0n))).toBe(afterCrash);

        // 2. Resume while a producer keeps writing: starts at the tables' offsets, stops at the end it captured.
        const live = produceLive(broker, topic, PARTITIONS, RECORDS, schemaId);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const resumed = new BackfillProcess(setup, args);
        expect(await resumed.exited).toEqual({ code: 0, signal: null });
        const plan = resumed.logged(/^backfill plan$/).partitions as PlannedPartition[];
        // Each partition resumes where the table says: at its recorded offset; a partition
        // the crashed run finished is not planned; one it never committed starts at --from.
        expect(plan.filter((p) => p.from === 'table').length).toBeGreaterThan(0);
        for (const p of plan) {
          if (p.from === 'table') expect(BigInt(p.start)).toBe(recorded.get(p.partition));
          else expect([recorded.has(p.partition), p.start]).toEqual([false, '0']);
        }
        for (let partition = 0; partition < PARTITIONS; partition++) {
          if (!plan.some((p) => p.partition === partition)) expect(recorded.get(partition)).toBe(50_000n);
        }
        const planned = plan.reduce((n, p) => n + Number(p.end) - Number(p.start), 0);
        const summary = resumed.logged(/^backfill completed$/);
        expect(summary.records).toBe(planned);
        expect(resumed.logged(/^backfill progress$/).topics).toBeDefined();
        const backfilled = await tableRecordCount(catalog, table);
        expect(backfilled).toBe(afterCrash + planned);
        expect(backfilled).toBeGreaterThanOrEqual(RECORDS);

        // 3. floe run continues at the backfill's end offsets while records keep coming.
        const worker = new WorkerProcess(setup);
        try {
          await worker.waitForLine(/"msg":"committed"/, 60_000);
          const total = await live.stop();
          await waitForRecords(catalog, table, total, {
            timeoutMs: 120_000,
            failFast: () =>
              worker.child.exitCode !== null
                ? `worker exited:\n${worker.lines.slice(-20).join('\n')}`
                : undefined,
          });
          expect(await worker.stop()).toEqual({ code: 0, signal: null });

          const read = await readWithPyIceberg(readerCatalog(choice, setup), 'table', { table });
          const seen = read.rows.map((r) => r.id as number).sort((a, b) => a - b);
          expect(seen.length).toBe(total);
          for (let i = 0; i < total; i++) if (seen[i] !== i) expect(seen[i]).toBe(i);
          const offsets = JSON.parse(read.snapshots.at(-1)!.summary['floe.offsets.orders']!);
          expect(Object.values(offsets[topic] as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
            total,
          );
          console.log(
            `[backfill ${choice} ${broker.name}] crashed run committed ${afterCrash}; resumed run read ${summary.records} records in ` +
              `${Number(summary.seconds).toFixed(1)} s (${summary.recordsPerSecond} records/s, ${summary.megabytesPerSecond} MB/s, ` +
              `${summary.commits} commits); floe run took over at ${backfilled}, ${total} records exactly once, ` +
              `${read.snapshots.at(-1)!.summary['total-data-files']} data files`,
          );
        } finally {
          await worker.stop();
          await live.stop();
        }
      } finally {
        await catalog.close();
      }
      // Producing 300,000 records alone takes a minute on a busy 2-core machine.
    }, 240_000);
  },
);

describe.each(BROKERS)('floe backfill --from/--until timestamps ($name)', (broker) => {
  it('starts and stops every partition at the offsets the timestamps map to', async () => {
    const topic = uniqueName('backfill-ts');
    const table = `it_backfill_ts.${topic}`;
    await createTopic(topic, 4, broker.bootstrap);
    // Partition p (0-2): 100 records, offset j stamped base + j * (p + 1) s. Partition 3: all before --from.
    const base = Date.now() - 3_600_000;
    const records = [];
    for (let p = 0; p < 4; p++) {
      for (let j = 0; j < 100; j++) {
        const timestampMs = p < 3 ? base + j * 1000 * (p + 1) : base - 100_000 + j * 10;
        records.push({
          key: null,
          value: Buffer.from(JSON.stringify({ p, j })),
          partition: p,
          timestampMs,
        });
      }
    }
    const producer = await new TestProducer(broker.bootstrap).connect();
    await producer.send(topic, records);
    await producer.disconnect();
    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      bootstrap: broker.bootstrap,
      catalog: 'sql',
      connectors: {
        events: { topics: [topic], value: { format: 'json' }, table, metadataColumn: { name: '_kafka' } },
      },
    });
    const from = new Date(base + 60_000).toISOString();
    const until = new Date(base + 90_000).toISOString();
    const backfill = new BackfillProcess(setup, [
      'events',
      '--from',
      from,
      '--until',
      until,
      '--progress',
      'none',
    ]);
    expect(await backfill.exited).toEqual({ code: 0, signal: null });

    // First offset with timestamp >= from: 60, 30, 20; first >= until (exclusive end): 90, 45, 30.
    const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table });
    const byPartition = new Map<number, number[]>();
    for (const row of read.rows) {
      const meta = row._kafka as { partition: number; offset: number };
      expect(meta.offset).toBe(row.j);
      byPartition.set(meta.partition, [...(byPartition.get(meta.partition) ?? []), meta.offset]);
    }
    const range = (p: number) => {
      const offsets = (byPartition.get(p) ?? []).sort((a, b) => a - b);
      return [offsets[0], offsets.at(-1), offsets.length];
    };
    expect(range(0)).toEqual([60, 89, 30]);
    expect(range(1)).toEqual([30, 44, 15]);
    expect(range(2)).toEqual([20, 29, 10]);
    expect(byPartition.has(3)).toBe(false);
    // Every partition's end is recorded, the empty one too, so `floe run` would start right there.
    const offsets = JSON.parse(read.snapshots.at(-1)!.summary['floe.offsets.events']!);
    expect(offsets[topic]).toEqual({ 0: 90, 1: 45, 2: 30, 3: 100 });
  });
});
