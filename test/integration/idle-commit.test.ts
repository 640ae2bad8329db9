// commit.idleMs on the real stack (each broker, SQLite catalog, local files),
// read back with PyIceberg: `floe run` reads a backlog larger than maxRecords
// with an interval of ten minutes; the full batches commit by size and the rest
// of the backlog as soon as the records stop, not ten minutes later. Records
// that come after that idle commit wait for the interval as usual (at most one
// idle commit per full batch); SIGTERM commits them, and every id is in the
// table once.
import { describe, expect, it } from 'vitest';
import { BROKERS } from '../support/brokers.ts';
import { createTopic } from '../support/kafka-tools.ts';
import { produceNumbered } from '../support/produce.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, tableRecordCount, waitForRecords } from '../support/table-watch.ts';
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
    try {
      // Two full batches of 10,000, then 5,000 that only the idle rule commits.
      await waitForRecords(catalog, table, BACKLOG, { timeoutMs: 60_000 });
      expect(await tableRecordCount(catalog, table)).toBe(BACKLOG);
      const commits = () => worker.lines.filter((l) => l.includes('"msg":"committed"')).length;
      const afterBacklog = commits();
      expect(afterBacklog).toBeGreaterThanOrEqual(3);

      const later = Array.from({ length: LATER }, (_, i) => BACKLOG + i);
      await produceNumbered(topic, 4, later, (i) => json({ id: i }), { bootstrap });
      await sleep(5_000); // five idle periods: the batch after an idle commit waits for its interval
      expect(commits()).toBe(afterBacklog);
      expect(await tableRecordCount(catalog, table)).toBe(BACKLOG);

      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
      expect(await tableRecordCount(catalog, table)).toBe(BACKLOG + LATER);
      const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table });
      const got = read.rows.map((row) => Number(row.id)).sort((a, b) => a - b);
      expect(got).toEqual([...ids, ...later]);
    } finally {
      if (worker.child.exitCode === null) await worker.kill9();
      await catalog.close();
    }
  });
});
