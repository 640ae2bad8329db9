// Compaction on the real stack (REST catalog + S3). (1) A table floe's library
// wrote in many small commits (the interop tests' schema: struct, list, map,
// decimal, uuid, binary, fixed, NaN, ...; day(ts) + bucket(4, id)) reads the same with PyIceberg, Spark and DuckDB before
// and after compaction, and fewer files. (2) `floe run` with its maintenance on
// is killed -9 inside a compaction (after the new files are written, and just
// before the replace commit), restarted, and then compacts for real: PyIceberg
// finds every produced record exactly once and every file the metadata reaches
// exists.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import type { DataFile } from '../../src/iceberg/data-file.ts';
import { buildPartitionSpec } from '../../src/iceberg/partition-spec.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { parseTransform } from '../../src/iceberg/transforms.ts';
import { readSnapshotFiles } from '../../src/maintenance/compaction-files.ts';
import { compactTable } from '../../src/maintenance/compaction-run.ts';
import { appendRows } from '../support/floe-append.ts';
import { interopRow, interopSchema } from '../support/interop-table.ts';
import { testFileIO } from '../support/io.ts';
import { createTopic, registerAvro, registry, TestProducer } from '../support/kafka-tools.ts';
import { ORDER_SCHEMA_V1, orderPayload, orderRow } from '../support/orders.ts';
import { produceNumbered } from '../support/produce.ts';
import { missingFiles } from '../support/reachable-files.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { services, uniqueName } from '../support/services.ts';
import { waitForRecords } from '../support/table-watch.ts';
import { readWithThreeReaders } from '../support/three-readers.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const io = testFileIO();
const started = Date.now();
const step = (what: string) =>
  console.log(`[compaction ${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);

/** The worker's exit, or a failure with its last log lines when it does not exit in time. */
function exitOf(worker: WorkerProcess, timeoutMs: number) {
  return Promise.race([
    worker.exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () =>
          reject(
            new Error(`worker still running after ${timeoutMs} ms:\n${worker.lines.slice(-15).join('\n')}`),
          ),
        timeoutMs,
      ),
    ),
  ]);
}
let catalog: Catalog;
beforeAll(async () => {
  catalog = await RestCatalog.connect({
    uri: services.restUri,
    warehouse: `s3://${services.s3.bucket}/rest`,
  });
});
afterAll(async () => catalog.close());

async function liveFiles(id: TableIdentifier): Promise<DataFile[]> {
  const { metadata } = await catalog.loadTable(id);
  const files = await readSnapshotFiles(io, metadata, branchHead(metadata, 'main')!);
  return files.manifests.flatMap((m) => m.live.map((e) => e.dataFile));
}

describe('compaction read back by PyIceberg, Spark and DuckDB (REST + S3)', () => {
  it('reads the same rows before and after, from fewer files', async () => {
    const namespace = [uniqueName('compact')];
    await catalog.createNamespace(namespace);
    const id: TableIdentifier = { namespace, name: 'events' };
    const table = `${namespace[0]}.events`;
    await catalog.createTable(id, {
      schema: interopSchema,
      spec: buildPartitionSpec(interopSchema, [
        { source: 'ts', transform: parseTransform('day') },
        { source: 'id', transform: parseTransform('bucket[4]') },
      ]),
      properties: { 'format-version': '2' },
    });
    for (let b = 0; b < 10; b++) {
      const rows = Array.from({ length: 60 }, (_, k) => interopRow(b * 60 + k));
      await appendRows(catalog, io, id, rows, {
        'floe.offsets.c': JSON.stringify({ t: { 0: (b + 1) * 60 } }),
      });
    }
    step('10 appends done');
    const before = (await readWithThreeReaders({ kind: 'rest' }, [table])).get(table)!;
    expect(before.pyiceberg).toHaveLength(600);
    expect(before.spark).toEqual(before.pyiceberg);
    expect(before.duckdb).toEqual(before.pyiceberg);

    step('read before');
    const written = await liveFiles(id);
    const perPartition = new Map<string, number>();
    for (const f of written) {
      const key = JSON.stringify(f.partition, (_, v) => String(v));
      perPartition.set(key, (perPartition.get(key) ?? 0) + 1);
    }
    const result = await compactTable(catalog, io, id, { quietMs: 0, minInputFiles: 2 });
    step('compacted');
    // Every file is small: each partition with two or more files becomes one file.
    const several = [...perPartition.values()].filter((n) => n >= 2);
    expect(result.filesRewritten).toBe(several.reduce((a, n) => a + n, 0));
    expect(result.filesAdded).toBe(several.length);
    expect(result.filesRewritten).toBeGreaterThan(3 * result.filesAdded);
    const after = (await readWithThreeReaders({ kind: 'rest' }, [table])).get(table)!;
    step('read after');
    expect(after.pyiceberg).toEqual(before.pyiceberg);
    expect(after.spark).toEqual(before.pyiceberg);
    expect(after.duckdb).toEqual(before.pyiceberg);

    const read = await readWithPyIceberg({ kind: 'rest' }, 'table', { table, noRows: true });
    const head = read.snapshots.at(-1)!;
    expect(head.summary.operation).toBe('replace');
    expect(head.summary['total-data-files']).toBe(String(perPartition.size));
    expect(head.summary['floe.offsets.c']).toBe(JSON.stringify({ t: { 0: 600 } }));
    const { metadata } = await catalog.loadTable(id);
    expect(await missingFiles(io, metadata)).toEqual([]);
  }, 600_000);
});

describe('floe run killed -9 inside a compaction (REST + S3)', () => {
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.kill9();
  });

  it('lands every record once, compacts after the restart, and no reachable file is missing', async () => {
    const partitions = 3;
    const topic = uniqueName('compactkill');
    const table = `it_rest.${topic}`;
    const connector = 'orders';
    await createTopic(topic, partitions);
    const schemaId = await registerAvro(`${topic}-value`, ORDER_SCHEMA_V1);
    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'rest',
      connectors: {
        [connector]: {
          topics: [topic],
          value: { format: 'avro' },
          table,
          autoCreate: {
            partitionBy: ['bucket(2, id)'],
            // An active partition is compacted once it holds more than 4 small files.
            properties: { 'floe.compaction.max-files-per-active-partition': '4' },
          },
          commit: { intervalMs: 300 },
          maintenance: { enabled: true, intervalMs: 2_000 },
        },
      },
    });
    let produced = 0;
    /** `n` records in small sends while the worker runs, so it commits many small files. */
    const trickle = async (n: number) => {
      const producer = await new TestProducer().connect();
      try {
        for (let sent = 0; sent < n; sent += 300) {
          const ids = Array.from({ length: Math.min(300, n - sent) }, (_, i) => produced + i);
          await produceNumbered(topic, partitions, ids, (i) => registry.encode(schemaId, orderPayload(i)), {
            producer,
          });
          produced += ids.length;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      } finally {
        await producer.disconnect();
      }
    };
    for (const point of ['after-compaction-write:1', 'before-compaction-commit:1']) {
      const worker = new WorkerProcess(setup, { FLOE_CRASH_POINT: point });
      workers.push(worker);
      await worker.waitForLine(/partitions assigned/, 60_000);
      await trickle(6_000);
      expect(await exitOf(worker, 120_000)).toEqual({ code: null, signal: 'SIGKILL' });
      step(`killed at ${point}`);
      expect(worker.lines.some((l) => l.includes(`crash point ${point.split(':')[0]} reached`))).toBe(true);
    }
    const id = parseTableIdentifier(table);
    const crashed = branchHead((await catalog.loadTable(id)).metadata, 'main')!;
    expect(crashed.summary.operation).toBe('append');

    // A clean run: more records while it compacts.
    const worker = new WorkerProcess(setup);
    workers.push(worker);
    await worker.waitForLine(/partitions assigned/, 60_000);
    await trickle(6_000);
    await worker.waitForLine(/"msg":"compacted"/, 90_000);
    await waitForRecords(catalog, table, produced, { timeoutMs: 120_000 });
    expect(await worker.stop()).toEqual({ code: 0, signal: null });

    const { metadata } = await catalog.loadTable(id);
    expect(metadata.snapshots.some((s) => s.summary.operation === 'replace')).toBe(true);
    expect(await missingFiles(io, metadata)).toEqual([]);
    const read = await readWithPyIceberg({ kind: 'rest' }, 'table', { table });
    const seen = new Map<number, number>();
    for (const row of read.rows) seen.set(row.id as number, (seen.get(row.id as number) ?? 0) + 1);
    const duplicates = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
    const missing = Array.from({ length: produced }, (_, i) => i).filter((i) => !seen.has(i));
    expect({
      rows: read.rows.length,
      duplicates: duplicates.slice(0, 10),
      missing: missing.slice(0, 10),
    }).toEqual({
      rows: produced,
      duplicates: [],
      missing: [],
    });
    for (const row of read.rows) {
      const want = orderRow(row.id as number);
      if (JSON.stringify(row) !== JSON.stringify(want)) expect(row).toEqual(want);
    }
    const files = Number(branchHead(metadata, 'main')!.summary['total-data-files']);
    console.log(
      `[compaction kill -9] ${produced} records exactly once; ${metadata.snapshots.length} snapshots, ${files} data files, ` +
        `${metadata.snapshots.filter((s) => s.summary.operation === 'replace').length} replace snapshots`,
    );
  }, 300_000);
});
