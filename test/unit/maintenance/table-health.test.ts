// A table's health figures (table-health.ts) on a real table in a SQLite
// catalog with local files: the summary's totals, the manifests in main's
// current list and the size of the current metadata.json, compared with what
// is on disk.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeManifestList } from '../../../src/iceberg/manifest-list.ts';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import { summaryHealth, TableHealthReader } from '../../../src/maintenance/table-health.ts';
import { appendRows } from '../../support/floe-append.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

describe('table health', () => {
  it('a new table: no snapshot, no manifest, the metadata file’s size', async () => {
    const t = await tempSqlTable();
    const loaded = await t.catalog.loadTable(t.id);
    const health = await new TableHealthReader(t.io).read(loaded);
    expect(health).toEqual({
      snapshots: 0,
      manifests: 0,
      metadataBytes: statSync(fileURLToPath(loaded.metadataLocation)).size,
    });
    await t.catalog.close();
  });

  it('after appends: totals from the summary, manifests of the current list, the current metadata.json’s size', async () => {
    // No merging: one manifest per append.
    const t = await tempSqlTable({ 'commit.manifest-merge.enabled': 'false' });
    for (let i = 0; i < 3; i++)
      await appendRows(t.catalog, t.io, t.id, [{ id: BigInt(2 * i) }, { id: BigInt(2 * i + 1) }]);
    const loaded = await t.catalog.loadTable(t.id);
    const head = branchHead(loaded.metadata, 'main')!;
    const listed = decodeManifestList(await t.io.read(head.manifestList));
    const health = await new TableHealthReader(t.io).read(loaded);
    const filesBytes = Number(head.summary['total-files-size']);
    expect(filesBytes).toBeGreaterThan(0);
    expect(health).toEqual({
      snapshots: 3,
      manifests: listed.length,
      dataFiles: 3,
      deleteFiles: 0,
      filesBytes,
      averageFileBytes: filesBytes / 3,
      metadataBytes: statSync(fileURLToPath(loaded.metadataLocation)).size,
    });
    expect(listed.length).toBe(3);
    await t.catalog.close();
  });

  it('summary figures: delete files count in the average; unknown totals are left out', () => {
    const metadata = (summary: Record<string, string>) =>
      ({
        snapshots: [{ snapshotId: 1n, summary }],
        refs: { main: { snapshotId: 1n, type: 'branch' } },
      }) as unknown as Parameters<typeof summaryHealth>[0];
    expect(
      summaryHealth(
        metadata({ 'total-data-files': '3', 'total-delete-files': '1', 'total-files-size': '4000' }),
      ),
    ).toEqual({ snapshots: 1, dataFiles: 3, deleteFiles: 1, filesBytes: 4000, averageFileBytes: 1000 });
    // Another engine's snapshot without totals.
    expect(summaryHealth(metadata({ operation: 'append' }))).toEqual({ snapshots: 1 });
    expect(summaryHealth(metadata({ 'total-data-files': '0', 'total-files-size': '0' }))).toEqual({
      snapshots: 1,
      dataFiles: 0,
      filesBytes: 0,
    });
  });
});
