// Issue 10's acceptance on the real stack (Kafka, SQLite catalog, local files),
// read back with PyIceberg: a routed connector restarted with a rare route; a
// backfill of a routed connector with one route table absent, then `floe run`
// with a live producer; two workers of one schemaless connector adding
// different fields at the same time. On each broker of the stack
// (test/support/brokers.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { indexFieldsById } from '../../src/iceberg/types.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import { BackfillProcess } from '../support/backfill-process.ts';
import { BROKERS } from '../support/brokers.ts';
import { createTopic } from '../support/kafka-tools.ts';
import { produceNumbered } from '../support/produce.ts';
import { appendAndExpireWithPyIceberg, readWithPyIceberg } from '../support/reader.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, tableRecordCount, waitForRecords } from '../support/table-watch.ts';
import { expectReadersAgree } from '../support/three-readers.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function routedConnector(topic: string, ns: string, commit: Record<string, number>) {
  return {
    topics: [topic],
    value: { format: 'json' },
    route: { field: 'kind', tables: { a: `${ns}.a`, b: `${ns}.b` } },
    commit,
  };
}

async function ids(setup: Parameters<typeof readerCatalog>[1], table: string): Promise<number[]> {
  const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table });
  return read.rows.map((row) => row.id as number).sort((x, y) => x - y);
}

describe.each(BROKERS)('exactly once with routing and concurrent schema changes ($name)', (broker) => {
  const bootstrap = broker.bootstrap;
  const produce = (topic: string, partitions: number, ids: number[], encode: (i: number) => Buffer) =>
    produceNumbered(topic, partitions, ids, encode, { bootstrap });
  it('a routed connector with a rare route restarts without duplicates', async () => {
    const topic = uniqueName('routed');
    const ns = uniqueName('r');
    await createTopic(topic, 1, bootstrap);
    const setup = writeWorkerConfig({
      bootstrap,
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: { routed: routedConnector(topic, ns, { maxRecords: 5000, intervalMs: 1000 }) },
    });
    const all = Array.from({ length: 50_010 }, (_, i) => i);
    await produce(topic, 1, all, (i) => json({ id: i, kind: i < 10 ? 'b' : 'a' }));
    const catalog = await openCatalog('sql', setup);
    try {
      const first = new WorkerProcess(setup);
      await waitForRecords(catalog, `${ns}.a`, 50_000);
      await waitForRecords(catalog, `${ns}.b`, 10);
      expect(await first.stop()).toEqual({ code: 0, signal: null });

      const second = new WorkerProcess(setup);
      await second.waitForLine(/partitions assigned/);
      await new Promise((resolve) => setTimeout(resolve, 6000));
      expect(await second.stop()).toEqual({ code: 0, signal: null });
      for (const name of ['a', 'b']) {
        const { metadata } = await catalog.loadTable(parseTableIdentifier(`${ns}.${name}`));
        expect(committedOffsets(metadata, 'routed').get(topic)?.get(0)).toBe(50_010n);
      }
    } finally {
      await catalog.close();
    }
    expect(await ids(setup, `${ns}.a`)).toEqual(all.slice(10));
    expect(await ids(setup, `${ns}.b`)).toEqual(all.slice(0, 10));
  });

  it('floe backfill with one route table absent, then floe run with a live producer: exactly once', async () => {
    const topic = uniqueName('routedfill');
    const ns = uniqueName('r');
    await createTopic(topic, 3, bootstrap);
    const groupId = uniqueName('group');
    const setup = writeWorkerConfig({
      bootstrap,
      groupId,
      catalog: 'sql',
      connectors: { routed: routedConnector(topic, ns, { intervalMs: 1000, maxRecords: 2000 }) },
      // A group that never committed starts at the log start: the worst case for re-reading.
      extra: {
        kafka: {
          bootstrapServers: bootstrap,
          groupId,
          properties: { 'auto.offset.reset': 'earliest' },
        },
      },
    });
    // History has only kind a: the backfill never creates table b.
    await produce(topic, 3, range(0, 20_000), (i) => json({ id: i, kind: 'a' }));
    const backfill = new BackfillProcess(setup, ['routed', '--from', 'earliest', '--progress', 'none']);
    expect((await backfill.exited).code).toBe(0);
    const catalog = await openCatalog('sql', setup);
    try {
      expect(await tableRecordCount(catalog, `${ns}.a`)).toBe(20_000);
      expect(await catalog.tableExists(parseTableIdentifier(`${ns}.b`))).toBe(false);
      const worker = new WorkerProcess(setup);
      // Live: kind b appears now, while the worker runs.
      for (let from = 20_000; from < 30_000; from += 1000) {
        await produce(topic, 3, range(from, from + 1000), (i) => json({ id: i, kind: i % 4 ? 'a' : 'b' }));
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      await waitForRecords(catalog, `${ns}.b`, 2500);
      await waitForRecords(catalog, `${ns}.a`, 27_500);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await catalog.close();
    }
    const a = await ids(setup, `${ns}.a`);
    const b = await ids(setup, `${ns}.b`);
    expect(a).toEqual(range(0, 30_000).filter((i) => i < 20_000 || i % 4 !== 0));
    expect(b).toEqual(range(20_000, 30_000).filter((i) => i % 4 === 0));
  });

  it('floe backfill --from above what a route table records resumes at the table, never past a gap', async () => {
    const topic = uniqueName('routedgap');
    const ns = uniqueName('r');
    await createTopic(topic, 1, bootstrap);
    const setup = writeWorkerConfig({
      bootstrap,
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: { routed: routedConnector(topic, ns, { intervalMs: 1000 }) },
    });
    await produce(topic, 1, range(0, 100), (i) => json({ id: i, kind: 'a' }));
    const first = new BackfillProcess(setup, ['routed', '--from', 'earliest', '--progress', 'none']);
    expect((await first.exited).code).toBe(0);
    await produce(topic, 1, range(100, 1000), (i) => json({ id: i, kind: 'a' }));
    // Table b never saw the partition; table a records 100. --from 400 must not skip 100..399 for a.
    const second = new BackfillProcess(setup, ['routed', '--from', '0=400', '--progress', 'none']);
    expect((await second.exited).code).toBe(0);
    expect(await ids(setup, `${ns}.a`)).toEqual(range(0, 1000));
  });

  it('keeps its offsets through another engine’s append and snapshot expiry, with no group offset to fall back on', async () => {
    const topic = uniqueName('expiry');
    const table = `${uniqueName('r')}.events`;
    await createTopic(topic, 2, bootstrap);
    const connectors = {
      events: { topics: [topic], value: { format: 'json' }, table, commit: { intervalMs: 500 } },
    };
    const first = writeWorkerConfig({ bootstrap, groupId: uniqueName('group'), catalog: 'sql', connectors });
    await produce(topic, 2, range(0, 1000), (i) => json({ id: i, kind: 'floe' }));
    const catalog = await openCatalog('sql', first);
    try {
      const worker = new WorkerProcess(first);
      await waitForRecords(catalog, table, 1000);
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
      // Maintenance by another engine: its own snapshot, then every older one expired.
      await appendAndExpireWithPyIceberg(readerCatalog('sql', first), table, 1, -1);
      // The same tables under a new group (no group offset): only the table can say where to resume.
      const groupId = uniqueName('group');
      const again = { ...first, configFile: rewriteGroup(first.configFile, groupId) };
      await produce(topic, 2, range(1000, 1500), (i) => json({ id: i, kind: 'floe' }));
      const restarted = new WorkerProcess(again);
      await waitForRecords(catalog, table, 1501);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await restarted.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await catalog.close();
    }
    expect(await ids(first, table)).toEqual([-1, ...range(0, 1500)]);
  });

  it('two workers of one schemaless connector adding different fields at once get distinct field ids', async () => {
    const topic = uniqueName('fields');
    const table = `${uniqueName('r')}.events`;
    await createTopic(topic, 2, bootstrap);
    const setup = writeWorkerConfig({
      bootstrap,
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: {
        events: { topics: [topic], value: { format: 'json' }, table, commit: { intervalMs: 500 } },
      },
    });
    await produce(topic, 2, range(0, 100), (i) => json({ id: i, kind: 'base' }));
    const one = new WorkerProcess(setup);
    const two = new WorkerProcess(setup);
    const catalog = await openCatalog('sql', setup);
    try {
      await waitForRecords(catalog, table, 100);
      // Partition = id % 2: even ids carry x, odd ids carry y, produced together, several rounds.
      for (let round = 0; round < 5; round++) {
        const from = 100 + round * 200;
        await produce(topic, 2, range(from, from + 200), (i) =>
          json(
            i % 2
              ? { id: i, kind: 'y', [`y${round}`]: `y${i}` }
              : { id: i, kind: 'x', [`x${round}`]: `x${i}` },
          ),
        );
        await waitForRecords(catalog, table, from + 200);
      }
      await one.stop();
      await two.stop();
      const { metadata } = await catalog.loadTable(parseTableIdentifier(table));
      const names = new Map<number, string>();
      for (const schema of metadata.schemas) {
        for (const [id, field] of indexFieldsById(schema.fields)) {
          expect(names.get(id) ?? field.name, `field id ${id}`).toBe(field.name);
          names.set(id, field.name);
        }
      }
    } finally {
      await one.stop();
      await two.stop();
      await catalog.close();
    }
    const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table });
    const fieldIds = (read.schema?.all_fields ?? []).map(([id]) => id);
    expect(new Set(fieldIds).size).toBe(fieldIds.length);
    const rows = read.rows.sort((p, q) => (p.id as number) - (q.id as number));
    expect(rows.map((r) => r.id)).toEqual(range(0, 1100));
    for (const row of rows.slice(100)) {
      const id = row.id as number;
      const round = Math.floor((id - 100) / 200);
      const set = Object.entries(row).filter(([name, value]) => /^[xy]\d$/.test(name) && value !== null);
      expect(set).toEqual([[id % 2 ? `y${round}` : `x${round}`, id % 2 ? `y${id}` : `x${id}`]]);
    }
    // Spark and DuckDB read the table the two workers evolved as PyIceberg does.
    const agreed = await expectReadersAgree(readerCatalog('sql', setup), [table]);
    expect(agreed.get(table)).toHaveLength(1100);
  }, 600_000); // Spark starts a JVM: ~30 s on a quiet machine, minutes on a loaded one
});

/** The same worker file with another consumer group (and the earliest reset). */
function rewriteGroup(configFile: string, groupId: string): string {
  const worker = parse(readFileSync(configFile, 'utf8')) as { kafka: Record<string, unknown> };
  worker.kafka = { ...worker.kafka, groupId, properties: { 'auto.offset.reset': 'earliest' } };
  writeFileSync(configFile, stringify(worker));
  return configFile;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
