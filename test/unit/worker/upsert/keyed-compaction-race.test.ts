// floe's compaction racing a keyed worker in another process: the worker's
// row delta (a position delete of a key's old row, the new row elsewhere)
// lands between the compaction's plan and its replace commit. The compaction
// must then not commit a rewrite of that file (the deleted row would come back
// and the key be live twice).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../../src/catalog/catalog.ts';
import { compactTable } from '../../../../src/maintenance/compaction-run.ts';
import { KeyedWorker } from './keyed-worker.ts';
import { KeyedWorld, TABLE } from './keyed-world.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const done of cleanup.splice(0)) done();
});

/** The catalog, but the first commit (the compaction's) waits for `first` to run. */
function racing(inner: Catalog, first: () => Promise<void>): Catalog {
  let pending: (() => Promise<void>) | undefined = first;
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'commitTable') {
        return async (...args: Parameters<Catalog['commitTable']>) => {
          const run = pending;
          pending = undefined;
          if (run !== undefined) await run();
          return target.commitTable(...args);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('floe compaction racing a keyed commit', () => {
  it('a row the worker deleted meanwhile does not come back: the compaction plans again', async () => {
    const world = new KeyedWorld({ partitions: 2, keys: 4, orderBy: false, keyMode: 'fields' });
    const dir = mkdtempSync(join(tmpdir(), 'floe-keyed-race-'));
    cleanup.push(
      () => world.close(),
      () => rmSync(dir, { recursive: true, force: true }),
    );
    const worker = new KeyedWorker(world, 'w', join(dir, 'w'));
    await worker.assign([0, 1]);
    for (const key of [1, 2, 3]) {
      world.change(key, '001');
      await worker.read();
      await worker.commit(); // one small file each
    }
    world.change(2, '002');
    world.change(3, '002');
    await worker.read();
    await worker.commit(); // position deletes, and two more small files
    const result = await compactTable(
      racing(world.inner, async () => {
        world.change(1, '002'); // key 1's old row deleted by position, its new row in a new file
        await worker.read();
        await worker.commit();
      }),
      world.io,
      TABLE,
      { quietMs: 0, force: true },
    );
    expect(result.replans).toBeGreaterThan(0); // the worker's commit came between plan and commit
    const { offsets, rows, twice } = await world.read();
    expect(
      twice,
      `compaction: ${JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
    ).toEqual([]);
    expect([...rows].sort()).toEqual([...world.replay(offsets)].sort());
  });
});
