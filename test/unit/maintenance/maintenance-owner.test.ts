// Which worker of a group maintains a table: case by case on the decision
// alone (maintenance-owner.ts), then a group of simulated workers over a
// sequence of assignments, where exactly one maintains whenever the first
// partition is held.
import { describe, expect, it } from 'vitest';
import {
  decideMaintainer,
  firstRecordedPartition,
  type MaintainerInputs,
  type RecordedPartition,
} from '../../../src/maintenance/maintenance-owner.ts';

/** connector -> topic -> partitions recorded (offsets made up: the decision never reads them). */
function recorded(spec: Record<string, Record<string, number[]>>): MaintainerInputs['recorded'] {
  return new Map(
    Object.entries(spec).map(([connector, topics]) => [
      connector,
      new Map(Object.entries(topics).map(([topic, ps]) => [topic, new Map(ps.map((p) => [p, 100n]))])),
    ]),
  );
}

const key = (p: RecordedPartition) => `${p.connector}/${p.topic}:${p.partition}`;
const readsAll = () => true;
const holding =
  (...held: string[]) =>
  (p: RecordedPartition) =>
    held.includes(key(p));

describe('decideMaintainer', () => {
  it('a table with no offsets of this worker’s connectors is maintained by whoever commits to it', () => {
    expect(decideMaintainer({ recorded: new Map(), reads: readsAll, holds: () => false })).toEqual({
      kind: 'maintain',
      reason: 'no-offsets',
    });
    // A connector whose recorded topics are all empty maps counts as none too.
    expect(
      decideMaintainer({ recorded: recorded({ orders: { t: [] } }), reads: readsAll, holds: () => false })
        .kind,
    ).toBe('maintain');
  });

  it('the worker holding the lowest recorded partition maintains; one holding only others skips', () => {
    const table = recorded({ orders: { t: [3, 1, 2, 0] } });
    const first = { connector: 'orders', topic: 't', partition: 0 };
    expect(decideMaintainer({ recorded: table, reads: readsAll, holds: holding('orders/t:0') })).toEqual({
      kind: 'maintain',
      reason: 'holds-first-partition',
      first,
    });
    expect(
      decideMaintainer({
        recorded: table,
        reads: readsAll,
        holds: holding('orders/t:1', 'orders/t:2', 'orders/t:3'),
      }),
    ).toEqual({ kind: 'skip', reason: 'another-worker', first });
  });

  it('partitions compare as numbers, topics and connectors by code units (the same on every worker)', () => {
    // 10 > 9 as numbers (as strings "10" < "9").
    expect(
      firstRecordedPartition({ recorded: recorded({ c: { t: [10, 9] } }), reads: readsAll })?.partition,
    ).toBe(9);
    // Code units: "B" < "a" (a locale compare would say otherwise).
    expect(
      firstRecordedPartition({ recorded: recorded({ c: { a: [0], B: [5] } }), reads: readsAll })?.topic,
    ).toBe('B');
    // The connector name comes first: a lower topic of a later connector does not win.
    expect(
      firstRecordedPartition({
        recorded: recorded({ zeta: { a: [0] }, alpha: { z: [7] } }),
        reads: readsAll,
      }),
    ).toEqual({ connector: 'alpha', topic: 'z', partition: 7 });
  });

  it('a topic the connector no longer reads does not count: its partitions are held by nobody', () => {
    const table = recorded({ orders: { 'a-old': [0], current: [4, 5] } });
    const reads = (_: string, topic: string) => topic !== 'a-old';
    expect(decideMaintainer({ recorded: table, reads, holds: holding('orders/current:4') })).toEqual({
      kind: 'maintain',
      reason: 'holds-first-partition',
      first: { connector: 'orders', topic: 'current', partition: 4 },
    });
    // Reading it, the old topic's partition 0 would be first, held by nobody here.
    expect(
      decideMaintainer({ recorded: table, reads: readsAll, holds: holding('orders/current:4') }).kind,
    ).toBe('skip');
    // Only topics no longer read: as if nothing were recorded.
    expect(
      decideMaintainer({ recorded: recorded({ orders: { 'a-old': [0] } }), reads, holds: () => false }).kind,
    ).toBe('maintain');
  });

  it('holding any partition of the first topic but the first is not enough', () => {
    const table = recorded({ orders: { a: [0, 1], b: [0] } });
    expect(
      decideMaintainer({ recorded: table, reads: readsAll, holds: holding('orders/a:1', 'orders/b:0') }).kind,
    ).toBe('skip');
  });

  it('over a group’s changing assignments, exactly one worker maintains while the first partition is held', () => {
    const table = recorded({ orders: { t: [0, 1, 2, 3, 4, 5] } });
    // Each step: which worker holds which partitions (a cooperative rebalance moves some).
    const assignments: Array<Record<string, number[]>> = [
      { w1: [0, 1, 2], w2: [3, 4, 5] },
      { w1: [0, 1], w2: [3, 4], w3: [2, 5] },
      { w1: [], w2: [3, 4, 0], w3: [2, 5, 1] }, // w1 stopped: its partitions moved
      { w2: [0, 1, 2, 3, 4, 5] },
      { w2: [1, 2, 3, 4, 5] }, // partition 0 revoked, not yet assigned: nobody maintains
    ];
    const maintainers = assignments.map((workers) =>
      Object.entries(workers)
        .filter(
          ([, held]) =>
            decideMaintainer({
              recorded: table,
              reads: readsAll,
              holds: (p) => held.includes(p.partition),
            }).kind === 'maintain',
        )
        .map(([worker]) => worker),
    );
    expect(maintainers).toEqual([['w1'], ['w1'], ['w2'], ['w2'], []]);
  });
});
