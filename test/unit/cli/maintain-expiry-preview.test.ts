// `floe maintain --dry-run` on snapshot expiry: SnapshotExpiry.preview says what
// expire() then does (the same counts, data files included), and changes
// nothing (the metadata location stays, every file stays).
import { describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../../src/catalog/catalog.ts';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { SnapshotExpiry } from '../../../src/maintenance/expire-snapshots.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { commitForeignReplace } from '../../support/foreign-replace.ts';
import { reachableFiles } from '../../support/reachable-files.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

const id: TableIdentifier = { namespace: ['db'], name: 't' };

describe('SnapshotExpiry.preview', () => {
  it('predicts what expire removes and deletes, and changes nothing', async () => {
    const { dir, catalog, io } = await tempSqlTable({ 'history.expire.max-snapshot-age-ms': '1000' });
    let clock = 0;
    for (let n = 0; n < 4; n++) {
      clock = n * 1_000;
      const file: DataFile = {
        content: 0,
        filePath: `file://${dir}/wh/db/t/data/f${n}.parquet`,
        fileFormat: 'PARQUET',
        specId: 0,
        partition: [],
        recordCount: 1,
        fileSizeInBytes: 8,
      };
      await io.write(file.filePath, new Uint8Array(8));
      await new SnapshotProducer(catalog, io, { now: () => clock }).append(id, {
        dataFiles: [file],
        decide: () => ({ kind: 'commit' }),
      });
    }
    // Another engine's replace: main's new snapshot lists only the newest file's manifest,
    // so the three older data files are reached by expiring snapshots alone.
    await commitForeignReplace(catalog, io, id, { snapshotId: 77n, timestampMs: 4_000 });
    const before = await catalog.loadTable(id);
    const reached = await reachableFiles(io, before.metadata);
    const expiry = new SnapshotExpiry(catalog, io, { now: () => 10_000 });

    const preview = await expiry.preview(id);
    expect((await catalog.loadTable(id)).metadataLocation).toBe(before.metadataLocation);
    for (const path of reached) expect(await io.exists(path), path).toBe(true);

    const done = await expiry.expire(id);
    expect(preview).toEqual(done);
    expect(done).toMatchObject({ snapshotsRemoved: 4, contentFilesDeleted: 3, manifestListsDeleted: 4 });
    expect((await catalog.loadTable(id)).metadata.snapshots.map((s) => s.snapshotId)).toEqual([77n]);
    // Nothing left to expire: the preview says so too.
    expect((await expiry.preview(id)).snapshotsRemoved).toBe(0);
  });
});
