// Random schedules of the keyed runtime (mode upsert; every fifth seed mode cdc
// with Debezium truncates on any partition) on a real SQLite catalog,
// local files and LMDB, each seed one reproducible schedule: changes (upserts,
// tombstones, a new column now and then) over a small key space on three Kafka
// partitions; two worker processes reading, committing, dropping batches,
// killed -9 (restarted on the same key index folder), partitions moved between
// them cooperatively or lost (the old owner a zombie for a while); faults on
// floe's catalog commits (an unknown outcome that landed or not, a crash
// before or after the commit landed, another writer's commit first); and
// another engine rewriting live files into files no partition is attributed
// to (Spark's rewrite_data_files); floe's compaction run by another process,
// half the time with a worker's commit between its plan and its commit. After every step the table must equal the
// replay of each partition's log up to the offset it records, with one live
// row per key (after a truncate, of the changes it did not cut: KeyedWorld.model);
// at the end, with the faults gone, every change is in.
//
// FLOE_KEYED_SEED=<n> runs one seed (its schedule printed on failure);
// FLOE_KEYED_SEEDS=<n> runs n seeds (default 50: about 27 s on a quiet 2-core machine) from FLOE_KEYED_FROM (default 1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../../../src/catalog/catalog.ts';
import { compactTable } from '../../../../src/maintenance/compaction-run.ts';
import { Rng } from '../../../sim/rng.ts';
import { engineRewrite } from './keyed-engine-rewrite.ts';
import { KeyedWorker } from './keyed-worker.ts';
import { type Fault, KeyedWorld, type KeyedWorldOptions, TABLE } from './keyed-world.ts';

const one = process.env.FLOE_KEYED_SEED;
const count = Number(process.env.FLOE_KEYED_SEEDS ?? 50);
const from = Number(process.env.FLOE_KEYED_FROM ?? 1);
const seeds = one === undefined ? Array.from({ length: count }, (_, i) => from + i) : [Number(one)];
const indexRoot = mkdtempSync(join(tmpdir(), 'floe-keyed-schedules-'));
/** One key index folder per worker slot, reused by every seed and restart (openFresh empties a store). */
const indexDirs = [join(indexRoot, 'w0'), join(indexRoot, 'w1')];
process.on('exit', () => rmSync(indexRoot, { recursive: true, force: true }));

/**
 * Every fifth seed is mode cdc with Debezium truncates (op t) now and then, on
 * any partition, without order.by: a truncate read by one worker empties the
 * rows of partitions another worker owns, whose key index still remembers the
 * truncated keys' order values (docs/upsert.md, "Truncate").
 */
function worldOptions(seed: number): KeyedWorldOptions {
  const cdc = seed % 5 === 0;
  return {
    partitions: 3,
    keys: 12,
    orderBy: seed % 2 === 0 && !cdc,
    keyMode: seed % 4 < 2 ? 'fields' : 'kafka',
    formatVersion: seed % 3 === 0 ? 3 : 2,
    mode: cdc ? 'cdc' : 'upsert',
  };
}

async function runSchedule(seed: number): Promise<void> {
  const rng = new Rng(seed);
  const world = new KeyedWorld(worldOptions(seed));
  const log = world.events;
  try {
    const workers = [
      new KeyedWorker(world, 'w0', indexDirs[0]!),
      new KeyedWorker(world, 'w1', indexDirs[1]!),
    ];
    await workers[0]!.assign([0, 1]);
    await workers[1]!.assign([2]);
    /** Partitions lost by a zombie that has not noticed yet: partition -> the zombie. */
    const zombies = new Map<number, KeyedWorker>();
    const rewrite = async (label: string) => {
      // The test engine writes v2 manifests: on v3 tables only floe's compaction rewrites.
      if (world.options.formatVersion === 3) return;
      const done = await engineRewrite(world.inner, world.io, TABLE, (paths) =>
        rng.chance(0.5) ? paths : paths.filter(() => rng.chance(0.5)),
      ).catch((error: unknown) => {
        if ((error as Error).name === 'NoSuchTableError') return false;
        throw error;
      });
      if (done) log.push(`engine rewrite (${label})`);
    };
    let previous = new Map<number, bigint>();
    const check = async (step: string) => {
      if (!(await world.inner.tableExists(TABLE))) return;
      const { offsets, rows, twice } = await world.read();
      const where = `seed ${seed} after ${step}\n${log.join('\n')}`;
      expect(twice, where).toEqual([]);
      for (const [p, offset] of previous) expect(offsets.get(p) ?? 0n, where).toBeGreaterThanOrEqual(offset);
      previous = offsets;
      expect(sorted(rows), where).toEqual(sorted(await world.model(rows, offsets)));
    };
    for (let step = 0; step < 14; step++) {
      world.produce(rng, rng.range(3, 12));
      if (world.options.mode === 'cdc' && rng.chance(0.2)) {
        const p = rng.int(world.options.partitions);
        log.push(`truncate on partition ${p}`);
        world.truncate(p);
        world.produce(rng, rng.range(0, 4));
      }
      const worker = rng.pick(workers);
      const action = rng.weighted<string>([
        ['run', 6],
        ['revoke', 1],
        ['lose', 1],
        ['crash', 1],
        ['rewrite', 1],
        ['compact', 1],
      ]);
      log.push(`step ${step}: ${worker.name} ${action}`);
      if (action === 'run') {
        await worker.read(rng, 6);
        const fault = rng.weighted<Fault | 'none' | 'rewrite-first'>([
          ['none', 6],
          ['unknown-landed', 1],
          ['unknown-lost', 1],
          ['crash-before', 1],
          ['crash-after', 1],
          ['rewrite-first', 1],
        ]);
        if (fault === 'rewrite-first') world.faults.push({ before: () => rewrite('before a commit') });
        else if (fault !== 'none') world.faults.push(fault);
        if (fault !== 'none') log.push(`  fault ${typeof fault === 'string' ? fault : 'rewrite-first'}`);
        const end = rng.weighted([
          ['commit', 8],
          ['discard', 1],
          ['keep', 1],
        ] as const);
        log.push(`  ${end}`);
        if (end === 'commit') await worker.commit();
        else if (end === 'discard') worker.discard();
        world.faults.length = 0;
      } else if (action === 'revoke' || action === 'lose') {
        const other = workers.find((w) => w !== worker)!;
        const movable = [...worker.owned].filter((p) => !zombies.has(p));
        if (movable.length > 0) {
          const p = rng.pick(movable);
          log.push(`  partition ${p} to ${other.name}`);
          if (action === 'revoke') await worker.revoke(p);
          else zombies.set(p, worker);
          await other.assign([p]);
        }
      } else if (action === 'compact') {
        await compact(world, worker, rng);
      } else if (action === 'crash') {
        await worker.crash();
      } else {
        await rewrite('between steps');
      }
      // A zombie learns of its loss sooner or later.
      for (const [p, zombie] of zombies) {
        if (!rng.chance(0.4)) continue;
        log.push(`  ${zombie.name} notices partition ${p} is lost`);
        zombies.delete(p);
        await zombie.lose(p);
      }
      await check(`step ${step}`);
    }
    log.push('heal');
    for (const [p, zombie] of zombies) await zombie.lose(p);
    for (let round = 0; round < 4; round++) {
      for (const worker of workers) {
        await worker.read(rng, 1_000);
        await worker.commit();
      }
    }
    await check('heal');
    const { metadata } = await world.inner.loadTable(TABLE);
    expect(metadata.formatVersion).toBe(world.options.formatVersion);
    const ends = new Map(world.logs.map((records, p) => [p, BigInt(records.length)]));
    expect(previous, `seed ${seed}: caught up\n${log.join('\n')}`).toEqual(ends);
  } finally {
    world.close();
  }
}

/**
 * floe's compaction (forced, every small file), run by another process: half
 * the time the worker commits a batch between the compaction's plan and its
 * commit, so the compaction must see the deletes that batch added to the files
 * it rewrites.
 */
async function compact(world: KeyedWorld, worker: KeyedWorker, rng: Rng): Promise<void> {
  if (!(await world.inner.tableExists(TABLE))) return;
  let raced = rng.chance(0.5);
  const catalog = new Proxy(world.inner, {
    get(target, property, receiver) {
      if (property === 'commitTable') {
        return async (...args: Parameters<Catalog['commitTable']>) => {
          if (!raced) {
            raced = true;
            world.events.push(`  ${worker.name} commits while the compaction runs`);
            world.produce(rng, 4);
            await worker.read(rng, 6);
            await worker.commit();
          }
          return target.commitTable(...args);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const result = await compactTable(catalog, world.io, TABLE, { quietMs: 0, force: true });
  world.events.push(`  compaction: ${result.filesRewritten} files rewritten into ${result.filesAdded}`);
}

function sorted<T>(map: Map<number, T>): Array<[number, T]> {
  return [...map].sort((a, b) => a[0] - b[0]);
}

describe('keyed runtime: random schedules', () => {
  it(
    `table == replay after every step (${seeds.length} seeds)`,
    async () => {
      for (const seed of seeds) await runSchedule(seed);
    },
    Math.max(600_000, seeds.length * 10_000),
  ); // 10 s a seed: FLOE_KEYED_SEEDS=500 on a loaded machine
});
