// Named schedules the random ones (keyed-schedules.test.ts) found: a worker's
// shared key index part (rows of files no Kafka partition is attributed to,
// e.g. after Spark's rewrite_data_files) built before the table changed, used
// with a partition part built after. Each test fails on the index as it was
// (shared part built once per table, never refreshed while a partition part
// was rebuilt): a key live twice, and a newer change lost to a deleted row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineRewrite } from './keyed-engine-rewrite.ts';
import { KeyedWorker } from './keyed-worker.ts';
import { KeyedWorld, type KeyedWorldOptions, TABLE } from './keyed-world.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const done of cleanup.splice(0)) done();
});

function setUp(options: Partial<KeyedWorldOptions>) {
  const world = new KeyedWorld({ partitions: 2, keys: 4, orderBy: false, keyMode: 'fields', ...options });
  const dir = mkdtempSync(join(tmpdir(), 'floe-keyed-stale-'));
  cleanup.push(
    () => world.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const a = new KeyedWorker(world, 'a', join(dir, 'a'));
  const b = new KeyedWorker(world, 'b', join(dir, 'b'));
  const rewriteAll = async () =>
    expect(await engineRewrite(world.inner, world.io, TABLE, (paths) => paths)).toBe(true);
  const expectReplay = async () => {
    const { offsets, rows, twice } = await world.read();
    expect(twice).toEqual([]);
    expect([...rows].sort()).toEqual([...(await world.model(rows, offsets))].sort());
    for (const [p, log] of world.logs.entries())
      if (log.length > 0) expect(offsets.get(p)).toBe(BigInt(log.length));
  };
  return { world, a, b, rewriteAll, expectReplay };
}

describe('keyed index: the shared part follows the table', () => {
  it('a partition taken over after a rewrite finds its keys in the rewritten file (no second row)', async () => {
    const { world, a, b, rewriteAll, expectReplay } = setUp({});
    await a.assign([0]);
    await b.assign([1]);
    world.change(0, '001');
    world.change(1, '001');
    await a.read();
    await a.commit(); // a's shared part: built now, no unattributed file yet
    await b.read();
    await b.commit();
    await rewriteAll(); // key 1's row now lives in an unattributed file
    await b.revoke(1);
    await a.assign([1]);
    world.change(1, '002');
    await a.read();
    await a.commit();
    await expectReplay();
  });

  it('order.by: a key another worker deleted from a rewritten file takes an older version again', async () => {
    const { world, a, b, rewriteAll, expectReplay } = setUp({ orderBy: true });
    await a.assign([0, 1]);
    world.change(1, '010');
    await a.read();
    await a.commit();
    await rewriteAll();
    await a.crash(); // restarted: its shared part holds key 1 (version 010) of the rewritten file
    world.change(0, '001');
    await a.read();
    await a.commit();
    await a.revoke(1);
    await b.assign([1]);
    world.change(1, null); // b deletes key 1's row of the rewritten file
    await b.read();
    await b.commit();
    await b.revoke(1);
    await a.assign([1]);
    world.change(1, '005'); // after the delete, an older version is the key's row again
    await a.read();
    await a.commit();
    await expectReplay();
  });
});

describe('keyed index: a partition part follows the offsets the fence compares', () => {
  it("a part built before a zombie's last commit is rebuilt once a reload shows that commit (no second row)", async () => {
    const { world, a, b, expectReplay } = setUp({});
    await a.assign([0, 1]);
    world.change(1, '001');
    await a.read();
    await a.commit();
    await b.assign([1]); // the group gave partition 1 to b; a has not noticed (a zombie)
    world.change(3, '001');
    await b.read(); // b builds its part of partition 1 (offset 1)...
    b.discard(); // ...and drops the batch
    await a.read(); // the zombie commits key 3 first (the table records partition 1 at 1: not fenced)
    await a.commit();
    await a.lose(1);
    await b.assign([0]);
    await b.lose(0); // b re-reads its partitions from the tables: partition 1 now from 2
    world.change(3, '002');
    await b.read();
    await b.commit(); // an update of key 3, which b's part of partition 1 did not hold
    await expectReplay();
  });
});

describe('keyed index: truncate', () => {
  it('a truncate (cdc op t) deletes the rows of every partition of the topic the worker owns, also of one no batch touched since it was assigned', async () => {
    const { world, a, expectReplay } = setUp({ mode: 'cdc' });
    await a.assign([0, 1]);
    world.change(0, '001');
    world.change(1, '001');
    await a.read();
    await a.commit();
    await a.crash(); // restarted: no part is built until a batch touches its partition
    world.truncate(0);
    await a.read();
    await a.commit();
    const { rows, twice } = await world.read();
    expect(twice).toEqual([]);
    expect([...rows.keys()]).toEqual([]); // key 1 (partition 1) went too
    world.change(1, '002'); // the untouched partition's part, built now, no longer holds key 1
    await a.read();
    await a.commit();
    await expectReplay();
    expect([...(await world.read()).rows.keys()]).toEqual([1]);
  });

  it.each([2, 3] as const)(
    "v%i: a truncate read by one worker empties the rows of the other worker's partitions; its later changes of them apply",
    async (formatVersion) => {
      const { world, a, b, expectReplay } = setUp({ mode: 'cdc', keys: 6, formatVersion });
      await a.assign([0]);
      await b.assign([1]);
      for (const key of [0, 1, 2, 3, 4, 5]) world.change(key, '001');
      await a.read();
      await a.commit();
      await b.read();
      await b.commit(); // b's part of partition 1 holds keys 1, 3, 5
      world.truncate(0); // Debezium: one truncate record per table, on one partition
      await a.read();
      await a.commit();
      const emptied = await world.read();
      expect(emptied.twice).toEqual([]);
      expect([...emptied.rows.keys()]).toEqual([]); // as Postgres: empty, whoever owns partition 1
      await expectReplay();
      world.change(1, '002'); // b's part still points at key 1's truncated row
      world.change(3, null); // and at key 3's
      world.change(0, '002');
      await b.read();
      await b.commit();
      // v3: b merged its vectors with the ones it knew, not the truncate's: its commit is
      // fenced (data-files-gone), its index rebuilt, the changes read again.
      expect(world.events).toEqual(formatVersion === 3 ? ['b: fenced (deletes)'] : []);
      await b.read();
      await b.commit();
      await a.read();
      await a.commit();
      await expectReplay();
      expect([...(await world.read()).rows.keys()].sort()).toEqual([0, 1]);
    },
  );

  it('a truncate taken into a batch kept open: rows another worker commits meanwhile stay (changes after the truncate)', async () => {
    const { world, a, b, expectReplay } = setUp({ mode: 'cdc', keys: 4 });
    await a.assign([0]);
    await b.assign([1]);
    world.change(1, '001');
    await b.read();
    await b.commit();
    world.truncate(0);
    await a.read(); // the truncate sees key 1; the batch stays open
    world.change(3, '001');
    await b.read();
    await b.commit(); // key 3 lands after the truncate was read
    await a.commit();
    await expectReplay();
    expect([...(await world.read()).rows.keys()]).toEqual([3]);
  });
});

describe('keyed index: a key of the shared part updated, then deleted', () => {
  it('order.by: the deleted row of the shared part does not come back (an older version after the delete is kept)', async () => {
    const { world, a, rewriteAll, expectReplay } = setUp({ partitions: 1, orderBy: true });
    await a.assign([0]);
    world.change(0, '046');
    await a.read();
    await a.commit();
    await rewriteAll();
    await a.crash(); // restarted: key 0 (046) is in the shared part
    world.change(0, null);
    world.change(0, '042'); // in one batch: the shared row deleted, 042 written to the partition's part
    await a.read();
    await a.commit();
    world.change(0, null); // 042 deleted: the partition's part forgets the key
    await a.read();
    await a.commit();
    world.change(0, '036'); // after the delete: the key's row, whatever the deleted 046 was
    await a.read();
    await a.commit();
    await expectReplay();
  });
});
