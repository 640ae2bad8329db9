// Another writer's deletion vector on a file of this worker's partition, merged
// into (replaced by) this worker's own vector for that file (v3): the index
// part never applied those deletes, so after a failed commit its comparison with
// the table (index-sources.ts) must rebuild it, not keep it. With order.by a
// kept part still holds the deleted key's version, and the key's next change,
// with a lower version, was dropped: the key vanished from the table. Found in
// review of the compaction re-point change (a83221e); both cases fail without
// the UNSEEN_DELETES mark in followCommitFiles.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log.ts';
import { ConnectorRuntime } from '../../../../src/worker/connector-runtime.ts';
import { noMetrics } from '../../../../src/worker/worker-metrics.ts';
import { KeyedWorker } from './keyed-worker.ts';
import { KeyedWorld, TOPIC } from './keyed-world.ts';

const failing = { before: async () => Promise.reject(new Error('injected: catalog unavailable')) };

/** Commits key 4, then an update of key 2 (merging its DV on the file with the foreign one), then key 0 at '010' through one failed commit. */
async function mergeThenFail(world: KeyedWorld, w0: KeyedWorker): Promise<void> {
  world.change(4, '070');
  await w0.read();
  await w0.commit();
  world.change(2, '080');
  await w0.read();
  await w0.commit();
  world.change(0, '010');
  world.faults.push(failing);
  await w0.read();
  await expect(w0.commit()).rejects.toThrow('injected');
  world.faults.length = 0;
  w0.discard();
  await w0.read();
  await w0.commit();
}

it("a second connector's delete, merged into this worker's vector, then a failed commit (v3, order.by)", async () => {
  const world = new KeyedWorld({
    partitions: 1,
    keys: 10,
    orderBy: true,
    keyMode: 'fields',
    formatVersion: 3,
  });
  const dir = mkdtempSync(join(tmpdir(), 'floe-foreign-dv-'));
  try {
    const w0 = new KeyedWorker(world, 'w0', join(dir, 'w0'));
    await w0.assign([0]);
    world.change(0, '050');
    world.change(2, '060');
    await w0.read();
    await w0.commit();
    // another writer (its own connector, as a Spark DELETE would be) deletes key 0
    world.change(0, null);
    const tombstone = world.logs[0]!.pop()!;
    const other = new ConnectorRuntime({
      settings: { ...world.settings(join(dir, 'other')), name: 'other' },
      catalog: world.inner,
      io: world.io,
      log: silentLogger,
      metrics: noMetrics,
      producer: { sleep: async () => undefined, reconcileTimeoutMs: 60_000 },
    });
    await other.assign([{ topic: TOPIC, partition: 0 }]);
    await other.processRun([tombstone], 0, 1);
    await other.commit();
    await other.close();
    expect((await world.read()).rows.has(0)).toBe(false);
    await mergeThenFail(world, w0);
    const { rows, twice } = await world.read();
    expect(twice).toEqual([]);
    // key 0 has no row left: its new change is its row, whatever its version
    expect(rows.get(0)?.v).toBe('010');
  } finally {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it("another worker's truncate, merged into this worker's vector, then a failed commit (v3, cdc, order.by)", async () => {
  const world = new KeyedWorld({
    partitions: 2,
    keys: 10,
    orderBy: true,
    keyMode: 'fields',
    mode: 'cdc',
    formatVersion: 3,
  });
  const dir = mkdtempSync(join(tmpdir(), 'floe-foreign-dv-'));
  try {
    const w0 = new KeyedWorker(world, 'w0', join(dir, 'w0'));
    const w1 = new KeyedWorker(world, 'w1', join(dir, 'w1'));
    await w0.assign([0]);
    await w1.assign([1]);
    world.change(0, '050');
    world.change(2, '060');
    world.change(1, '001');
    await w0.read();
    await w0.commit();
    await w1.read();
    await w1.commit();
    // w1 reads a truncate: every row of the topic goes, w0's file too (a vector on it)
    world.truncate(1);
    await w1.read();
    await w1.commit();
    await mergeThenFail(world, w0);
    const { rows, twice } = await world.read();
    expect(twice).toEqual([]);
    expect(rows.get(0)?.v).toBe('010');
  } finally {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
