// A commit whose base snapshot's files an expiry deleted meanwhile (main moved
// on, then the old head expired) rebases like any conflict instead of failing.
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import type { FileIO } from '../../../src/io/file-io.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

const file = (name: string): DataFile => ({
  content: 0,
  filePath: `file:///nowhere/${name}.parquet`,
  fileFormat: 'PARQUET',
  specId: 0,
  partition: [],
  recordCount: 1,
  fileSizeInBytes: 10,
});

describe('a base whose manifest list is gone', () => {
  it('is a conflict: the append reloads and lands on the new main', async () => {
    const t = await tempSqlTable();
    const commit = { decide: () => ({ kind: 'commit' as const }) };
    await new SnapshotProducer(t.catalog, t.io).append(t.id, { dataFiles: [file('a')], ...commit });
    let raced = false;
    // The first read of a manifest list: another writer commits on top and an expiry deletes the old list.
    const racing: FileIO = Object.assign(Object.create(t.io) as FileIO, {
      read: async (path: string) => {
        if (!raced && path.includes('/snap-')) {
          raced = true;
          await new SnapshotProducer(t.catalog, t.io).append(t.id, { dataFiles: [file('b')], ...commit });
          await t.io.delete(path);
        }
        return t.io.read(path);
      },
    });
    const result = await new SnapshotProducer(t.catalog, racing).append(t.id, {
      dataFiles: [file('c')],
      ...commit,
    });
    expect(raced).toBe(true);
    expect(result.kind).toBe('committed');
    expect(result.kind === 'committed' && result.attempts).toBe(2);
    const { metadata } = await t.catalog.loadTable(t.id);
    expect(metadata.snapshots).toHaveLength(3);
  });
});
