// Issue 13: exactly once while the worker maintains its table. `floe run` with
// snapshot expiry every second (history.expire.max-snapshot-age-ms 0: each run
// removes all but main's current snapshot) and manifests merged every 4
// commits is killed -9 in the middle of an expiry's deletes and right after an
// expiry's catalog commit (FLOE_CRASH_POINT), restarted each time while records
// keep arriving. PyIceberg must then read every record exactly once, and every
// file the table's metadata reaches (manifest lists, manifests, data files, on
// local disk or S3) must exist.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { testFileIO } from '../support/io.ts';
import { registry } from '../support/kafka-tools.ts';
import { type OrderScenario, orderScenario, SCENARIO_PARTITIONS } from '../support/order-scenario.ts';
import { orderPayload } from '../support/orders.ts';
import { produceNumbered } from '../support/produce.ts';
import { missingFiles, reachableFiles } from '../support/reachable-files.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { openCatalog, readerCatalog, tableRecordCount, waitForRecords } from '../support/table-watch.ts';
import { type CatalogChoice, WorkerProcess } from '../support/worker-process.ts';

const started: WorkerProcess[] = [];
afterEach(async () => {
  for (const worker of started.splice(0)) await worker.kill9();
});

const MAINTAINED = {
  maintenance: { intervalMs: 1_000 },
  autoCreate: {
    partitionBy: ['bucket(4, id)'],
    properties: {
      'history.expire.max-snapshot-age-ms': '0',
      'commit.manifest.min-count-to-merge': '4',
    },
  },
};

function produce(s: OrderScenario, from: number, to: number): Promise<void> {
  const ids = Array.from({ length: to - from }, (_, i) => from + i);
  return produceNumbered(
    s.topic,
    SCENARIO_PARTITIONS,
    ids,
    (i) => registry.encode(s.schemaId, orderPayload(i)),
    {
      batchSize: 500,
      bootstrap: s.broker.bootstrap,
    },
  );
}

// Expiry only deletes once a run has committed more than one snapshot; a worker
// that takes a whole run's records in one commit would never reach the crash
// point (seen in CI on an idle machine). So records come in waves, the next one
// after the last is committed, until the crash point ends the worker.
async function produceInWaves(
  s: OrderScenario,
  catalog: Catalog,
  worker: WorkerProcess,
  from: number,
): Promise<number> {
  let exited = false;
  void worker.exited.then(() => {
    exited = true;
  });
  let produced = from;
  for (let wave = 0; wave < 12 && !exited; wave++) {
    await produce(s, produced, produced + 1_000);
    produced += 1_000;
    await waitForRecords(catalog, s.table, produced, {
      timeoutMs: 60_000,
      failFast: () => (exited ? 'worker exited' : undefined),
    }).catch((error: unknown) => {
      if (!exited) throw error;
    });
  }
  return produced;
}

describe.each<CatalogChoice>(['sql', 'rest'])(
  'floe run killed -9 during snapshot expiry (%s catalog)',
  (choice) => {
    const catalogs: Catalog[] = [];
    afterAll(async () => {
      for (const catalog of catalogs) await catalog.close();
    });

    it('lands every record once and leaves no reachable file missing', async () => {
      const s = await orderScenario(choice, 'expiry', undefined, MAINTAINED);
      const catalog = await openCatalog(choice, s.setup);
      catalogs.push(catalog);
      const id = parseTableIdentifier(s.table);
      const io = testFileIO();
      const perRun = 6_000;
      let produced = 0;
      for (const point of ['during-expiry-delete:1', 'after-expiry-commit:1']) {
        const worker = new WorkerProcess(s.setup, { FLOE_CRASH_POINT: point });
        started.push(worker);
        produced = await produceInWaves(s, catalog, worker, produced);
        const exit = await Promise.race([
          worker.exited,
          new Promise((resolve) => setTimeout(() => resolve('still running'), 90_000)),
        ]);
        expect(exit, worker.lines.slice(-20).join('\n')).toEqual({ code: null, signal: 'SIGKILL' });
        expect(worker.lines.some((l) => l.includes(`crash point ${point.split(':')[0]} reached`))).toBe(true);
        const { metadata } = await catalog.loadTable(id);
        const missing = await missingFiles(io, metadata);
        console.log(
          `[expiry ${choice}] ${point}: ${await tableRecordCount(catalog, s.table)} of ${produced} records, ` +
            `${metadata.snapshots.length} snapshots kept, ${missing.length} reachable files missing`,
        );
        expect(missing).toEqual([]);
      }
      // The last run: no crash point, records arrive while it catches up and maintains.
      const worker = new WorkerProcess(s.setup);
      started.push(worker);
      await produce(s, produced, produced + perRun);
      produced += perRun;
      await waitForRecords(catalog, s.table, produced, { timeoutMs: 120_000 });
      // Expiry runs after the last commit: two runs logged from here on (an earlier
      // line, or the first from here, may be of a run that began before that commit).
      const from = worker.lines.length;
      await worker.waitForLines(/maintenance: expire-snapshots done/, 2, from, 60_000);
      const expired = worker.lines.filter((l) => l.includes('maintenance: expire-snapshots done')).length;
      expect(await worker.stop()).toEqual({ code: 0, signal: null });

      const { metadata } = await catalog.loadTable(id);
      expect(await missingFiles(io, metadata)).toEqual([]);
      const head = branchHead(metadata, 'main')!;
      const manifests = decodeManifestList(await io.read(head.manifestList)).length;
      const read = await readWithPyIceberg(readerCatalog(choice, s.setup), 'table', { table: s.table });
      const seen = new Map<number, number>();
      for (const row of read.rows) seen.set(row.id as number, (seen.get(row.id as number) ?? 0) + 1);
      const duplicates = [...seen].filter(([, n]) => n > 1).map(([rowId]) => rowId);
      const missing = Array.from({ length: produced }, (_, i) => i).filter((i) => !seen.has(i));
      expect({
        rows: read.rows.length,
        duplicates: duplicates.slice(0, 20),
        missing: missing.slice(0, 20),
      }).toEqual({ rows: produced, duplicates: [], missing: [] });
      const reached = await reachableFiles(io, metadata);
      console.log(
        `[expiry ${choice}] ${produced} records exactly once (PyIceberg); ${metadata.snapshots.length} snapshots kept, ` +
          `${manifests} manifests in the current list, ${reached.size} reachable files all present; ` +
          `${expired} expiry runs in the last worker`,
      );
      // Expiry kept the history short and merging the manifest list (every 4 commits).
      expect(metadata.snapshots.length).toBeLessThan(5);
      expect(manifests).toBeLessThan(4 + 1);
    }, 360_000);
  },
);
