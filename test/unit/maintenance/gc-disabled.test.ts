// A table with gc.enabled=false shares its data files with another table (Spark's
// snapshot procedure, a table migrated in place): floe's maintenance must never
// delete a data file of it, as Iceberg's RemoveSnapshots and DeleteOrphanFiles
// refuse to ("GC is disabled (deleting files may corrupt other tables)").
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import { commitRewrite } from '../../../src/maintenance/compaction-commit.ts';
import { SnapshotExpiry } from '../../../src/maintenance/expire-snapshots.ts';
import { removeOrphanFiles } from '../../../src/maintenance/orphan-files.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';
import { tinyDataFile } from '../../support/tiny-data-file.ts';

async function sharedTable() {
  const t = await tempSqlTable({ 'gc.enabled': 'false', 'history.expire.max-snapshot-age-ms': '0' });
  const file = async (name: string): Promise<DataFile> => {
    // the other table's file, outside this table's location
    const filePath = `file://${t.dir}/source/${name}.parquet`;
    await t.io.write(filePath, new Uint8Array(8));
    return tinyDataFile(filePath);
  };
  return { ...t, file };
}

describe('maintenance of a table with gc.enabled=false', () => {
  it('snapshot expiry deletes none of the data files its removed snapshots reached', async () => {
    const t = await sharedTable();
    const shared = [await t.file('a'), await t.file('b')];
    for (const f of shared)
      await new SnapshotProducer(t.catalog, t.io).append(t.id, {
        dataFiles: [f],
        decide: () => ({ kind: 'commit' }),
      });
    // a rewrite replaces both: only the removed snapshots reach them now
    const { metadata } = await t.catalog.loadTable(t.id);
    const rewritten = await commitRewrite(t.catalog, t.io, {
      id: t.id,
      startSnapshot: branchHead(metadata, 'main')!,
      replaced: shared,
      added: [await t.file('c')],
    });
    expect(rewritten.kind).toBe('committed');

    await new SnapshotExpiry(t.catalog, t.io, { now: () => Date.now() + 60_000 })
      .expire(t.id)
      .catch(() => undefined); // refusing is fine too; deleting is not
    for (const f of shared) expect(await t.io.exists(f.filePath), f.filePath).toBe(true);
  });

  it('orphan file removal deletes nothing', async () => {
    const t = await sharedTable();
    const { metadata } = await t.catalog.loadTable(t.id);
    const stray = `${metadata.location}/data/stray.parquet`;
    await t.io.write(stray, new Uint8Array(8));
    await removeOrphanFiles(t.catalog, t.io, t.id, { olderThanMs: 0, now: () => Date.now() + 60_000 }).catch(
      () => undefined,
    );
    expect(await t.io.exists(stray)).toBe(true);
  });
});
