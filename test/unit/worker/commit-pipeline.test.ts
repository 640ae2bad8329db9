// Commits beside reading (docs/exactly-once.md, "Commits beside reading"), one
// precise schedule per rule; the simulation explores the others. A commit
// runner holds each sealed batch's commit until the script lets it go, so the
// test knows what the worker read while the commit was pending.
import { describe, expect, it } from 'vitest';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import type { CommitRunner } from '../../../src/worker/commit-pipeline.ts';
import { feed, record, routedSettings, settings, stack, table } from '../../support/in-process-connector.ts';
import { scriptedWorker } from '../../support/scripted-consumer.ts';

const tp = { topic: 't', partition: 0 };
const records = (from: number, to: number, kind = 'a') =>
  Array.from({ length: to - from }, (_, i) => record(0, from + i, { id: from + i, kind }));

/** Commits start only once released (or after `fallbackMs`, so a worker that waits for them does not hang). */
function heldCommits(fallbackMs = 2000) {
  const state = { begun: 0, ended: [] as Promise<unknown>[] };
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(() => release(), fallbackMs);
  const runner: CommitRunner = {
    start: (commit) => {
      const started = gate.then(() => {
        state.begun++;
        return commit();
      });
      state.ended.push(started);
      return started;
    },
    wait: (started) => started,
  };
  return {
    runner,
    state,
    release: () => {
      clearTimeout(timer);
      release();
    },
  };
}

/** Lets the worker's flag that a commit ended be set before the next poll returns. */
async function ended(commits: Promise<unknown>[]): Promise<void> {
  await Promise.all(commits);
  await new Promise((resolve) => setImmediate(resolve));
}

describe('commits beside reading', () => {
  it('reads the next batch while the sealed batch commits', async () => {
    const s = stack();
    const runtime = s.runtime(settings('piped', { kind: 'single', table: table('p') }, 10));
    const held = heldCommits();
    const seen: Array<{ begun: number; rows: number }> = [];
    const { worker, stop } = scriptedWorker(
      runtime,
      [tp],
      [
        async () => records(0, 10), // a full batch: sealed, its commit held
        async () => {
          seen.push({ begun: held.state.begun, rows: await s.rows(table('p')).catch(() => 0) });
          held.release();
          return records(10, 25);
        },
      ],
      { commitRunner: held.runner },
    );
    expect(await worker.run(stop.signal)).toBe(0);
    expect(seen).toEqual([{ begun: 0, rows: 0 }]); // the second poll came before the first commit began
    expect(await s.rows(table('p'))).toBe(25);
    expect((await s.offsets(table('p'), 'piped')).get(0)).toBe(25n);
  });

  it('a fenced sealed batch takes the batch read after it, and both are read again from the table', async () => {
    const s = stack();
    const runtime = s.runtime(settings('piped', { kind: 'single', table: table('f') }, 10));
    const seed = s.runtime(settings('seed', { kind: 'single', table: table('f') }));
    await seed.assign([tp]);
    await feed(seed, records(0, 1), 1);
    const held = heldCommits();
    const { worker, stop, consumer } = scriptedWorker(
      runtime,
      [tp],
      [
        async () => records(0, 10),
        async () => {
          // Another writer (the partition's next owner) records 5 for the connector meanwhile.
          await new SnapshotProducer(s.catalog, s.io).append(table('f'), {
            dataFiles: [],
            decide: () => ({ kind: 'commit', summary: { 'floe.offsets.piped': '{"t":{"0":5}}' } }),
          });
          held.release();
          return records(10, 15); // below maxRecords: stays open while the sealed batch is fenced
        },
        async () => {
          await ended(held.state.ended);
          return [];
        },
        async (context) => {
          expect(context.seeks).toEqual([{ ...tp, offset: 5n }]);
          return records(5, 20);
        },
      ],
      { commitRunner: held.runner },
    );
    expect(await worker.run(stop.signal)).toBe(0);
    expect(consumer().context.seeks).toEqual([{ ...tp, offset: 5n }]);
    expect(await s.rows(table('f'))).toBe(1 + 15); // the seed's row, then 5..19 once
    expect((await s.offsets(table('f'), 'piped')).get(0)).toBe(20n);
  });

  it('drops the batch read during a commit that moved a table past where that batch began', async () => {
    const s = stack();
    const routed = routedSettings(10);
    // Both route tables exist (another connector's rows), recording nothing for `routed`.
    const seed = s.runtime({ ...routed, name: 'seed' });
    await seed.assign([tp]);
    await feed(seed, [...records(0, 1, 'a'), ...records(1, 2, 'b')], 2);
    const runtime = s.runtime(routed);
    const held = heldCommits();
    const { worker, stop, consumer } = scriptedWorker(
      runtime,
      [tp],
      [
        async () => records(0, 10, 'a'), // sealed: nothing of it goes to table b
        async () => {
          // Another writer records 15 in table b meanwhile: b already holds 10..14 of `routed`.
          await new SnapshotProducer(s.catalog, s.io).append(table('b'), {
            dataFiles: [],
            decide: () => ({ kind: 'commit', summary: { 'floe.offsets.routed': '{"t":{"0":15}}' } }),
          });
          held.release();
          return records(10, 20, 'b'); // read from the offsets seen before the commit
        },
        async (context) => {
          expect(context.seeks).toEqual([{ ...tp, offset: 10n }]); // the open batch went
          return records(10, 20, 'b');
        },
      ],
      { commitRunner: held.runner },
    );
    expect(await worker.run(stop.signal)).toBe(0);
    expect(consumer().context.seeks).toEqual([{ ...tp, offset: 10n }]);
    expect(await s.rows(table('a'))).toBe(1 + 10);
    expect(await s.rows(table('b'))).toBe(1 + 5); // 15..19: b recorded 10..14 already
    expect((await s.offsets(table('b'), 'routed')).get(0)).toBe(20n);
  });
});
