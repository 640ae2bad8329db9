// Snapshot expiry and orphan cleanup read manifest lists and manifests (and
// delete files) several at a time; this seeded property test checks that they
// do what one file at a time does. Each seed builds a random history on a
// SQLite catalog (appends of 1-3 files merged into fewer manifests, another
// engine's replaces that leave files only older snapshots reach, tags with and
// without a max age, manifest lists another engine's expiry already deleted),
// copies the catalog, and expires the same table state twice: one file at a
// time and 16 at a time, through a FileIO that answers each call after a
// seeded number of event-loop turns (so concurrent reads complete out of
// order) and records deletes instead of doing them. Both must delete the same
// files, each once; then the deletes are done and every file a kept snapshot
// reaches must still exist, every file only removed snapshots reached must be
// gone. Orphan cleanup on the result must find the same orphans either way.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../../src/catalog/sql/open-sql-catalog.ts';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { expiryPolicy, planSnapshotExpiry } from '../../../src/iceberg/snapshot-expiry.ts';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import type { FileInfo, FileIO, WriteOptions } from '../../../src/io/file-io.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { mapConcurrently } from '../../../src/maintenance/concurrent-map.ts';
import { type ExpiryResult, SnapshotExpiry } from '../../../src/maintenance/expire-snapshots.ts';
import { type OrphanResult, removeOrphanFiles } from '../../../src/maintenance/orphan-files.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { Rng } from '../../sim/rng.ts';
import { commitForeignReplace } from '../../support/foreign-replace.ts';
import { missingFiles, reachableFiles } from '../../support/reachable-files.ts';
import { TEMP_TABLE as id, tempSqlTable } from '../../support/temp-sql-table.ts';
import { tinyDataFile } from '../../support/tiny-data-file.ts';

const SEEDS = 12;
const CONCURRENCY = 16;

/** One turn of the event loop. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Local files, each call answered after a seeded number of event-loop turns; calls in flight counted. */
class ShuffledIO implements FileIO {
  readonly deleted: string[] = [];
  maxInFlight = 0;
  #inFlight = 0;
  readonly #inner = new LocalFileIO();
  readonly #rng: Rng;
  /** Record deletes, do none. */
  readonly #recordOnly: boolean;

  constructor(rng: Rng, recordOnly: boolean) {
    this.#rng = rng;
    this.#recordOnly = recordOnly;
  }

  async #late<T>(run: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    try {
      for (let turns = this.#rng.int(4); turns > 0; turns--) await turn();
      return await run();
    } finally {
      this.#inFlight--;
    }
  }

  read(path: string): Promise<Uint8Array> {
    return this.#late(() => this.#inner.read(path));
  }
  write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.#late(() => this.#inner.write(path, data, options));
  }
  exists(path: string): Promise<boolean> {
    return this.#late(() => this.#inner.exists(path));
  }
  delete(path: string): Promise<void> {
    return this.#late(async () => {
      this.deleted.push(path);
      if (!this.#recordOnly) await this.#inner.delete(path);
    });
  }
  list(prefix: string): AsyncIterable<FileInfo> {
    return this.#inner.list(prefix);
  }
}

/** A random history on a fresh table; returns its folder, clock and the files a removed snapshot's list no longer has. */
async function randomHistory(rng: Rng) {
  const t = await tempSqlTable({ 'commit.manifest.min-count-to-merge': String(rng.range(2, 6)) });
  let clock = 0;
  let files = 0;
  const steps = rng.range(4, 20);
  for (let step = 0; step < steps; step++) {
    clock += rng.range(100, 1_000);
    const head = branchHead((await t.catalog.loadTable(id)).metadata);
    const draw = rng.next();
    if (head && draw < 0.15) {
      await commitForeignReplace(t.catalog, t.io, id, {
        snapshotId: BigInt(1_000_000 + step),
        timestampMs: clock,
      });
    } else if (head && draw < 0.25) {
      const maxRefAgeMs = rng.pick([undefined, 1_000, 100_000]);
      await t.catalog.commitTable(
        id,
        [],
        [
          {
            action: 'set-snapshot-ref',
            refName: `tag${step}`,
            type: 'tag',
            snapshotId: head.snapshotId,
            ...(maxRefAgeMs === undefined ? {} : { maxRefAgeMs }),
          },
        ],
      );
    } else {
      const dataFiles: DataFile[] = [];
      for (let n = rng.range(1, 3); n > 0; n--) {
        const filePath = `file://${t.dir}/wh/db/t/data/f${files++}.parquet`;
        await t.io.write(filePath, new Uint8Array(8));
        dataFiles.push(tinyDataFile(filePath));
      }
      const offsets = JSON.stringify({ t: { 0: step + 1 } });
      const at = clock;
      await new SnapshotProducer(t.catalog, t.io, { now: () => at }).append(id, {
        dataFiles,
        decide: () => ({ kind: 'commit', summary: { 'floe.offsets.c': offsets } }),
      });
    }
  }
  return { t, clock };
}

describe('maintenance reading several files at once', () => {
  it('mapConcurrently keeps the order, bounds the calls in flight, and stops at the first failure', async () => {
    const rng = new Rng(7);
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const squares = await mapConcurrently(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        started.push(i);
        inFlight++;
        most = Math.max(most, inFlight);
        for (let turns = rng.int(4); turns > 0; turns--) await turn();
        inFlight--;
        return i * i;
      },
    );
    expect(squares).toEqual(Array.from({ length: 50 }, (_, i) => i * i));
    expect(started).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(4);
    started.length = 0;
    const failing = mapConcurrently(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        started.push(i);
        await turn();
        if (i === 5) throw new Error('five');
        inFlight++;
        await turn();
        inFlight--;
      },
    );
    await expect(failing).rejects.toThrow('five');
    expect(inFlight).toBe(0); // nothing still running once it rejected
    expect(started.length).toBeLessThan(12);
    await expect(mapConcurrently([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });

  it('expiry deletes the same files with 16 reads in flight as with one, on random histories', async () => {
    let mostInFlight = 0;
    let deletedTotal = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = new Rng(seed);
      const { t, clock } = await randomHistory(rng);
      const before = (await t.catalog.loadTable(id)).metadata;
      const now = clock + rng.range(0, 2_000);
      const policy = {
        maxSnapshotAgeMs: rng.pick([0, 500, 2_000, 5_000]),
        minSnapshotsToKeep: rng.range(1, 3),
      };
      // Another engine's expiry got to some of the removed snapshots' manifest lists first.
      const plan = planSnapshotExpiry(before, now, { ...expiryPolicy(before.properties), ...policy });
      for (const snapshot of plan.removed) if (rng.chance(0.2)) await t.io.delete(snapshot.manifestList);
      const reachedBefore = await reachableFiles(t.io, before);
      await t.catalog.close();
      const runs: { readonly catalog: Catalog; readonly io: ShuffledIO; readonly result: ExpiryResult }[] =
        [];
      for (const [copy, concurrency] of [
        ['one.db', 1],
        ['many.db', CONCURRENCY],
      ] as const) {
        copyFileSync(join(t.dir, 'catalog.db'), join(t.dir, copy));
        const catalog = openCatalog(t.dir, copy);
        const io = new ShuffledIO(rng.fork(copy), true);
        const result = await new SnapshotExpiry(catalog, io, { now: () => now, policy, concurrency }).expire(
          id,
        );
        runs.push({ catalog, io, result });
      }
      const [one, many] = runs as [(typeof runs)[number], (typeof runs)[number]];
      const context = `seed ${seed}`;
      expect(many.result, context).toEqual(one.result);
      expect([...many.io.deleted].sort(), context).toEqual([...one.io.deleted].sort());
      expect(new Set(many.io.deleted).size, context).toBe(many.io.deleted.length);
      expect(one.io.maxInFlight, context).toBe(1);
      expect(many.io.maxInFlight, context).toBeLessThanOrEqual(CONCURRENCY);
      mostInFlight = Math.max(mostInFlight, many.io.maxInFlight);
      deletedTotal += many.io.deleted.length;

      // Done for real: what kept snapshots reach is there, what only removed ones reached is gone.
      for (const path of many.io.deleted) await t.io.delete(path);
      const after = (await many.catalog.loadTable(id)).metadata;
      expect(after.snapshots.length, context).toBe(before.snapshots.length - many.result.snapshotsRemoved);
      expect(await missingFiles(t.io, after), context).toEqual([]);
      const reachedAfter = await reachableFiles(t.io, after);
      for (const path of reachedBefore)
        expect(await t.io.exists(path), `${context}: ${path}`).toBe(reachedAfter.has(path));

      // Orphans of the expired table (the other copy's metadata file among them): the same found either way.
      const orphans: { readonly found: OrphanResult; readonly deleted: string[] }[] = [];
      for (const concurrency of [1, CONCURRENCY]) {
        const io = new ShuffledIO(rng.fork(`orphans${concurrency}`), true);
        const found = await removeOrphanFiles(many.catalog, io, id, {
          olderThanMs: 0,
          now: () => Date.now() + 60_000,
          concurrency,
        });
        orphans.push({ found, deleted: io.deleted.sort() });
      }
      const [oneOrphans, manyOrphans] = orphans as [(typeof orphans)[number], (typeof orphans)[number]];
      expect(manyOrphans.deleted, context).toEqual(oneOrphans.deleted);
      expect(manyOrphans.found.reachable, context).toBe(oneOrphans.found.reachable);
      expect(manyOrphans.deleted.length, context).toBe(manyOrphans.found.orphans.length);
      for (const run of runs) await run.catalog.close();
    }
    // The reads did overlap, and expiry had work to do.
    expect(mostInFlight).toBeGreaterThan(1);
    expect(deletedTotal).toBeGreaterThan(SEEDS);
  }, 120_000);
});

function openCatalog(dir: string, file: string): Catalog {
  return openSqlCatalog({
    name: 'c',
    uri: join(dir, file),
    warehouse: `file://${dir}/wh`,
    io: new LocalFileIO(),
  });
}
