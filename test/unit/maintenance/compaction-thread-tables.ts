// Tables and FileIO wrappers of the compaction thread's tests
// (compaction-thread.test.ts, compaction-thread-failures.test.ts): SQLite
// catalog + local files.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../../src/catalog/sql/open-sql-catalog.ts';
import { buildPartitionSpec } from '../../../src/iceberg/partition-spec.ts';
import type { SortOrder } from '../../../src/iceberg/sort-order.ts';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import { parseTransform } from '../../../src/iceberg/transforms.ts';
import { type FileIO, openOutput } from '../../../src/io/file-io.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { readSnapshotFiles } from '../../../src/maintenance/compaction-files.ts';
import { dataDirectory } from '../../../src/sink/table-paths.ts';
import { appendRows } from '../../support/floe-append.ts';
import { interopRow, interopSchema } from '../../support/interop-table.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

/** `io` with some of its calls replaced. */
export function spied(io: FileIO, calls: Partial<FileIO>): FileIO {
  return {
    read: (path) => io.read(path),
    write: (path, data, options) => io.write(path, data, options),
    create: (path) => openOutput(io, path),
    exists: (path) => io.exists(path),
    delete: (path) => io.delete(path),
    list: (prefix) => io.list(prefix),
    ...calls,
  };
}

/** The interop schema (every primitive, nested types), partitioned by `day`: 8 appends of 40 rows, 5 days. */
export async function interopTable(sorted: boolean) {
  const io = new LocalFileIO();
  const dir = mkdtempSync(join(tmpdir(), 'floe-compaction-thread-'));
  const catalog = openSqlCatalog({ name: 'c', uri: join(dir, 'c.db'), warehouse: join(dir, 'wh'), io });
  const id: TableIdentifier = { namespace: ['m'], name: 'events' };
  await catalog.createNamespace(['m']);
  const byName: SortOrder = {
    orderId: 1,
    fields: [
      { sourceId: 4, transform: parseTransform('identity'), direction: 'desc', nullOrder: 'nulls-last' },
    ],
  };
  await catalog.createTable(id, {
    schema: interopSchema,
    spec: buildPartitionSpec(interopSchema, [{ source: 'day', transform: parseTransform('identity') }]),
    ...(sorted ? { sortOrder: byName } : {}),
    properties: { 'format-version': '2' },
  });
  for (let b = 0; b < 8; b++) {
    const rows = Array.from({ length: 40 }, (_, k) => interopRow(b * 40 + k));
    await appendRows(catalog, io, id, rows);
  }
  return { catalog, io, id };
}

/** A table of one long column, `files` files of `rows` ids each. */
export async function idTable(files: number, rows: number, properties: Record<string, string> = {}) {
  const t = await tempSqlTable({ 'format-version': '2', ...properties });
  for (let f = 0; f < files; f++) {
    const ids = Array.from({ length: rows }, (_, k) => ({ id: BigInt(f * rows + k) }));
    await appendRows(t.catalog, t.io, t.id, ids);
  }
  return t;
}

/** The paths of the live data files, in manifest order. */
export async function liveDataPaths(io: FileIO, catalog: Catalog, id: TableIdentifier): Promise<string[]> {
  const { metadata } = await catalog.loadTable(id);
  const files = await readSnapshotFiles(io, metadata, branchHead(metadata, 'main')!);
  return files.manifests.flatMap((m) => m.live).map((e) => e.dataFile.filePath);
}

/** Every file in the table's data folder, sorted. */
export async function dataFolder(io: FileIO, catalog: Catalog, id: TableIdentifier): Promise<string[]> {
  const { metadata } = await catalog.loadTable(id);
  const found: string[] = [];
  for await (const f of io.list(`${dataDirectory(metadata)}/`)) found.push(f.path);
  return found.sort();
}
