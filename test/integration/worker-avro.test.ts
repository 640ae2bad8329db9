// Issue 4's main scenario, on REST + S3 and on SQLite + local disk: an Avro topic
// with 6 partitions and 200,000 records lands in a partitioned table through
// `floe run`; PyIceberg reads every record exactly once with every value equal.
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { createTopic, registerAvro, registry } from '../support/kafka-tools.ts';
import { ORDER_SCHEMA_V1, orderPayload, orderRow } from '../support/orders.ts';
import { produceNumbered } from '../support/produce.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, waitForRecords } from '../support/table-watch.ts';
import { type CatalogChoice, WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const RECORDS = 200_000;
const PARTITIONS = 6;

describe.each<CatalogChoice>(['sql', 'rest'])(
  'floe run: Avro topic to a partitioned table (%s catalog)',
  (choice) => {
    let catalog: Catalog | undefined;
    afterAll(async () => {
      await catalog?.close();
    });

    it(`lands ${RECORDS} records exactly once with equal values`, async () => {
      const topic = uniqueName('orders');
      const table = `it_${choice}.${topic}`;
      await createTopic(topic, PARTITIONS);
      const schemaId = await registerAvro(`${topic}-value`, ORDER_SCHEMA_V1);
      const setup = writeWorkerConfig({
        groupId: uniqueName('group'),
        catalog: choice,
        connectors: {
          orders: {
            topics: [topic],
            value: { format: 'avro' },
            table,
            autoCreate: { partitionBy: ['day(ts)', 'bucket(8, id)'] },
            commit: { intervalMs: 3000, maxRecords: 80_000 },
          },
        },
      });
      const ids = Array.from({ length: RECORDS }, (_, i) => i);
      await produceNumbered(topic, PARTITIONS, ids, (i) => registry.encode(schemaId, orderPayload(i)));

      const worker = new WorkerProcess(setup);
      try {
        catalog = await openCatalog(choice, setup);
        await waitForRecords(catalog, table, RECORDS, {
          timeoutMs: 240_000,
          failFast: () =>
            worker.child.exitCode !== null
              ? `worker exited:\n${worker.lines.slice(-20).join('\n')}`
              : undefined,
        });
        expect(await worker.stop()).toEqual({ code: 0, signal: null });
      } finally {
        await worker.kill9(); // a worker left running after a failure (a no-op once it exited)
      }

      const read = await readWithPyIceberg(readerCatalog(choice, setup), 'table', { table });
      const rows = read.rows.sort((a, b) => (a.id as number) - (b.id as number));
      expect(rows.length).toBe(RECORDS);
      expect(new Set(rows.map((r) => r.id)).size).toBe(RECORDS);
      for (let i = 0; i < RECORDS; i++) {
        if (JSON.stringify(rows[i]) !== JSON.stringify(orderRow(i))) expect(rows[i]).toEqual(orderRow(i));
      }
      expect(read.schema?.partition_spec).toMatch(/day/);
      expect(read.schema?.partition_spec).toMatch(/bucket\[8\]/);
      const offsets = JSON.parse(read.snapshots.at(-1)!.summary['floe.offsets.orders']!);
      expect(Object.values(offsets[topic] as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
        RECORDS,
      );
      console.log(
        `[worker ${choice}] ${RECORDS} records in ${read.snapshots.length} snapshots, ` +
          `${read.snapshots.at(-1)!.summary['total-data-files']} data files`,
      );
    }, 420_000); // 200,000 records produced, a 240 s wait for the table, a PyIceberg read of them all
  },
);
