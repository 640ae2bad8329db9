// `floe maintain` as a user runs it, a child process against the stack (REST
// catalog + S3): `floe run` writes many small files (commits every 300
// records, background maintenance off), then `floe maintain <connector>
// --dry-run` prints the plan and changes nothing (same metadata location, every
// file there), then `floe maintain <connector>` compacts and expires while the
// worker keeps committing new records. The table then has fewer files and
// the old snapshots are gone; `floe maintain <table>
// --remove-orphans` removes a planted orphan; a restarted worker continues
// from the offsets the maintained table keeps: PyIceberg reads every record
// exactly once, each with the values written.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { KAFKA } from '../support/brokers.ts';
import { runFloe } from '../support/floe-cli.ts';
import { testFileIO } from '../support/io.ts';
import { orderScenario, produceOrders as produce } from '../support/order-scenario.ts';
import { orderRow } from '../support/orders.ts';
import { missingFiles } from '../support/reachable-files.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { openCatalog, readerCatalog, waitForRecords } from '../support/table-watch.ts';
import { WorkerProcess } from '../support/worker-process.ts';

const started: WorkerProcess[] = [];
const catalogs: Catalog[] = [];
afterEach(async () => {
  for (const worker of started.splice(0)) await worker.kill9();
});
afterAll(async () => {
  for (const catalog of catalogs) await catalog.close();
});

type Summary = { steps: Array<Record<string, number | string | boolean>> };
const stepOf = (summary: Summary, step: string) => summary.steps.find((s) => s.step === step)!;

describe('floe maintain (REST catalog, S3)', () => {
  it('plans on --dry-run without a change, then compacts and expires beside a running worker, exactly once', async () => {
    const t0 = performance.now();
    const marks: string[] = [];
    const mark = (label: string) => marks.push(`${label} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const waves = 6;
    const perWave = 300;
    const s = await orderScenario('rest', 'maintain', KAFKA, {
      commit: { intervalMs: 300, maxRecords: perWave },
      maintenance: { enabled: false },
      autoCreate: {
        partitionBy: ['bucket(4, id)'],
        // Every partition counts as quiet, and every snapshot but main's newest is past retention.
        properties: { 'floe.compaction.quiet-ms': '0', 'history.expire.max-snapshot-age-ms': '1' },
      },
    });
    const catalog = await openCatalog('rest', s.setup);
    catalogs.push(catalog);
    const id = parseTableIdentifier(s.table);
    const io = testFileIO();
    const config = ['--config', s.setup.configFile];
    const unknown = await runFloe(['maintain', 'ordrs', ...config]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^floe: no connector named 'ordrs' in .* \(known: orders\)/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const worker = new WorkerProcess(s.setup);
    started.push(worker);
    // One commit per wave: each adds a small file to every bucket.
    for (let wave = 0; wave < waves; wave++) {
      await produce(s, wave * perWave, (wave + 1) * perWave);
      await waitForRecords(catalog, s.table, (wave + 1) * perWave, { timeoutMs: 60_000 });
    }
    const written = waves * perWave;
    mark('written');
    const before = await catalog.loadTable(id);
    const filesBefore = Number(branchHead(before.metadata, 'main')!.summary['total-data-files']);
    const snapshotsBefore = before.metadata.snapshots.length;
    expect(filesBefore).toBeGreaterThanOrEqual(4 * 5);
    const dry = await runFloe(['maintain', 'orders', ...config, '--dry-run', '--progress', 'none']);
    expect(dry.code, dry.stderr).toBe(0);
    const planLines = dry.stdout.split('\n').filter((l) => / compact id_bucket=\d: would rewrite /.test(l));
    expect(planLines, dry.stdout).toHaveLength(4);
    expect(dry.stdout).toContain('summary (dry run: nothing changed)');
    expect(dry.stdout).toMatch(new RegExp(`would expire ${snapshotsBefore - 1} snapshots \\(1 kept\\)`));
    const afterDry = await catalog.loadTable(id);
    expect(afterDry.metadataLocation).toBe(before.metadataLocation);
    expect(await missingFiles(io, afterDry.metadata)).toEqual([]);

    mark('dry run');
    // For real, while the worker commits more records.
    const more = produce(s, written, written + 600);
    const real = await runFloe(['maintain', 'orders', ...config, '--json', '--progress', 'log']);
    await more;
    expect(real.code, real.stderr).toBe(0);
    const summary = JSON.parse(real.stdout) as Summary;
    const compacted = stepOf(summary, 'compact');
    const expired = stepOf(summary, 'expire');
    console.log(
      `[maintain] ${filesBefore} files, ${snapshotsBefore} snapshots before; ${JSON.stringify(summary)}`,
    );
    // The plan may already see the worker's next commit (more small files), never fewer.
    expect(compacted.filesRewritten).toBeGreaterThanOrEqual(filesBefore);
    expect(compacted.filesAdded).toBeLessThanOrEqual(4);
    expect(expired.snapshotsExpired).toBeGreaterThanOrEqual(snapshotsBefore);
    expect(expired.dataFilesDeleted).toBe(compacted.filesRewritten);
    expect(real.stderr).toContain('maintain: compact done');

    mark('maintained');
    await waitForRecords(catalog, s.table, written + 600, { timeoutMs: 60_000 });
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    const maintained = await catalog.loadTable(id);
    const head = branchHead(maintained.metadata, 'main')!;
    expect(Number(head.summary['total-data-files'])).toBeLessThan(filesBefore);
    expect(maintained.metadata.snapshots.length).toBeLessThan(snapshotsBefore);
    expect(await missingFiles(io, maintained.metadata)).toEqual([]);

    // An orphan (an upload whose commit never happened), removed through the table's name.
    const orphan = `${maintained.metadata.location}/data/never-committed.parquet`;
    await io.write(orphan, new Uint8Array(64));
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const cleaned = await runFloe(['maintain', s.table, ...config, '--remove-orphans', '--older-than', '2s']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain(`removed ${orphan}`);
    expect(await io.exists(orphan)).toBe(false);

    mark('orphans');
    // A new worker continues from the offsets the maintained table keeps.
    const restarted = new WorkerProcess(s.setup);
    started.push(restarted);
    await produce(s, written + 600, written + 1_200);
    await waitForRecords(catalog, s.table, written + 1_200, { timeoutMs: 60_000 });
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });

    mark('restarted');
    const rows = (await readWithPyIceberg(readerCatalog('rest', s.setup), 'table', { table: s.table })).rows;
    mark('read');
    console.log(`[maintain] phases: ${marks.join(', ')}`);
    const seen = new Map<number, number>();
    for (const row of rows) seen.set(row.id as number, (seen.get(row.id as number) ?? 0) + 1);
    const total = written + 1_200;
    expect({
      rows: rows.length,
      duplicates: [...seen].filter(([, n]) => n > 1).map(([i]) => i),
      missing: Array.from({ length: total }, (_, i) => i).filter((i) => !seen.has(i)),
    }).toEqual({ rows: total, duplicates: [], missing: [] });
    // The values written, also those of the rewritten files.
    for (const row of rows) {
      const want = orderRow(row.id as number);
      if (JSON.stringify(row) !== JSON.stringify(want)) expect(row).toEqual(want);
    }
  }, 180_000);
});
