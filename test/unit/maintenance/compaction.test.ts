// Compaction of a table (the interop tests' schema: every primitive, nested
// types, nulls, NaN) on an in-process SQLite catalog and local files: rows
// read back from the live files are the same before and after, the replace
// snapshot carries the offsets, sequence numbers follow the spec, a concurrent
// append is rebased on, a concurrent removal makes the plan stale (never
// resurrected), and the table's sort order is applied.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../../src/catalog/sql/open-sql-catalog.ts';
import { buildPartitionSpec } from '../../../src/iceberg/partition-spec.ts';
import { branchHead, currentSchema } from '../../../src/iceberg/table-metadata.ts';
import { parseTransform } from '../../../src/iceberg/transforms.ts';
import type { Row } from '../../../src/iceberg/types.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { commitRewrite } from '../../../src/maintenance/compaction-commit.ts';
import { readSnapshotFiles } from '../../../src/maintenance/compaction-files.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { normalizePath, reachableFiles } from '../../../src/maintenance/orphan-files.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { appendRows } from '../../support/floe-append.ts';
import { interopRow, interopSchema } from '../../support/interop-table.ts';

const schema = interopSchema;
const makeRow = interopRow;

const ID: TableIdentifier = { namespace: ['m'], name: 'events' };

async function liveRows(catalog: Catalog, io: LocalFileIO): Promise<{ rows: Row[]; files: number }> {
  const { metadata } = await catalog.loadTable(ID);
  const head = branchHead(metadata, 'main')!;
  const files = await readSnapshotFiles(io, metadata, head);
  const rows: Row[] = [];
  let count = 0;
  for (const { manifest, live } of files.manifests) {
    if (manifest.content !== 0) continue;
    for (const e of live) {
      count++;
      rows.push(
        ...readParquetRows(await io.read(e.dataFile.filePath), currentSchema(metadata), e.dataFile.filePath),
      );
    }
  }
  rows.sort((a, b) => Number((a.id as bigint) - (b.id as bigint)));
  return { rows, files: count };
}

function bound(target: Catalog, key: string | symbol, receiver: unknown): unknown {
  const value = Reflect.get(target, key, receiver);
  return typeof value === 'function' ? value.bind(target) : value;
}

describe('compactTable', { timeout: 60_000 }, () => {
  let catalog: Catalog;
  const io = new LocalFileIO();

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-compact-'));
    catalog = openSqlCatalog({ name: 'c', uri: join(dir, 'c.db'), warehouse: join(dir, 'wh'), io });
    await catalog.createNamespace(['m']);
    await catalog.createTable(ID, {
      schema,
      spec: buildPartitionSpec(schema, [{ source: 'day', transform: parseTransform('identity') }]),
      properties: { 'format-version': '2' },
    });
  });
  afterEach(async () => catalog.close());

  async function appendBatches(batches: number, perBatch: number, from = 0): Promise<void> {
    for (let b = 0; b < batches; b++) {
      const start = from + b * perBatch;
      const rows = Array.from({ length: perBatch }, (_, k) => makeRow(start + k));
      await appendRows(catalog, io, ID, rows, {
        'floe.offsets.c1': JSON.stringify({ t: { 0: start + perBatch } }),
      });
    }
  }

  it('rewrites small files per partition into few, with every row the same', async () => {
    await appendBatches(12, 30);
    const before = await liveRows(catalog, io);
    expect(before.files).toBe(60);
    const result = await compactTable(catalog, io, ID, { quietMs: 0 });
    expect(result.filesRewritten).toBe(60);
    expect(result.filesAdded).toBe(5);
    const after = await liveRows(catalog, io);
    expect(after.files).toBe(5);
    expect(after.rows).toEqual(before.rows);

    const { metadata } = await catalog.loadTable(ID);
    const head = branchHead(metadata, 'main')!;
    expect(head.summary.operation).toBe('replace');
    expect(head.summary['floe.offsets.c1']).toBe(JSON.stringify({ t: { 0: 360 } }));
    expect(head.summary['total-records']).toBe('360');
    expect(head.summary['total-data-files']).toBe('5');
    expect(head.summary['deleted-data-files']).toBe('60');
    // The new files keep the sequence number of the snapshot the plan read.
    const files = await readSnapshotFiles(io, metadata, head);
    const added = files.manifests.flatMap((m) => m.live).filter((e) => e.snapshotId === head.snapshotId);
    expect(added).toHaveLength(5);
    expect(added.every((e) => e.sequenceNumber === head.sequenceNumber - 1)).toBe(true);
    expect(added.every((e) => e.fileSequenceNumber === head.sequenceNumber)).toBe(true);
    // Nothing left to do.
    expect((await compactTable(catalog, io, ID, { quietMs: 0 })).skipped).toBe(
      'no partition needs compaction',
    );
  });

  it('leaves a partition that still receives data until it holds too many files', async () => {
    await appendBatches(6, 10);
    expect((await compactTable(catalog, io, ID)).skipped).toBe('no partition needs compaction');
    const bounded = await compactTable(catalog, io, ID, { maxFilesPerActivePartition: 5 });
    expect(bounded.filesRewritten).toBe(30);
  });

  it('keeps files that another writer appended meanwhile, and the appended rows', async () => {
    await appendBatches(6, 20);
    let appended = false;
    const racing: Catalog = new Proxy(catalog, {
      get(target, key, receiver) {
        if (key !== 'commitTable') return bound(target, key, receiver);
        return async (...args: Parameters<Catalog['commitTable']>) => {
          if (!appended) {
            appended = true;
            await appendBatches(1, 20, 1000);
          }
          return target.commitTable(...args);
        };
      },
    });
    const result = await compactTable(racing, io, ID, { quietMs: 0 });
    expect(result.filesRewritten).toBe(30);
    const after = await liveRows(catalog, io);
    expect(after.rows.map((r) => Number(r.id))).toEqual([
      ...Array.from({ length: 120 }, (_, i) => i),
      ...Array.from({ length: 20 }, (_, i) => 1000 + i),
    ]);
    const head = branchHead((await catalog.loadTable(ID)).metadata, 'main')!;
    expect(head.summary['floe.offsets.c1']).toBe(JSON.stringify({ t: { 0: 1020 } }));
  });

  it('re-plans when a file it replaces was removed meanwhile, and never brings it back', async () => {
    await appendBatches(6, 20);
    let removed: string | undefined;
    const racing: Catalog = new Proxy(catalog, {
      get(target, key, receiver) {
        if (key !== 'commitTable') return bound(target, key, receiver);
        return async (...args: Parameters<Catalog['commitTable']>) => {
          if (removed === undefined) removed = await removeOneFile(target, io);
          return target.commitTable(...args);
        };
      },
    });
    const result = await compactTable(racing, io, ID, { quietMs: 0 });
    expect(result.replans).toBe(1);
    const after = await liveRows(catalog, io);
    const { metadata } = await catalog.loadTable(ID);
    const head = branchHead(metadata, 'main')!;
    const files = await readSnapshotFiles(io, metadata, head);
    expect(files.manifests.flatMap((m) => m.live).some((e) => e.dataFile.filePath === removed)).toBe(false);
    expect(after.rows.length).toBe(120 - removedRows);
    // The stale attempt's files (data files, manifests, manifest list) were deleted: nothing is unreferenced.
    const reachable = await reachableFiles(io, metadata, (await catalog.loadTable(ID)).metadataLocation);
    const unreferenced: string[] = [];
    for await (const f of io.list(`${metadata.location}/`))
      if (!reachable.has(normalizePath(f.path))) unreferenced.push(f.path);
    expect(unreferenced).toEqual([]);
  });

  it('leaves v1 tables alone (no sequence numbers)', async () => {
    const id: TableIdentifier = { namespace: ['m'], name: 'v1' };
    await catalog.createTable(id, { schema, properties: { 'format-version': '1' } });
    for (let b = 0; b < 6; b++) await appendRows(catalog, io, id, [makeRow(b)]);
    expect((await compactTable(catalog, io, id, { quietMs: 0 })).skipped).toBe(
      'format version 1: only v2 and v3 tables are compacted',
    );
  });

  it('sorts rewritten files by the table sort order', async () => {
    await catalog.commitTable(
      ID,
      [],
      [
        {
          action: 'add-sort-order',
          sortOrder: {
            orderId: 1,
            fields: [
              {
                sourceId: 4,
                transform: parseTransform('identity'),
                direction: 'desc',
                nullOrder: 'nulls-last',
              },
            ],
          },
        },
        { action: 'set-default-sort-order', sortOrderId: -1 },
      ],
    );
    await appendBatches(6, 15);
    expect((await compactTable(catalog, io, ID, { quietMs: 0 })).filesAdded).toBe(5);
    const { metadata } = await catalog.loadTable(ID);
    const files = await readSnapshotFiles(io, metadata, branchHead(metadata, 'main')!);
    for (const e of files.manifests.flatMap((m) => m.live)) {
      const names = readParquetRows(await io.read(e.dataFile.filePath), schema, 'x').map(
        (r) => r.name as string | null,
      );
      const expected = [...names].sort((a, b) =>
        a === null ? 1 : b === null ? -1 : a < b ? 1 : a > b ? -1 : 0,
      );
      expect(names).toEqual(expected);
    }
  });
});

let removedRows = 0;

/** Another writer removes one data file (a replace with nothing, as a row delete of a whole file would). */
async function removeOneFile(catalog: Catalog, io: LocalFileIO): Promise<string> {
  const { metadata } = await catalog.loadTable(ID);
  const head = branchHead(metadata, 'main')!;
  const files = await readSnapshotFiles(io, metadata, head);
  const victim = files.manifests.flatMap((m) => m.live)[0]!.dataFile;
  const outcome = await commitRewrite(catalog, io, {
    id: ID,
    startSnapshot: head,
    replaced: [victim],
    added: [],
  });
  expect(outcome.kind).toBe('committed');
  removedRows = victim.recordCount;
  return victim.filePath;
}
