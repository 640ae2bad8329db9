// Issue 11, the real CDC chain: PostgreSQL -> Debezium 3.6.1 (Kafka Connect, the
// stack's `connect` service) -> Kafka -> floe `mode: cdc` -> Iceberg (REST catalog,
// S3). Two Postgres tables (test/support/cdc-tables.ts): customers (int key), whose
// changes Debezium writes as Avro through the registry, and orders (composite key,
// longs beyond 2^53), as JSON with Kafka Connect's schema envelope; each with its
// own Debezium connector, replication slot and publication (removed afterwards).
// 500 rows per table come through Debezium's snapshot (`r`), then the seeded
// workload (cdc-workload.ts) applies N changes in random transactions: inserts,
// reinserted keys, updates, deletes, primary-key changes, update + delete of a row
// in one transaction, one truncate of customers, while `floe run` consumes. The
// orders topic has 3 partitions (created before Debezium writes to it; its
// producer partitions by the key, so a key stays in one partition); customers
// keeps Debezium's one (its truncate orders only against its own partition). At
// 40% of the workload the worker is killed -9 and restarted armed with a crash
// point inside a row-delta commit (FLOE_CRASH_POINT=after-row-delta-write:2:
// its second keyed batch dies with its data and delete files written, nothing
// committed); at 60% it must have died there (SIGKILL and its stderr line), and
// a clean worker takes over (each restart rebuilds the key index from the
// table). Drained when each slot acknowledged the WAL position of the last
// transaction that changed its table, each topic holds exactly the records the workload predicts (r, c, u, d,
// tombstones, t), and each table's offsets reached the topic's end. Then each
// Iceberg table, read by PyIceberg, Spark and DuckDB (which must agree), equals
// `SELECT *` of its Postgres table row for row (canonical cells: cdc-canonical.ts),
// and no snapshot has equality-delete files. Debezium runs with its default
// time.precision.mode (adaptive): timestamptz, timestamp, date and uuid
// columns must land as Iceberg timestamptz, timestamp, date and uuid.
//
// N: FLOE_CDC_CHANGES (default 20,000 in `npm test`); the acceptance run of
// issue 11 is FLOE_CDC_CHANGES=100000 npx vitest run --project integration test/integration/cdc-debezium.test.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { currentSchema } from '../../src/iceberg/table-metadata.ts';
import { icebergLines, lineDifferences } from '../support/cdc-canonical.ts';
import { DebeziumCapture, waitForEndOffsets } from '../support/cdc-debezium.ts';
import { type CdcTarget, committedOffset, tableFiles, waitForCommitted } from '../support/cdc-iceberg.ts';
import { connectPostgres, readPostgresLines } from '../support/cdc-postgres-reader.ts';
import { type CdcTableModel, totalRecords } from '../support/cdc-table-model.ts';
import type { PgType } from '../support/cdc-tables.ts';
import { CdcWorkload, checkPostgresAgainstModel } from '../support/cdc-workload.ts';
import { testFileIO } from '../support/io.ts';
import { createTopic } from '../support/kafka-tools.ts';
import { services } from '../support/services.ts';
import { openCatalog, readerCatalog } from '../support/table-watch.ts';
import { readerDifferences, readWithThreeReaders } from '../support/three-readers.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const CHANGES = Number(process.env.FLOE_CDC_CHANGES ?? 20_000);
const SEED = Number(process.env.FLOE_CDC_SEED ?? 11);
const FIXTURES = join(services.root, 'test/fixtures/cdc-debezium');
const ORDERS_PARTITIONS = 3;
/** Armed in the worker started at 40%: its second keyed batch dies inside the row-delta commit. */
const CRASH_POINT = 'after-row-delta-write:2';

/** The Iceberg types Debezium's semantic types land as, by the Postgres column type. */
const ICEBERG_TYPES: Partial<Record<PgType, string>> = {
  timestamptz: 'timestamptz',
  timestamp: 'timestamp',
  date: 'date',
  uuid: 'uuid',
};

const seconds = (from: number) => ((performance.now() - from) / 1000).toFixed(1);

describe('CDC chain: PostgreSQL -> Debezium 3.6.1 -> Kafka -> floe mode cdc -> Iceberg', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e) => console.error('[cdc] cleanup:', e));
  });

  it(
    `${CHANGES} changes on two tables, floe killed -9 mid-stream: each Iceberg table equals SELECT * row for row`,
    async () => {
      const started = performance.now();
      const tag = `cdc${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const client: pg.Client = await connectPostgres();
      cleanups.push(() => client.end());
      const workload = new CdcWorkload(client, {
        changes: CHANGES,
        seed: SEED,
        names: { customers: `${tag}_customers`, orders: `${tag}_orders` },
      });
      cleanups.push(() => workload.dropTables());
      await workload.setUp();

      const customers = await DebeziumCapture.register(client, {
        tag: `${tag}_a`,
        tables: [workload.customers.name],
        encoding: 'avro',
      });
      cleanups.push(() => customers.remove());
      // Created before Debezium's first write (Connect would create it with one partition).
      const ordersTopic = `${tag}_j.public.${workload.orders.name}`;
      await createTopic(ordersTopic, ORDERS_PARTITIONS);
      const orders = await DebeziumCapture.register(client, {
        tag: `${tag}_j`,
        tables: [workload.orders.name],
        encoding: 'json-schemas',
      });
      cleanups.push(() => orders.remove());
      expect(orders.topic(workload.orders.name)).toBe(ordersTopic);
      const namespace = `it_cdc_${tag}`;
      const targets: Array<CdcTarget & { model: CdcTableModel; capture: DebeziumCapture }> = [
        { connector: 'customers', model: workload.customers, capture: customers },
        { connector: 'orders', model: workload.orders, capture: orders },
      ].map((t) => ({ ...t, topic: t.capture.topic(t.model.name), table: `${namespace}.${t.connector}` }));
      for (const { capture } of targets) await capture.waitStreaming();
      // Debezium's snapshot of the initial rows, before any change: the topics exist from here.
      await waitForEndOffsets(new Map(targets.map((t) => [t.topic, t.model.events.r])), 120_000);

      const groupId = `floe-${tag}`;
      const setup = writeWorkerConfig({
        groupId,
        catalog: 'rest',
        // After the kill -9 the group waits out the dead member's session before the restarted worker gets the partitions.
        extra: {
          kafka: {
            bootstrapServers: services.kafkaBrokers,
            groupId,
            properties: { 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '500' },
          },
        },
        connectors: Object.fromEntries(
          targets.map((t) => [
            t.connector,
            parse(readFileSync(join(FIXTURES, `${t.connector}.yaml`), 'utf8')),
          ]),
        ),
      });
      const env = {
        FLOE_CDC_NAMESPACE: namespace,
        FLOE_CDC_CUSTOMERS_TOPIC: targets[0]!.topic,
        FLOE_CDC_ORDERS_TOPIC: targets[1]!.topic,
      };
      let worker = new WorkerProcess(setup, env);
      cleanups.push(() => worker.kill9());
      const catalog: Catalog = await openCatalog('rest', setup);
      cleanups.push(() => catalog.close());
      const snapshotDone = new Map(targets.map((t) => [t as CdcTarget, t.model.events.r]));
      await waitForCommitted(catalog, snapshotDone, worker, 180_000);

      // The workload, while floe consumes: at each fifth of it the workload waits until floe has committed
      // more of both topics (so batches interleave with the changes). At the second (40%) floe is killed -9
      // and restarted armed with CRASH_POINT; at the third it must have died there (it consumed the changes
      // since), and a clean worker starts.
      const workloadStarted = performance.now();
      const checkpoints = [0.2, 0.4, 0.6, 0.8].map((f) => Math.floor(CHANGES * f));
      let killedAt: number | undefined;
      let crashedBy: number | undefined;
      const result = await workload.run(async (applied) => {
        if (checkpoints.length === 0 || applied < checkpoints[0]!) return;
        const step = 4 - checkpoints.length; // 0 at 20%, 1 at 40%, ...
        checkpoints.shift();
        if (step === 2) {
          const exit = await Promise.race([
            worker.exited,
            new Promise((resolve) => setTimeout(() => resolve('still running'), 180_000)),
          ]);
          expect(exit, worker.lines.slice(-20).join('\n')).toEqual({ code: null, signal: 'SIGKILL' });
          const name = CRASH_POINT.split(':')[0]!;
          expect(worker.lines.some((l) => l.includes(`crash point ${name} reached`))).toBe(true);
          crashedBy = applied;
          // The dead worker may have committed all of a topic Debezium had written: nothing more to await here.
          worker = new WorkerProcess(setup, env);
          return;
        }
        const committed = await Promise.all(targets.map((t) => committedOffset(catalog, t)));
        await waitForCommitted(
          catalog,
          new Map(targets.map((t, i) => [t, committed[i]! + 1])),
          worker,
          180_000,
        );
        if (step !== 1) return;
        killedAt = applied;
        await worker.kill9();
        worker = new WorkerProcess(setup, { ...env, FLOE_CRASH_POINT: CRASH_POINT });
      });
      const workloadSeconds = seconds(workloadStarted);

      const drainStarted = performance.now();
      // Each slot up to the last transaction that changed its table (on an idle database a slot
      // does not move past later transactions of other tables).
      for (const { capture, model } of targets)
        await capture.waitForFlush(result.lastLsnOf.get(model.name) ?? '0/0', 120_000 + CHANGES * 10);
      const debeziumSeconds = seconds(drainStarted);
      const expected = new Map(targets.map((t) => [t as CdcTarget, totalRecords(t.model.events)]));
      await waitForEndOffsets(new Map(targets.map((t) => [t.topic, totalRecords(t.model.events)])), 60_000);
      await waitForCommitted(catalog, expected, worker, 180_000 + CHANGES * 10);
      const floeSeconds = seconds(drainStarted);
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
      // The restarted worker rebuilt its key index from the tables.
      expect(worker.lines.some((line) => line.includes('key index rebuilt'))).toBe(true);

      const readStarted = performance.now();
      const reads = await readWithThreeReaders(readerCatalog('rest', setup), [
        targets[0]!.table,
        targets[1]!.table,
      ]);
      const readSeconds = seconds(readStarted);
      const disagreement = readerDifferences(reads);
      if (disagreement) throw new Error(`the readers disagree:\n${disagreement}`);

      const figures: string[] = [];
      for (const target of targets) {
        const { table, model } = target;
        const postgres = await readPostgresLines(client, model.table, model.name);
        expect(await checkPostgresAgainstModel(client, model)).toBe(postgres.length);
        const iceberg = icebergLines(model.table.columns, reads.get(table)!.pyiceberg);
        const differences = lineDifferences(`iceberg ${table}`, iceberg, `postgres ${model.name}`, postgres);
        if (differences) throw new Error(`the Iceberg table differs from Postgres:\n${differences}`);

        const { metadata } = await catalog.loadTable(parseTableIdentifier(table));
        const schema = currentSchema(metadata);
        const keyNames = schema.identifierFieldIds.map((id) => schema.fields.find((f) => f.id === id)?.name);
        expect(keyNames, `${table} identifier fields`).toEqual(
          model.table.columns.filter((c) => c.key).map((c) => c.name),
        );
        for (const column of model.table.columns) {
          const want = ICEBERG_TYPES[column.type];
          if (want !== undefined)
            expect(
              schema.fields.find((f) => f.name === column.name)?.type,
              `${table}.${column.name}`,
            ).toEqual({
              kind: want,
            });
        }
        const files = await tableFiles(testFileIO(), metadata);
        expect(files.equalityDeleteFiles, table).toBe(0);
        expect(files.snapshotsAddingEqualityDeletes, table).toBe(0);
        // Updates and deletes became position deletes (the current snapshot may hold none: compaction rewrites them away).
        expect(files.snapshotsAddingPositionDeletes, table).toBeGreaterThan(0);
        const e = model.events;
        figures.push(
          `${table}: ${totalRecords(e)} records (r ${e.r}, c ${e.c}, u ${e.u}, d ${e.d}, tombstones ${e.tombstone}, t ${e.t}) -> ` +
            `${postgres.length} rows; ${files.snapshots} snapshots (${files.snapshotsAddingPositionDeletes} adding position deletes, ${files.replaceSnapshots} compactions); ` +
            `now ${files.dataFiles} data files, ${files.positionDeleteFiles} position-delete files`,
        );
      }
      console.log(
        `[cdc] ${result.changes} changes in ${result.transactions} transactions (seed ${SEED}), worker killed -9 at ${killedAt}, ` +
          `then died at ${CRASH_POINT} (seen by ${crashedBy}); orders in ${ORDERS_PARTITIONS} partitions; ` +
          `workload ${workloadSeconds} s, then Debezium drained in ${debeziumSeconds} s, floe in ${floeSeconds} s; ` +
          `three readers ${readSeconds} s; total ${seconds(started)} s\n  ${figures.join('\n  ')}`,
      );
    },
    1_200_000 + CHANGES * 20,
  );
});
