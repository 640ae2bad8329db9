// What a compaction of one partition's files costs the key index
// (docs/upsert.md, "After a compaction"): the next row delta is fenced
// (`data-files-gone`) and the batch read again, but the index parts are not
// rebuilt from the whole table: the part of the partition the compaction did
// not touch is kept as it was (none of its files read), and the part of the
// compacted partition is re-pointed from the files the compaction wrote (only
// those read). The table then equals the replay, also after further updates
// and deletes of every key (each one hits its row where the re-pointed index
// says it is), on v2 (position-delete files) and v3 (deletion vectors).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compactTable } from '../../../../src/maintenance/compaction-run.ts';
import { fileAttribution } from '../../../../src/worker/upsert/file-attribution.ts';
import { tableLiveFiles } from '../../../../src/worker/upsert/table-live-files.ts';
import { oneWorkerWorld } from './keyed-worker.ts';
import { type KeyedWorld, TABLE } from './keyed-world.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const done of cleanup.splice(0)) done();
  vi.restoreAllMocks();
});

describe.each([2, 3] as const)('a compaction of one partition of a keyed v%i table', (formatVersion) => {
  it('re-points that partition from the new files and keeps the other part; no whole-table rebuild', async () => {
    const { world, worker, commit } = await oneWorkerWorld(
      { partitions: 2, keys: 40, orderBy: false, keyMode: 'fields', formatVersion },
      cleanup,
    );
    // Partition 1 (odd keys): one data file, never deleted from: nothing for compaction to do.
    await commit(Array.from({ length: 10 }, (_, i) => [2 * i + 1, 'a'] as [number, string]));
    // Partition 0 (even keys): six small files, with updates and a delete (position deletes).
    for (let round = 0; round < 6; round++) {
      await commit([
        [4 * round, `r${round}`],
        [4 * round + 2, `r${round}`],
        ...(round > 0 ? ([[4 * (round - 1), `u${round}`]] as Array<[number, string]>) : []),
        ...(round === 3 ? ([[2, null]] as Array<[number, null]>) : []),
      ]);
    }
    const before = await liveDataFiles(world);
    const result = await compactTable(world.inner, world.io, TABLE, { quietMs: 0, force: true });
    expect(result.filesRewritten).toBeGreaterThan(1);
    const after = await liveDataFiles(world);
    const added = after.filter((path) => !before.includes(path));
    const removed = before.filter((path) => !after.includes(path));
    // The precondition: only partition 0's files were rewritten.
    expect(removed.map((path) => fileAttribution(path)?.partition)).toEqual(removed.map(() => 0));
    expect(added.map((path) => fileAttribution(path)?.partition)).toEqual(added.map(() => 0));
    const partition1 = after.filter((path) => fileAttribution(path)?.partition === 1);
    expect(partition1).toHaveLength(1);

    // A batch updating a key of each partition: its deletes name a rewritten file, so it is
    // fenced and read again; the data files read meanwhile are what the index cost.
    const read = vi.spyOn(world.io, 'read');
    world.change(4, 'x');
    world.change(1, 'x');
    await worker.read();
    await worker.commit();
    expect(world.events.filter((e) => e.includes('fenced'))).toEqual(['w: fenced (deletes)']);
    await worker.read();
    await worker.commit();
    const paths = read.mock.calls.map(([path]) => path);
    read.mockRestore();
    expect(paths.filter((path) => partition1.includes(path))).toEqual([]);
    expect(paths.filter((path) => after.includes(path)).sort()).toEqual([...added].sort());

    // Every key updated, then some deleted: each delete must hit the row the index points at.
    await commit(Array.from({ length: 20 }, (_, key) => [key, 'y'] as [number, string]));
    await commit([
      [0, null],
      [1, null],
      [8, null],
      [9, 'z'],
      [10, 'z'],
    ]);
    const { offsets, rows, twice } = await world.read();
    expect(twice).toEqual([]);
    expect(sorted(rows)).toEqual(sorted(world.replay(offsets)));
    expect(world.events.filter((e) => e.includes('fenced'))).toHaveLength(1);
  });
});

async function liveDataFiles(world: KeyedWorld): Promise<string[]> {
  const metadata = (await world.inner.loadTable(TABLE)).metadata;
  return (await tableLiveFiles(world.io, metadata, 'r.k')).map((f) => f.path);
}

function sorted<T>(map: Map<number, T>): Array<[number, T]> {
  return [...map].sort((a, b) => a[0] - b[0]);
}
