// Routed upsert on the real stack (docs/upsert.md, "The Kafka partition
// requirement"): one connector reads two keyed JSON topics whose keys overlap,
// routed by the value's `region` to two tables. A key of the first topic goes to
// one table and the same key of the second topic to the other, so each table
// holds each key from one partition. Tombstones have no region: each goes to both
// tables as a probe, which must delete its own topic's row and leave the other
// topic's row of the same key alone (before, it was a key-in-two-partitions
// record error, and under `errors.policy: skip` the tombstone was lost). The
// worker is killed -9 mid-stream and restarted (its key index parts rebuilt as
// partitions first write), and each table must equal the replay of the changes
// routed to it, as PyIceberg, Spark and DuckDB read it.
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import type { ProducerRecord } from '../../src/worker/kafka-types.ts';
import { Rng } from '../sim/rng.ts';
import { createTopic, TestProducer } from '../support/kafka-tools.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog } from '../support/table-watch.ts';
import { expectReadersAgree } from '../support/three-readers.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const CHANGES = 12_000;
const KEYS = 1_500;
const PARTITIONS = 3;
const WAVES = 4;
const REGIONS = ['eu', 'us'] as const;

interface Change {
  readonly id: number;
  /** null: a tombstone (no region to route by). */
  readonly value: { id: number; region: string; name: string } | null;
}

/** Topic `t` (0 or 1) routes key `id` to one region, the other topic to the other. */
const regionOf = (t: number, id: number) => REGIONS[(id + t) % 2]!;

function workload(t: number): Change[] {
  const rng = new Rng(100 + t);
  return Array.from({ length: CHANGES }, (_, i) => {
    const id = rng.int(KEYS);
    if (rng.chance(0.15)) return { id, value: null };
    return { id, value: { id, region: regionOf(t, id), name: `t${t}-n${i}` } };
  });
}

/** The last change per key: the table's rows from one topic. */
function replay(changes: readonly Change[]): Map<number, Record<string, unknown>> {
  const rows = new Map<number, Record<string, unknown>>();
  for (const { id, value } of changes) {
    if (value === null) rows.delete(id);
    else rows.set(id, value);
  }
  return rows;
}

async function produce(topic: string, changes: readonly Change[]): Promise<void> {
  const producer = await new TestProducer().connect();
  try {
    const records: ProducerRecord[] = changes.map(({ id, value }) => ({
      key: Buffer.from(String(id)),
      value: value === null ? null : Buffer.from(JSON.stringify(value)),
      partition: id % PARTITIONS,
    }));
    for (let i = 0; i < records.length; i += 5000) await producer.send(topic, records.slice(i, i + 5000));
  } finally {
    await producer.disconnect();
  }
}

/** The fewest records any table records of any topic (both tables record both topics). */
async function committedLeast(catalog: Catalog, tables: string[], topics: string[]): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (const table of tables) {
    try {
      const { metadata } = await catalog.loadTable(parseTableIdentifier(table));
      const byTopic = committedOffsets(metadata, 'regions');
      for (const topic of topics) {
        const offsets = byTopic.get(topic) ?? new Map<number, bigint>();
        least = Math.min(
          least,
          [...offsets.values()].reduce((n, o) => n + Number(o), 0),
        );
      }
    } catch {
      return 0;
    }
  }
  return least;
}

async function waitCommitted(
  catalog: Catalog,
  tables: string[],
  topics: string[],
  atLeast: number,
  worker: WorkerProcess,
): Promise<void> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const least = await committedLeast(catalog, tables, topics);
    if (least >= atLeast) return;
    if (worker.child.exitCode !== null)
      throw new Error(`worker exited:\n${worker.lines.slice(-20).join('\n')}`);
    if (Date.now() > deadline) throw new Error(`committed ${least} of ${atLeast} after waiting`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('floe run: upsert routed by a field, two topics with overlapping keys (rest catalog)', () => {
  let catalog: Catalog | undefined;
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const worker of workers) await worker.kill9();
    await catalog?.close();
  });

  it("tombstones delete their own topic's row in every table, through a kill -9", async () => {
    const topics = [uniqueName('shop1'), uniqueName('shop2')];
    const namespace = 'it_upsert';
    const suffix = uniqueName('regions').replaceAll('-', '_');
    const tables = REGIONS.map((region) => `${namespace}.${region}_${suffix}`);
    for (const topic of topics) await createTopic(topic, PARTITIONS);
    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'rest',
      connectors: {
        regions: {
          topics,
          mode: 'upsert',
          key: { format: 'string', fields: ['id'] },
          value: { format: 'json' },
          route: { field: 'region', tables: Object.fromEntries(REGIONS.map((r, i) => [r, tables[i]!])) },
          commit: { intervalMs: 1000, maxRecords: 4_000 },
          // A wrongly refused record would be lost, not stop the worker: the replay catches it.
          errors: { policy: 'skip' },
        },
      },
    });
    const changes = [workload(0), workload(1)];
    const wave = CHANGES / WAVES;
    const produceWave = (w: number) =>
      Promise.all(topics.map((topic, t) => produce(topic, changes[t]!.slice(w * wave, (w + 1) * wave))));

    await produceWave(0);
    let worker = new WorkerProcess(setup);
    workers.push(worker);
    catalog = await openCatalog('rest', setup);
    await produceWave(1);
    await waitCommitted(catalog, tables, topics, wave / 2, worker);
    await worker.kill9();
    await produceWave(2);
    worker = new WorkerProcess(setup);
    workers.push(worker);
    await produceWave(3);
    await waitCommitted(catalog, tables, topics, CHANGES, worker);
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    expect(worker.lines.filter((line) => line.includes('key-in-two-partitions'))).toEqual([]);

    const read = await expectReadersAgree(readerCatalog('rest', setup), tables);
    for (const [r, region] of REGIONS.entries()) {
      const expected: Array<Record<string, unknown>> = [];
      for (const t of [0, 1])
        for (const row of replay(changes[t]!).values()) if (row.region === region) expected.push(row);
      const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.id) - Number(b.id);
      const rows = read.get(tables[r]!)!.sort(byId);
      expect(rows.length, tables[r]).toBe(expected.length);
      expect(rows, tables[r]).toEqual(expected.sort(byId));
    }
    console.log(
      `[upsert routed] ${CHANGES} changes x 2 topics over ${KEYS} overlapping keys: rows ${tables.map((t) => read.get(t)!.length).join(' / ')}`,
    );
  }, 600_000);
});
