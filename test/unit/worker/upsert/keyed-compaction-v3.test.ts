// floe's compaction of a keyed v3 table (deletion vectors): a data file the
// compaction keeps must keep its deletion vector, or the rows it deletes
// come back. Found by the keyed schedules (FLOE_KEYED_SEED=444): one row delta
// writes the vectors of several data files into one Puffin file, so the
// replace snapshot must remove entries by file AND blob offset (vectorKey),
// not by path, or the kept file's vector goes with the rewritten ones.
import { afterEach, describe, expect, it } from 'vitest';
import { compactTable } from '../../../../src/maintenance/compaction-run.ts';
import { oneWorkerWorld } from './keyed-worker.ts';
import { TABLE } from './keyed-world.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const done of cleanup.splice(0)) done();
});

describe('floe compaction of a keyed v3 table', () => {
  it('a file it keeps keeps its deletion vector (the deleted rows stay deleted)', async () => {
    const { world, commit } = await oneWorkerWorld(
      { partitions: 2, keys: 8, orderBy: false, keyMode: 'fields', formatVersion: 3 },
      cleanup,
    );
    await commit([
      [0, '001'],
      [2, '001'],
      [4, '001'],
      [6, '001'],
    ]); // one file of partition 0, four rows
    for (const key of [1, 3, 5, 7]) await commit([[key, '001']]); // four small files of partition 1
    await commit([
      [2, null],
      [1, '002'],
      [3, null],
    ]); // one row delta: vectors on partition 0's file and on two of partition 1's, in one delete manifest
    const before = await world.read();
    expect(sorted(before.rows)).toEqual(sorted(world.replay(before.offsets)));
    const result = await compactTable(world.inner, world.io, TABLE, { quietMs: 0, force: true });
    expect(result.filesRewritten).toBeGreaterThan(0);
    const { offsets, rows, twice } = await world.read();
    const text = JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(twice, text).toEqual([]);
    expect(sorted(rows), text).toEqual(sorted(world.replay(offsets)));
  });
});

function sorted<T>(map: Map<number, T>): Array<[number, T]> {
  return [...map].sort((a, b) => a[0] - b[0]);
}
