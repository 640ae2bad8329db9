// Issue 11 (upsert) through `floe run` on the real stack: keyed Avro topics
// through the schema registry (Kafka key = the id as text, key.fields [id]),
// changes over a fixed key space with 10% tombstones (so keys are deleted and
// inserted again), produced in waves while the worker runs, the worker killed
// -9 after the first commits and restarted (its key index rebuilt from the
// table), then a second worker joins the group (a rebalance: partitions move,
// their index parts are dropped and rebuilt by the new owner). Two connectors in the one worker: offset order, and `order.by:
// version` with versions jittered so that older versions often arrive later
// (they must not overwrite); the first table is v3 (deletion vectors), the
// second v2 (position-delete files). After the streams drain, each table equals a
// replay of its changes in a dictionary, read by PyIceberg, Spark and DuckDB
// (which must agree); no snapshot adds equality deletes; every live data file
// is attributed to its Kafka partition. `npm run bench:upsert` runs it with
// 1,000,000 changes over 100,000 keys per topic (FLOE_UPSERT_CHANGES, _KEYS).
import { loadavg } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import type { ProducerRecord } from '../../src/worker/kafka-types.ts';
import { supersedes } from '../../src/worker/upsert/change.ts';
import { fileAttribution } from '../../src/worker/upsert/file-attribution.ts';
import { tableLiveFiles } from '../../src/worker/upsert/table-live-files.ts';
import { Rng } from '../sim/rng.ts';
import { testFileIO } from '../support/io.ts';
import { createTopic, registerAvro, registry, TestProducer } from '../support/kafka-tools.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog } from '../support/table-watch.ts';
import { expectReadersAgree } from '../support/three-readers.ts';
import { WorkerProcess, type WorkerSetup, writeWorkerConfig } from '../support/worker-process.ts';

const CHANGES = Number(process.env.FLOE_UPSERT_CHANGES ?? 100_000);
const KEYS = Number(process.env.FLOE_UPSERT_KEYS ?? 10_000);
const PARTITIONS = 4;
const WAVES = 4;

const VALUE_SCHEMA = {
  type: 'record',
  name: 'Account',
  namespace: 'floe.it',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'version', type: 'long' },
  ],
};

interface Change {
  readonly id: number;
  /** null: a tombstone. */
  readonly value: { id: number; name: string; version: number } | null;
}

/** The workload of one topic: `jitter` > 0 makes versions arrive out of order. */
function workload(seed: number, jitter: number): Change[] {
  const rng = new Rng(seed);
  return Array.from({ length: CHANGES }, (_, i) => {
    const id = rng.int(KEYS);
    if (rng.chance(0.1)) return { id, value: null };
    const version = i + (jitter > 0 ? rng.int(2 * jitter) - jitter : 0);
    return { id, value: { id, name: `n${i}`, version } };
  });
}

/** The dictionary replay: the last change per key by offset, or by version (an older one is dropped). */
function replay(changes: readonly Change[], ordered: boolean): Map<number, Record<string, unknown>> {
  const rows = new Map<number, Record<string, unknown>>();
  const orderOf = new Map<number, number | undefined>();
  for (const { id, value } of changes) {
    const order = ordered && value !== null ? value.version : undefined;
    if (orderOf.has(id) && !supersedes({ order }, { order: orderOf.get(id) })) continue;
    orderOf.set(id, order);
    if (value === null) rows.delete(id);
    else rows.set(id, { ...value });
  }
  return rows;
}

async function produceWave(topic: string, schemaId: number, changes: readonly Change[]): Promise<void> {
  const producer = await new TestProducer().connect();
  try {
    for (let i = 0; i < changes.length; i += 5000) {
      const slice: ProducerRecord[] = [];
      for (const { id, value } of changes.slice(i, i + 5000)) {
        const bytes = value === null ? null : await registry.encode(schemaId, value);
        slice.push({ key: Buffer.from(String(id)), value: bytes, partition: id % PARTITIONS });
      }
      await producer.send(topic, slice);
    }
  } finally {
    await producer.disconnect();
  }
}

/** The records a table's offsets account for, summed over the topic's partitions. */
async function committed(catalog: Catalog, table: string, connector: string, topic: string): Promise<number> {
  try {
    const { metadata } = await catalog.loadTable(parseTableIdentifier(table));
    const offsets = committedOffsets(metadata, connector).get(topic) ?? new Map();
    return [...offsets.values()].reduce((n, o) => n + Number(o), 0);
  } catch {
    return 0;
  }
}

async function waitCommitted(
  catalog: Catalog,
  targets: ReadonlyArray<{ table: string; connector: string; topic: string }>,
  atLeast: number,
  worker: WorkerProcess,
  timeoutMs = 300_000 + CHANGES * 3,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(targets.map((t) => committed(catalog, t.table, t.connector, t.topic)));
    if (counts.every((n) => n >= atLeast)) return;
    if (worker.child.exitCode !== null)
      throw new Error(`worker exited:\n${worker.lines.slice(-20).join('\n')}`);
    if (Date.now() > deadline) throw new Error(`committed ${counts.join(', ')} of ${atLeast} after waiting`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('floe run: upsert on keyed Avro topics (rest catalog)', () => {
  let catalog: Catalog | undefined;
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const worker of workers) await worker.kill9();
    await catalog?.close();
  });

  it(
    `${CHANGES} changes over ${KEYS} keys per topic, killed -9 mid-stream: each table equals the replay`,
    async () => {
      const started = Date.now();
      const topics = { latest: uniqueName('acct-latest'), ordered: uniqueName('acct-ordered') };
      const targets = [
        {
          connector: 'latest',
          topic: topics.latest,
          table: `it_upsert.${topics.latest.replaceAll('-', '_')}`,
        },
        {
          connector: 'ordered',
          topic: topics.ordered,
          table: `it_upsert.${topics.ordered.replaceAll('-', '_')}`,
        },
      ];
      const schemaIds: number[] = [];
      for (const { topic } of targets) {
        await createTopic(topic, PARTITIONS);
        schemaIds.push(await registerAvro(`${topic}-value`, VALUE_SCHEMA));
      }
      // The offset-order table is v3 (deletion vectors), the order.by one v2 (position-delete files).
      const connector = (topic: string, table: string, ordered: boolean) => ({
        topics: [topic],
        mode: 'upsert',
        key: { format: 'string', fields: ['id'] },
        value: { format: 'avro' },
        table,
        ...(ordered
          ? { order: { by: 'version' } }
          : { autoCreate: { properties: { 'format-version': '3' } } }),
        commit: { intervalMs: 1500, maxRecords: 20_000 },
      });
      const groupId = uniqueName('group');
      // Each worker its own folder (its key index store under dataDir), both in one group.
      const config = (): WorkerSetup =>
        writeWorkerConfig({
          groupId,
          catalog: 'rest',
          connectors: {
            latest: connector(targets[0]!.topic, targets[0]!.table, false),
            ordered: connector(targets[1]!.topic, targets[1]!.table, true),
          },
        });
      const setup = config();
      const changes = [workload(11, 0), workload(12, 1000)];
      // The versions do arrive out of order: by offset, the ordered topic would end differently.
      expect(replay(changes[1]!, false)).not.toEqual(replay(changes[1]!, true));
      const wave = CHANGES / WAVES;
      const produce = (w: number) =>
        Promise.all(
          targets.map((t, i) =>
            produceWave(t.topic, schemaIds[i]!, changes[i]!.slice(w * wave, (w + 1) * wave)),
          ),
        );

      await produce(0);
      let worker = new WorkerProcess(setup);
      workers.push(worker);
      catalog = await openCatalog('rest', setup);
      await produce(1);
      // Killed once both tables committed some of the stream, while the rest of it is still being read.
      await waitCommitted(catalog, targets, wave / 2, worker);
      await worker.kill9();
      await produce(2);
      worker = new WorkerProcess(setup);
      workers.push(worker);
      await waitCommitted(catalog, targets, wave * 2, worker);
      const second = new WorkerProcess(config());
      workers.push(second);
      // Wave 3 goes out once the rebalance gave the second worker its partitions.
      await second.waitForLine(/"msg":"partitions assigned"/, 120_000);
      await produce(3);
      await waitCommitted(catalog, targets, CHANGES, worker);
      expect(await second.stop()).toEqual({ code: 0, signal: null });
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
      // The restarted worker rebuilt its index from the table; the second one took partitions over.
      expect(worker.lines.some((line) => line.includes('key index rebuilt'))).toBe(true);
      expect(second.lines.some((line) => line.includes('key index rebuilt'))).toBe(true);
      const streamed = Date.now();

      const read = await expectReadersAgree(
        readerCatalog('rest', setup),
        targets.map((t) => t.table),
      );
      for (const [i, target] of targets.entries()) {
        const expected = [...replay(changes[i]!, i === 1).values()].sort(
          (a, b) => Number(a.id) - Number(b.id),
        );
        const rows = read.get(target.table)!.sort((a, b) => Number(a.id) - Number(b.id));
        expect(rows.length, target.table).toBe(expected.length);
        expect(rows, target.table).toEqual(expected);

        const { metadata } = await catalog.loadTable(parseTableIdentifier(target.table));
        expect(
          metadata.snapshots.every((s) => (s.summary['added-equality-delete-files'] ?? '0') === '0'),
        ).toBe(true);
        expect(metadata.formatVersion).toBe(i === 0 ? 3 : 2);
        const deletes = i === 0 ? 'added-dvs' : 'added-position-delete-files';
        expect(metadata.snapshots.some((s) => Number(s.summary[deletes] ?? 0) > 0)).toBe(true);
        // Throws on equality deletes; every live data file names its partition.
        for (const file of await tableLiveFiles(testFileIO(), metadata, target.table))
          expect(fileAttribution(file.path)?.topic, file.path).toBe(target.topic);
      }
      console.log(
        `[upsert] ${CHANGES} changes x 2 topics over ${KEYS} keys: streamed and committed in ${((streamed - started) / 1000).toFixed(1)} s, ` +
          `read by three readers in ${((Date.now() - streamed) / 1000).toFixed(1)} s; rows ${read.get(targets[0]!.table)!.length} / ${read.get(targets[1]!.table)!.length}; ` +
          `load average ${loadavg()[0]!.toFixed(1)}`,
      );
    },
    900_000 + CHANGES * 10,
  );
});
