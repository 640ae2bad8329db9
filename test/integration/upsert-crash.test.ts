// Issue 11 acceptance: `floe run` on keyed Avro topics (registry, Kafka) killed
// -9 inside a row-delta commit and inside a key index rebuild, and a rebalance
// between two workers: the table still equals the replay. Three tables, each
// its own topic (3 partitions, keyed by id), connector and consumer group, run
// side by side: v3 (deletion vectors) and v2 (position-delete files) on the
// REST catalog + S3, v3 on the SQL catalog (SQLite, local files). For each
// table a chain of runs of one static group member (kafka.groupInstanceId: a
// restart takes the partitions without waiting out the dead one's session),
// each armed with one crash point (FLOE_CRASH_POINT, src/crash-points.ts): keyed changes (upserts, updates, tombstones, keys
// deleted and inserted again) are produced in waves, the next once the last is
// committed, until the worker dies at the point (SIGKILL and its stderr line,
// not a timeout). After each death the table equals the replay of the changes
// its offsets account for (read in-process: no key lost, none live twice) and
// every file its metadata reaches exists. The index-rebuild crash comes last,
// after at least four landed commits (so some partition holds several data
// files; maintenance is off so that no compaction merges them), and the
// restarted worker's first batch rebuilds that part and dies inside. Then a
// run without a crash point (for the REST v3 table two workers, the second,
// dynamic, joining mid-stream: a rebalance) takes a last wave; each table
// equals the dictionary replay of everything produced, read by PyIceberg,
// Spark and DuckDB (which must agree); no equality deletes.
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { tableFiles } from '../support/cdc-iceberg.ts';
import {
  type CrashCase,
  committed,
  io,
  mostFilesOfAPartition,
  sorted,
  Target,
  tableRows,
  total,
} from '../support/keyed-crash-target.ts';
import { missingFiles } from '../support/reachable-files.ts';
import { openCatalog, readerCatalog } from '../support/table-watch.ts';
import { expectReadersAgree } from '../support/three-readers.ts';
import { WorkerProcess } from '../support/worker-process.ts';

const MAX_WAVES = 8;

const CASES: readonly CrashCase[] = [
  {
    label: 'rest-v3',
    catalog: 'rest',
    formatVersion: 3,
    points: ['after-row-delta-write:3', 'after-catalog-commit:2', 'during-key-index-rebuild:1'],
    rebalance: true,
  },
  {
    label: 'rest-v2',
    catalog: 'rest',
    formatVersion: 2,
    points: ['before-catalog-commit:3', 'after-row-delta-write:3', 'during-key-index-rebuild:1'],
    rebalance: false,
  },
  {
    label: 'sql-v3',
    catalog: 'sql',
    formatVersion: 3,
    points: ['after-catalog-commit:4', 'during-key-index-rebuild:1'],
    rebalance: false,
  },
];

/** Waits until the table's offsets account for every produced change, or the worker exited (returns false). */
async function caughtUp(
  catalog: Catalog,
  t: Target,
  worker: WorkerProcess,
  timeoutMs = 120_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (total(await committed(catalog, t)) >= t.produced.length) return true;
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return false;
    if (Date.now() > deadline)
      throw new Error(
        `${t.table}: not caught up after ${timeoutMs} ms:\n${worker.lines.slice(-15).join('\n')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe('floe run killed -9 inside row-delta commits and key index rebuilds (issue 11)', () => {
  const workers: WorkerProcess[] = [];
  const catalogs: Catalog[] = [];
  afterAll(async () => {
    for (const worker of workers) await worker.kill9();
    for (const catalog of catalogs) await catalog.close();
  });

  const start = (t: Target, env: Record<string, string> = {}, setup = t.setup) => {
    const worker = new WorkerProcess(setup, env);
    workers.push(worker);
    return worker;
  };

  /** One table's chain: a run per crash point, each dying there, then a clean run (with a rebalance). */
  async function chain(t: Target): Promise<string> {
    const catalog = await openCatalog(t.spec.catalog, t.setup);
    catalogs.push(catalog);
    const notes: string[] = [];
    const began = Date.now();
    // Progress as it happens: on a loaded machine a timeout then shows where the time went.
    const progress = (msg: string) =>
      console.log(`[upsert-crash ${t.spec.label}] +${((Date.now() - began) / 1000).toFixed(1)} s ${msg}`);
    for (const point of t.spec.points) {
      if (point.startsWith('during-key-index-rebuild'))
        expect(
          await mostFilesOfAPartition(catalog, t),
          `${t.spec.label}: files of a partition`,
        ).toBeGreaterThan(1);
      const worker = start(t, { FLOE_CRASH_POINT: point });
      let waves = 0;
      while (waves < MAX_WAVES && (await caughtUp(catalog, t, worker))) {
        await t.produceWave();
        waves++;
      }
      const exit = await Promise.race([
        worker.exited,
        new Promise((resolve) => setTimeout(() => resolve('still running'), 60_000)),
      ]);
      expect(exit, `${t.spec.label} ${point}:\n${worker.lines.slice(-20).join('\n')}`).toEqual({
        code: null,
        signal: 'SIGKILL',
      });
      const name = point.split(':')[0]!;
      expect(worker.lines.some((l) => l.includes(`crash point ${name} reached`))).toBe(true);
      // What the table's offsets account for is in it exactly: nothing lost, nothing twice.
      const offsets = await committed(catalog, t);
      const { rows, twice } = await tableRows(catalog, t);
      expect(twice, `${t.spec.label} after ${point}: keys live twice`).toEqual([]);
      expect(sorted(rows.values()), `${t.spec.label} after ${point}`).toEqual(
        sorted(t.replay(offsets).values()),
      );
      const { metadata } = await catalog.loadTable(parseTableIdentifier(t.table));
      expect(await missingFiles(io, metadata), `${t.spec.label} after ${point}`).toEqual([]);
      notes.push(
        `${name}: died after ${waves} waves at ${total(offsets)}/${t.produced.length} committed, ${rows.size} rows`,
      );
      progress(notes.at(-1)!);
    }
    const worker = start(t);
    if (t.spec.rebalance) {
      await worker.waitForLine(/"msg":"partitions assigned"/, 60_000);
      await t.produceWave();
      expect(await caughtUp(catalog, t, worker)).toBe(true);
      const second = start(t, {}, t.joinerSetup);
      await second.waitForLine(/"msg":"partitions assigned"/, 60_000);
      await t.produceWave();
      expect(await caughtUp(catalog, t, worker)).toBe(true);
      expect(await second.stop()).toEqual({ code: 0, signal: null });
      expect(second.lines.some((l) => l.includes('key index rebuilt'))).toBe(true);
    } else {
      await t.produceWave();
      expect(await caughtUp(catalog, t, worker)).toBe(true);
    }
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    progress('last run caught up and stopped');
    expect(worker.lines.some((l) => l.includes('key index rebuilt'))).toBe(true);
    const { metadata } = await catalog.loadTable(parseTableIdentifier(t.table));
    expect(await missingFiles(io, metadata)).toEqual([]);
    const files = await tableFiles(io, metadata);
    expect(files.equalityDeleteFiles).toBe(0);
    expect(files.snapshotsAddingEqualityDeletes).toBe(0);
    expect(metadata.formatVersion).toBe(t.spec.formatVersion);
    const deletes = t.spec.formatVersion === 3 ? 'added-dvs' : 'added-position-delete-files';
    expect(metadata.snapshots.some((s) => Number(s.summary[deletes] ?? 0) > 0)).toBe(true);
    return `[upsert-crash ${t.spec.label}] ${notes.join('; ')}; ${t.produced.length} changes, ${files.snapshots} snapshots, ${files.dataFiles} data files, ${files.positionDeleteFiles} delete files`;
  }

  it('every table equals the dictionary replay in PyIceberg, Spark and DuckDB', async () => {
    const started = Date.now();
    const targets = CASES.map((c, i) => new Target(c, 101 + i));
    for (const t of targets) await t.create();
    const notes = await Promise.all(targets.map((t) => chain(t)));
    const streamed = Date.now();
    for (const choice of ['rest', 'sql'] as const) {
      const group = targets.filter((t) => t.spec.catalog === choice);
      const read = await expectReadersAgree(
        readerCatalog(choice, group[0]!.setup),
        group.map((t) => t.table),
      );
      for (const t of group) {
        const rows = (read.get(t.table) ?? []).map((r) => ({ id: Number(r.id), name: String(r.name) }));
        expect(sorted(rows), t.table).toEqual(sorted(t.replay().values()));
      }
    }
    console.log(
      `${notes.join('\n')}\n[upsert-crash] runs ${((streamed - started) / 1000).toFixed(1)} s, three readers ${((Date.now() - streamed) / 1000).toFixed(1)} s`,
    );
  }, 600_000);
});
