// Row deltas on v3 tables: deletion vectors (one Puffin file per delta, a
// vector per data file touched) merged with each file's live vector, the old
// vector's entry removed in the same snapshot, Java's summary counts, the
// conflict when another writer changed a file's vector meanwhile, and a random
// run checked row by row in-process and with PyIceberg (the reader venv).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { decodeManifest } from '../../../src/iceberg/manifest.ts';
import { ENTRY_STATUS } from '../../../src/iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../../src/iceberg/manifest-list.ts';
import type { TableMetadata } from '../../../src/iceberg/table-metadata.ts';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../../src/io/file-io.ts';
import { readDeletionVector, writeDeletionVectors } from '../../../src/sink/deletion-vector-files.ts';
import { DATA_FILES_GONE, writeRowDeltaDeletes } from '../../../src/sink/row-delta.ts';
import { Rng } from '../../sim/rng.ts';
import { readWithPyIceberg } from '../../support/reader.ts';
import {
  appendIds,
  randomRowDelta,
  readLiveIds,
  rowDeltaSetup,
  writeIds,
} from '../../support/row-delta-table.ts';

const V3 = { 'format-version': '3' };
const commitNow = () => ({ kind: 'commit' as const });

const setup = (properties: Record<string, string> = V3) => rowDeltaSetup(properties);

/** Every delete-manifest entry of main's current snapshot, with the manifest's snapshot id. */
async function deleteEntries(io: FileIO, metadata: TableMetadata) {
  const out = [];
  for (const manifest of decodeManifestList(await io.read(branchHead(metadata, 'main')!.manifestList))) {
    if (manifest.content !== 1) continue;
    for (const entry of decodeManifest(await io.read(manifest.manifestPath)).entries) out.push(entry);
  }
  return out;
}

describe('deletion vectors in a row delta (v3)', () => {
  it('writes a vector per data file into one Puffin file, committed with Java summary counts', async () => {
    const { catalog, io, id, producer, load, model } = await setup();
    await appendIds(producer, catalog, io, id, model, 10);
    await appendIds(producer, catalog, io, id, model, 5);
    const [first, second] = [...model.files.values()];
    const metadata = await load();
    const positions = new Map([
      [first!.file.filePath, [1, 0, 1]],
      [second!.file.filePath, [4]],
    ]);
    const deletes = await writeRowDeltaDeletes(io, metadata, positions);
    expect(deletes.gone).toEqual([]);
    expect(deletes.replacedDeleteFiles).toEqual([]);
    const [a, b] = deletes.deleteFiles;
    expect(a).toMatchObject({ content: 1, fileFormat: 'PUFFIN', recordCount: 2, contentOffset: 4 });
    expect(b).toMatchObject({
      filePath: a!.filePath,
      recordCount: 1,
      contentOffset: 4 + a!.contentSizeInBytes!,
    });
    expect(b!.referencedDataFile).toBe(second!.file.filePath);
    expect(await readDeletionVector(io, a!)).toEqual([0, 1]);
    const reinsert = await writeIds(io, metadata, [0n, 1n, 14n]);
    const result = await producer.append(id, { dataFiles: [reinsert], ...deletes, decide: commitNow });
    expect(result.kind).toBe('committed');
    const after = await load();
    const summary = branchHead(after, 'main')!.summary;
    expect(summary).toMatchObject({
      operation: 'overwrite',
      'added-dvs': '2',
      'added-delete-files': '2',
      'added-position-deletes': '3',
      'added-files-size': String(reinsert.fileSizeInBytes + a!.contentSizeInBytes! + b!.contentSizeInBytes!),
      'total-delete-files': '2',
      'total-position-deletes': '3',
      'total-data-files': '3',
    });
    expect(summary['added-position-delete-files']).toBeUndefined();
    for (const [pos] of [[0], [1]]) first!.deleted.add(pos!);
    second!.deleted.add(4);
    model.added(reinsert, [0n, 1n, 14n]);
    expect(await readLiveIds(io, after)).toEqual(model.liveIds());
    // the new data file got row ids after the 15 appended (v3 row lineage)
    expect(after.nextRowId).toBe(18n);
  });

  it('merges a second delta into the file vector and removes the old entry in the same snapshot', async () => {
    const { catalog, io, id, producer, load, model } = await setup();
    await appendIds(producer, catalog, io, id, model, 10);
    await appendIds(producer, catalog, io, id, model, 5);
    const [first, second] = [...model.files.values()];
    const one = await writeRowDeltaDeletes(
      io,
      await load(),
      new Map([
        [first!.file.filePath, [2, 3]],
        [second!.file.filePath, [0]],
      ]),
    );
    await producer.append(id, { dataFiles: [], ...one, decide: commitNow });
    const old = one.deleteFiles[0]!;
    const two = await writeRowDeltaDeletes(io, await load(), new Map([[first!.file.filePath, [9, 3]]]));
    expect(two.replacedDeleteFiles).toHaveLength(1);
    expect(two.replacedDeleteFiles[0]).toMatchObject({
      filePath: old.filePath,
      contentOffset: old.contentOffset,
    });
    expect(await readDeletionVector(io, two.deleteFiles[0]!)).toEqual([2, 3, 9]);
    const result = await producer.append(id, { dataFiles: [], ...two, decide: commitNow });
    expect(result.kind).toBe('committed');
    const after = await load();
    expect(branchHead(after, 'main')!.summary).toMatchObject({
      operation: 'delete',
      'added-dvs': '1',
      'added-delete-files': '1',
      'added-position-deletes': '3',
      'removed-dvs': '1',
      'removed-delete-files': '1',
      'removed-position-deletes': '2',
      'removed-files-size': String(old.contentSizeInBytes),
      'total-delete-files': '2',
      'total-position-deletes': '4',
    });
    const entries = await deleteEntries(io, after);
    const live = entries.filter((e) => e.status !== ENTRY_STATUS.DELETED);
    expect(live.map((e) => e.dataFile.referencedDataFile).sort()).toEqual(
      [first!.file.filePath, second!.file.filePath].sort(),
    );
    const removed = entries.filter((e) => e.status === ENTRY_STATUS.DELETED);
    expect(removed.map((e) => [e.dataFile.filePath, e.dataFile.contentOffset, e.snapshotId])).toEqual([
      [old.filePath, old.contentOffset, result.kind === 'committed' ? result.snapshotId : -1n],
    ]);
    for (const pos of [2, 3, 9]) first!.deleted.add(pos);
    second!.deleted.add(0);
    expect(await readLiveIds(io, after)).toEqual(model.liveIds());
    // a third delta on the other file: the rewritten manifest's DELETED entry is not carried again
    const three = await writeRowDeltaDeletes(io, after, new Map([[second!.file.filePath, [1]]]));
    await producer.append(id, { dataFiles: [], ...three, decide: commitNow });
    const last = await deleteEntries(io, await load());
    expect(last.filter((e) => e.status === ENTRY_STATUS.DELETED)).toHaveLength(1);
    expect(last.filter((e) => e.status !== ENTRY_STATUS.DELETED)).toHaveLength(2);
  });

  it('aborts with data-files-gone when another writer changed the file vector since the merge', async () => {
    const { catalog, io, id, producer, load, model } = await setup();
    await appendIds(producer, catalog, io, id, model, 10);
    const [first] = [...model.files.values()];
    const base = await load();
    const ours = await writeRowDeltaDeletes(io, base, new Map([[first!.file.filePath, [1]]]));
    const theirs = await writeRowDeltaDeletes(io, base, new Map([[first!.file.filePath, [7]]]));
    expect((await producer.append(id, { dataFiles: [], ...theirs, decide: commitNow })).kind).toBe(
      'committed',
    );
    const before = await load();
    const result = await producer.append(id, { dataFiles: [], ...ours, decide: commitNow });
    expect(result).toMatchObject({ kind: 'aborted', conflict: DATA_FILES_GONE });
    expect(result.kind === 'aborted' && result.reason).toMatch(/deletion vector of 1 data file\(s\) changed/);
    expect(branchHead(await load(), 'main')!.snapshotId).toBe(branchHead(before, 'main')!.snapshotId);
    // planned again on the new table, it merges with their vector
    const again = await writeRowDeltaDeletes(io, before, new Map([[first!.file.filePath, [1]]]));
    expect(await readDeletionVector(io, again.deleteFiles[0]!)).toEqual([1, 7]);
    expect((await producer.append(id, { dataFiles: [], ...again, decide: commitNow })).kind).toBe(
      'committed',
    );
  });

  it('reports data files that are not live, and refuses vectors on v2 tables', async () => {
    const { catalog, io, id, producer, load, model } = await setup();
    await appendIds(producer, catalog, io, id, model, 3);
    const deletes = await writeRowDeltaDeletes(io, await load(), new Map([['file:///nowhere.parquet', [0]]]));
    expect(deletes).toEqual({ deleteFiles: [], replacedDeleteFiles: [], gone: ['file:///nowhere.parquet'] });
    const [file] = [...model.files.values()];
    const v2 = await setup({ 'format-version': '2' });
    await expect(
      writeDeletionVectors(v2.io, await v2.load(), [{ dataFile: file!.file, positions: [0] }]),
    ).rejects.toThrow(/deletion vectors are written to v3 tables only \(v2\)/);
    await expect(
      writeDeletionVectors(io, await load(), [{ dataFile: file!.file, positions: [3] }]),
    ).rejects.toThrow(/within 0..2, got 3..3/);
    const vector = await writeDeletionVectors(io, await load(), [{ dataFile: file!.file, positions: [0] }]);
    const v2File = await writeIds(v2.io, await v2.load(), [1n]);
    await expect(
      v2.producer.append(v2.id, {
        dataFiles: [v2File],
        deleteFiles: vector as DataFile[],
        decide: commitNow,
      }),
    ).rejects.toThrow(/deletion vectors are committed to v3 tables only/);
  });

  it('random row deltas with re-inserts read the same in-process and with PyIceberg', async () => {
    const { catalog, io, id, producer, load, model, dir } = await setup();
    const rng = new Rng(11);
    for (let i = 0; i < 4; i++) await appendIds(producer, catalog, io, id, model, 20 + rng.int(30));
    for (let i = 0; i < 12; i++) {
      const delta = await randomRowDelta(rng, producer, catalog, io, id, model, {
        maxFiles: 3,
        maxRows: 6,
        reinsert: true,
      });
      expect(delta?.result.kind ?? 'committed').toBe('committed');
      expect(await readLiveIds(io, await load())).toEqual(model.liveIds());
    }
    const metadata = await load();
    const live = (await deleteEntries(io, metadata)).filter((e) => e.status !== ENTRY_STATUS.DELETED);
    const targets = live.map((e) => e.dataFile.referencedDataFile);
    expect(new Set(targets).size).toBe(targets.length); // at most one live vector per data file
    const read = await readWithPyIceberg(
      { kind: 'sql', uri: `sqlite:///${join(dir, 'catalog.db')}`, warehouse: `file://${dir}/wh`, name: 'c' },
      'table',
      { table: 'db.t' },
    );
    const ids = read.rows.map((r) => BigInt(r.id as number)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(ids).toEqual(model.liveIds());
  });
});
