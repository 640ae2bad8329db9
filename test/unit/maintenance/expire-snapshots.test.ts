import { describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import { SnapshotExpiry } from '../../../src/maintenance/expire-snapshots.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { committedOffsets } from '../../../src/worker/commit/table-offsets.ts';
import { commitForeignReplace } from '../../support/foreign-replace.ts';
import { missingFiles, reachableFiles } from '../../support/reachable-files.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

const id: TableIdentifier = { namespace: ['db'], name: 't' };

async function setup(properties: Record<string, string>) {
  const { dir, catalog, io } = await tempSqlTable(properties);
  let clock = 0;
  let n = 0;
  /** One commit at time `at` with one (real, tiny) data file and floe's offsets. */
  const append = async (at: number, offset = n + 1) => {
    clock = at;
    const path = `file://${dir}/wh/db/t/data/f${n++}.parquet`;
    await io.write(path, new Uint8Array(8));
    const file: DataFile = {
      content: 0,
      filePath: path,
      fileFormat: 'PARQUET',
      specId: 0,
      partition: [],
      recordCount: 1,
      fileSizeInBytes: 8,
    };
    const offsets = JSON.stringify({ t: { 0: offset } });
    await new SnapshotProducer(catalog, io, { now: () => clock }).append(id, {
      dataFiles: [file],
      decide: () => ({
        kind: 'commit',
        summary: { 'floe.offsets.c': offsets },
        properties: { 'floe.offsets.c': offsets },
      }),
    });
    return path;
  };
  const metadata = async () => (await catalog.loadTable(id)).metadata;
  return { catalog, io, append, metadata, setClock: (at: number) => (clock = at), now: () => clock };
}

describe('SnapshotExpiry', () => {
  it('removes old snapshots, deletes only what nothing retained reaches, keeps the offsets', async () => {
    const t = await setup({
      'history.expire.max-snapshot-age-ms': '1000',
      'commit.manifest.min-count-to-merge': '3',
    });
    for (let i = 0; i < 6; i++) await t.append(i * 1_000);
    const before = await t.metadata();
    const reachedBefore = await reachableFiles(t.io, before);
    const expiry = new SnapshotExpiry(t.catalog, t.io, { now: () => 5_500 });
    const result = await expiry.expire(id);
    const after = await t.metadata();
    // snapshot 5 (t=5000) is young; 4 (t=4000) is older than 1 s and beyond the minimum of one
    expect(after.snapshots.map((s) => s.timestampMs)).toEqual([5_000]);
    expect(result.snapshotsRemoved).toBe(5);
    expect(result.contentFilesDeleted).toBe(0); // every data file is still live in the current snapshot
    expect(result.manifestListsDeleted).toBe(5);
    expect(await missingFiles(t.io, after)).toEqual([]);
    // every file reached before and not any more is gone
    const reachedAfter = await reachableFiles(t.io, after);
    for (const path of reachedBefore) expect(await t.io.exists(path), path).toBe(reachedAfter.has(path));
    expect(committedOffsets(after, 'c').get('t')?.get(0)).toBe(6n);
    // nothing more to do: a second run commits nothing
    const again = await expiry.expire(id);
    expect(again.snapshotsRemoved).toBe(0);
    expect((await t.metadata()).metadataLog.length).toBe(after.metadataLog.length);
  });

  it('keeps what a tag reaches, and drops a tag past its max-ref-age-ms with its files', async () => {
    const t = await setup({ 'history.expire.max-snapshot-age-ms': '1000' });
    await t.append(0);
    await t.append(1_000);
    const tagged = branchHead(await t.metadata())!;
    await t.catalog.commitTable(
      id,
      [],
      [
        {
          action: 'set-snapshot-ref',
          refName: 'audit',
          type: 'tag',
          snapshotId: tagged.snapshotId,
          maxRefAgeMs: 10_000,
        },
      ],
    );
    await t.append(2_000);
    await t.append(3_000);
    const first = await new SnapshotExpiry(t.catalog, t.io, { now: () => 5_000 }).expire(id);
    const kept = await t.metadata();
    expect(kept.snapshots.map((s) => s.timestampMs)).toEqual([1_000, 3_000]);
    expect(first.refsRemoved).toBe(0);
    expect(await missingFiles(t.io, kept)).toEqual([]);
    const second = await new SnapshotExpiry(t.catalog, t.io, { now: () => 20_000 }).expire(id);
    const after = await t.metadata();
    expect(second.refsRemoved).toBe(1);
    expect(Object.keys(after.refs)).toEqual(['main']);
    expect(after.snapshots.map((s) => s.timestampMs)).toEqual([3_000]);
    expect(await missingFiles(t.io, after)).toEqual([]);
  });

  it('re-plans when a commit lands between its load and its commit', async () => {
    const t = await setup({ 'history.expire.max-snapshot-age-ms': '1000' });
    for (let i = 0; i < 3; i++) await t.append(i * 1_000);
    let raced = false;
    const racing: Catalog = new Proxy(t.catalog, {
      get(target, key, receiver) {
        if (key !== 'commitTable') {
          const value = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...args: Parameters<Catalog['commitTable']>) => {
          if (!raced) {
            raced = true;
            await t.append(2_500);
          }
          return target.commitTable(...args);
        };
      },
    });
    const result = await new SnapshotExpiry(racing, t.io, { now: () => 3_000, sleep: async () => {} }).expire(
      id,
    );
    const after = await t.metadata();
    expect(raced).toBe(true);
    expect(result.snapshotsRemoved).toBe(2);
    expect(after.snapshots.map((s) => s.timestampMs)).toEqual([2_000, 2_500]);
    expect(await missingFiles(t.io, after)).toEqual([]);
  });
});

describe('SnapshotExpiry after another engine replaced the files', () => {
  it('deletes the data files only the removed snapshots reached', async () => {
    const t = await setup({ 'history.expire.max-snapshot-age-ms': '1000' });
    const old = [await t.append(0), await t.append(1_000)];
    // a compaction: one new file replaces both; its snapshot lists only the new manifest
    const compacted = await t.append(2_000);
    await commitForeignReplace(t.catalog, t.io, id, { snapshotId: 77n, timestampMs: 3_000 });
    const result = await new SnapshotExpiry(t.catalog, t.io, { now: () => 10_000 }).expire(id);
    const after = await t.metadata();
    expect(after.snapshots.map((s) => s.snapshotId)).toEqual([77n]);
    expect(result.contentFilesDeleted).toBe(2);
    for (const path of old) expect(await t.io.exists(path)).toBe(false);
    expect(await t.io.exists(compacted)).toBe(true);
    expect(await missingFiles(t.io, after)).toEqual([]);
    // the offsets of floe's expired snapshots are read from the table property
    expect(committedOffsets(after, 'c').get('t')?.get(0)).toBe(3n);
  });
});
