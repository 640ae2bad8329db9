// commit.idleMs on the real stack (each broker, SQLite catalog, local files),
// read back with PyIceberg: `floe run` reads a backlog larger than maxRecords
// with an interval of ten minutes; the full batches commit by size and the rest
// of the backlog as soon as the records stop, not ten minutes later. Records
// that come after the idle commit wait for the interval as usual (at most one
// idle commit per full batch); SIGTERM commits them, and every id is in the
// table once (snapshots counted in the table, not in the log: its lines come
// through a pipe, after the commit).
import { describe, expect, it } from 'vitest';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { BROKERS } from '../support/brokers.ts';
import { createTopic } from '../support/kafka-tools.ts';
import { produceNumbered } from '../support/produce.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, tableRecordCount, waitForRecords } from '../support/table-watch.ts';
import { waitForConsumed } from '../support/worker-metrics.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BACKLOG = 25_000;
const LATER = 500;

describe.each(BROKERS)('commit.idleMs ($name)', (broker) => {
  const bootstrap = broker.bootstrap;
  it('the end of a backlog commits once read; what comes after waits for the interval', async () => {
    const topic = uniqueName('idle');
    const table = `${uniqueName('idle')}.t`;
    await createTopic(topic, 4, bootstrap);
    const ids = Array.from({ length: BACKLOG }, (_, i) => i);
    await produceNumbered(topic, 4, ids, (i) => json({ id: i }), { bootstrap });
    const setup = writeWorkerConfig({
      bootstrap,
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: {
        idle: {
          topics: [topic],
          value: { format: 'json' },
          table,
          commit: { intervalMs: 600_000, maxRecords: 10_000, idleMs: 1000 },
        },
      },
    });
    const worker = new WorkerProcess(setup);
    const catalog = await openCatalog('sql', setup);
    const snapshots = async () =>
      (await catalog.loadTable(parseTableIdentifier(table))).metadata.snapshots.length;
    const round = (n: number) => Array.from({ length: LATER }, (_, i) => BACKLOG + (n - 1) * LATER + i);
    const consumed = (atLeast: number) =>
      waitForConsumed(worker, { connector: 'idle', topic, atLeast, timeoutMs: 60_000 });
    /** The table's snapshot count once it stayed the same for `quietMs`, or once `landed()`. */
    const settledSnapshots = async (
      quietMs: number,
      landed: () => Promise<boolean>,
      timeoutMs = 60_000,
    ): Promise<number> => {
      const deadline = Date.now() + timeoutMs;
      let count = await snapshots();
      let since = Date.now();
      while (Date.now() - since < quietMs) {
        if (await landed()) return await snapshots();
        if (Date.now() > deadline) throw new Error(`the table's snapshots kept changing for ${timeoutMs} ms`);
        await sleep(250);
        const now = await snapshots();
        if (now !== count) [count, since] = [now, Date.now()];
      }
      return count;
    };
    try {
      // Full batches of 10,000 (a poll can overshoot by up to 4,999), then the rest,
      // which only the idle rule commits before ten minutes.
      await waitForRecords(catalog, table, BACKLOG, { timeoutMs: 60_000 });
      expect(await tableRecordCount(catalog, table)).toBe(BACKLOG);
      expect(await snapshots()).toBeGreaterThanOrEqual(2);

      // The first later round may still get an idle commit (when the backlog's last
      // batch was full itself); after it, or after the backlog's idle commit, the
      // flag is down: the second round waits for the interval.
      // `before` once round 1 landed, or else once it was read (its idle period runs
      // from there) and the table stayed the same for 3 s (the idle period and a
      // commit): a 4 s sleep once took it ahead of round 1's idle commit on a loaded
      // machine, which then counted against round 2.
      await produceNumbered(topic, 4, round(1), (i) => json({ id: i }), { bootstrap });
      await consumed(BACKLOG + LATER);
      const before = await settledSnapshots(
        3_000,
        async () => (await tableRecordCount(catalog, table)) === BACKLOG + LATER,
      );
      await produceNumbered(topic, 4, round(2), (i) => json({ id: i }), { bootstrap });
      await consumed(BACKLOG + 2 * LATER); // read: it is in the open batch
      await sleep(5_000); // five idle periods
      expect(await snapshots()).toBe(before);

      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
      expect(await tableRecordCount(catalog, table)).toBe(BACKLOG + 2 * LATER);
      const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table });
      const got = read.rows.map((row) => Number(row.id)).sort((a, b) => a - b);
      expect(got).toEqual([...ids, ...round(1), ...round(2)]);
    } finally {
      if (worker.child.exitCode === null) await worker.kill9();
      await catalog.close();
    }
  });
});
