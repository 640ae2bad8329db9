// Collapsing a batch's changes: last per key by offset or by order.by, a key from
// two partitions refused, fanned-out deletes (probes) a no-op where another
// partition holds the key, truncates; and, over seeded random batches, the
// collapsed changes applied to a table equal a replay of every change.
import { describe, expect, it } from 'vitest';
import type { Row } from '../../../../src/iceberg/types.ts';
import {
  type Change,
  type KeyedChange,
  type OrderValue,
  supersedes,
} from '../../../../src/worker/upsert/change.ts';
import { ChangeCollapser } from '../../../../src/worker/upsert/change-collapse.ts';
import { Rng } from '../../../sim/rng.ts';

const at = (offset: number, partition = 0, topic = 't') => ({ topic, partition, offset: BigInt(offset) });
const upsert = (
  key: string,
  offset: number,
  row: Row = { v: offset },
  order?: number,
  partition = 0,
): KeyedChange => ({
  kind: 'upsert',
  key,
  row,
  order,
  location: at(offset, partition),
});
const del = (key: string, offset: number, order?: number, partition = 0): KeyedChange => ({
  kind: 'delete',
  key,
  order,
  location: at(offset, partition),
});

/** A delete sent to every table of a route (record-route.ts deleteTargets). */
const probe = (key: string, offset: number, partition = 0): KeyedChange => ({
  kind: 'delete',
  key,
  location: at(offset, partition),
  probe: true,
});

function collapse(changes: Change[]): ChangeCollapser {
  const collapser = new ChangeCollapser();
  for (const change of changes) expect(collapser.add(change).kind).not.toBe('error');
  return collapser;
}

describe('ChangeCollapser', () => {
  it('keeps the last change per key by offset', () => {
    const result = collapse([upsert('a', 1), upsert('b', 2), upsert('a', 3), del('b', 4), upsert('c', 5)]);
    expect(result.changes().map((c) => [c.kind, c.key, c.location.offset])).toEqual([
      ['upsert', 'a', 3n],
      ['delete', 'b', 4n],
      ['upsert', 'c', 5n],
    ]);
  });

  it('a Postgres key change (delete old key, tombstone, create new key) leaves the old key deleted and the new one', () => {
    const result = collapse([upsert('3', 2), del('3', 4), del('3', 5), upsert('4', 6)]);
    expect(result.changes().map((c) => [c.kind, c.key])).toEqual([
      ['delete', '3'],
      ['upsert', '4'],
    ]);
  });

  it('by order.by, an older change arriving later loses; ties go to the later offset', () => {
    const collapser = new ChangeCollapser();
    collapser.add(upsert('a', 1, { v: 'v5' }, 5));
    expect(collapser.add(upsert('a', 2, { v: 'v3' }, 3)).kind).toBe('stale');
    expect(collapser.add(del('a', 3, 4)).kind).toBe('stale');
    collapser.add(upsert('a', 4, { v: 'v5 again' }, 5));
    expect(collapser.staleCount).toBe(2);
    expect(collapser.changes()).toEqual([upsert('a', 4, { v: 'v5 again' }, 5)]);
  });

  it('orders a change without an order value (a tombstone) by its offset', () => {
    expect(supersedes({}, { order: 9 })).toBe(true);
    expect(supersedes({ order: 1 }, {})).toBe(true);
    expect(supersedes({ order: 1n }, { order: 2 })).toBe(false);
    expect(supersedes({ order: '2024-05-02' }, { order: '2024-05-01' })).toBe(true);
  });

  it('refuses a key arriving from a second partition, naming both places and the key', () => {
    const collapser = new ChangeCollapser();
    collapser.add(upsert('k', 10, { v: 1 }, undefined, 0));
    const outcome = collapser.add(upsert('k', 3, { v: 2 }, undefined, 1));
    expect(outcome.kind).toBe('error');
    if (outcome.kind !== 'error') return;
    expect(outcome.error.message).toBe(
      't[1]@3: key k is also in another partition (t[0]@10); upsert needs each key in one partition: key the topic by it (docs/upsert.md)',
    );
    expect(outcome.error.context).toMatchObject({ topic: 't', partition: 1, offset: '3', key: 'k' });
    expect(collapser.changes()).toHaveLength(1);
  });

  it('asks the key index where a key lives outside the batch', () => {
    const collapser = new ChangeCollapser({
      owner: (key) => (key === 'old' ? { topic: 't', partition: 2 } : undefined),
    });
    const outcome = collapser.add(upsert('old', 5));
    expect(outcome.kind === 'error' && outcome.error.message).toContain(
      'key old is also in another partition (t[2], in the key index)',
    );
    expect(collapser.add(upsert('new', 6)).kind).toBe('kept');
  });

  it('refuses a key arriving from a second topic feeding the table (same partition number), naming both places', () => {
    const collapser = new ChangeCollapser();
    expect(collapser.add(upsert('k', 10)).kind).toBe('kept');
    const outcome = collapser.add({ kind: 'upsert', key: 'k', row: { v: 2 }, location: at(3, 0, 'u') });
    expect(outcome.kind).toBe('error');
    if (outcome.kind !== 'error') return;
    expect(outcome.error.message).toBe(
      'u[0]@3: key k is also in another partition (t[0]@10); upsert needs each key in one partition: key the topic by it (docs/upsert.md)',
    );
    expect(outcome.error.context).toMatchObject({ topic: 'u', partition: 0, offset: '3', key: 'k' });
    const index = new ChangeCollapser({
      owner: (key) => (key === 'old' ? { topic: 't', partition: 0 } : undefined),
    });
    const fromIndex = index.add({ kind: 'delete', key: 'old', location: at(4, 0, 'u') });
    expect(fromIndex.kind === 'error' && fromIndex.error.message).toContain(
      'u[0]@4: key old is also in another partition (t[0], in the key index)',
    );
  });

  it('a probe (a delete fanned out to every routed table) is a no-op where another partition holds its key', () => {
    const collapser = new ChangeCollapser({
      owner: (key, where) =>
        key === 'held' && where.partition !== 1 ? { topic: 't', partition: 1 } : undefined,
    });
    expect(collapser.add(probe('held', 5)).kind).toBe('elsewhere');
    expect(collapser.add(probe('free', 6)).kind).toBe('kept');
    expect(collapser.add(upsert('k', 1, { v: 1 }, undefined, 1)).kind).toBe('kept');
    expect(collapser.add(probe('k', 7)).kind).toBe('elsewhere');
    expect(collapser.add(probe('k', 2, 2)).kind).toBe('elsewhere');
    expect(collapser.changes().map((c) => [c.kind, c.key, c.location.partition])).toEqual([
      ['delete', 'free', 0],
      ['upsert', 'k', 1],
    ]);
    // Not a probe: the same delete is a record error.
    expect(collapser.add(del('k', 8)).kind).toBe('error');
  });

  it("a probe of the partition holding the key is its delete: after another partition's probe, and against a part with a dead entry", () => {
    // Partition 1 holds k; partition 0's probe came first, before partition 1's part was loaded.
    const lazy = new ChangeCollapser({ holds: (key, where) => key === 'k' && where.partition === 1 });
    expect(lazy.add(probe('k', 3)).kind).toBe('kept');
    expect(lazy.add(probe('k', 4, 1)).kind).toBe('kept');
    expect(lazy.changes()).toEqual([{ ...probe('k', 4, 1), probe: false }]);

    // Partition 0 holds k live; partition 1's part remembers k deleted, so the index
    // names no other owner for partition 1 (key-index.ts owner): its upsert is refused.
    const dead = new ChangeCollapser({
      owner: (key, where) =>
        key === 'k' && where.partition !== 0 && where.partition !== 1 ? at(0, 0) : undefined,
      holds: (key, where) => key === 'k' && where.partition === 0,
    });
    expect(dead.add(probe('k', 3)).kind).toBe('kept');
    const outcome = dead.add(upsert('k', 4, { v: 4 }, undefined, 1));
    expect(outcome.kind === 'error' && outcome.error.message).toContain(
      't[1]@4: key k is also in another partition (t[0]@3)',
    );
  });

  it('a probe that found no key of its own yields to a later change of another partition; one the index gives its partition does not', () => {
    const none = new ChangeCollapser();
    expect(none.add(probe('k', 3)).kind).toBe('kept');
    expect(none.add(upsert('k', 4, { v: 4 }, undefined, 1)).kind).toBe('kept');
    expect(none.changes()).toEqual([upsert('k', 4, { v: 4 }, undefined, 1)]);

    // Partition 0's part of the index holds k: its probe is a real delete.
    const held = new ChangeCollapser({
      owner: (key, where) =>
        key === 'k' && where.partition !== 0 ? { topic: 't', partition: 0 } : undefined,
      holds: (key, where) => key === 'k' && where.partition === 0,
    });
    expect(held.add(probe('k', 3)).kind).toBe('kept');
    const outcome = held.add(upsert('k', 4, { v: 4 }, undefined, 1));
    expect(outcome.kind === 'error' && outcome.error.message).toContain(
      't[1]@4: key k is also in another partition (t[0]@3)',
    );
    expect(held.changes()).toEqual([{ ...probe('k', 3), probe: false }]);
  });

  it.each([11, 12, 13, 14, 15, 16, 17, 18])(
    "seed %i: probes never fail a batch, and the table ends as the replay of each key's own partition",
    (seed) => {
      const rng = new Rng(seed);
      const home = (key: string) => Number(key.slice(1)) % 3;
      // The table's live keys, each in its home partition's part of the index.
      const table = new Map<string, number>();
      for (let i = 0; i < 6; i++) table.set(`k${i}`, -i);
      const replay = new Map(table);
      let offset = 0;
      for (let batch = 0; batch < 300; batch++) {
        // A part is loaded when its partition first writes to the table in the batch
        // (keyed-indexes.ts): early in a batch the index answers for fewer partitions.
        const loaded = new Set<number>();
        const collapser = new ChangeCollapser({
          owner: (key, where) =>
            table.has(key) && where.partition !== home(key) && loaded.has(home(key))
              ? { topic: 't', partition: home(key) }
              : undefined,
          holds: (key, where) => table.has(key) && where.partition === home(key),
        });
        for (let n = rng.range(1, 12); n > 0; n--, offset++) {
          const key = `k${rng.int(9)}`;
          let change: KeyedChange;
          if (rng.chance(0.4)) change = probe(key, offset, rng.int(3));
          else if (rng.chance(0.5)) change = upsert(key, offset, { v: offset }, undefined, home(key));
          else change = del(key, offset, undefined, home(key));
          loaded.add(change.location.partition);
          const outcome = collapser.add(change);
          expect(outcome.kind, `${change.key} from ${change.location.partition}`).not.toBe('error');
          if (change.location.partition !== home(key)) continue;
          if (change.kind === 'upsert') replay.set(key, offset);
          else replay.delete(key);
        }
        // The plan deletes a key through the index part of the change's partition: its home's.
        for (const change of collapser.changes()) {
          if (change.kind === 'upsert') table.set(change.key, Number(change.location.offset));
          else if (change.location.partition === home(change.key)) table.delete(change.key);
        }
        expect([...table].sort(), `after batch ${batch}`).toEqual([...replay].sort());
      }
    },
  );

  it('a truncate drops the earlier changes of its partition and is handed on', () => {
    const collapser = new ChangeCollapser();
    collapser.add(upsert('a', 1));
    collapser.add(upsert('b', 1, { v: 1 }, undefined, 1));
    collapser.add({ kind: 'truncate', location: at(2) });
    collapser.add(upsert('c', 3));
    expect(collapser.changes().map((c) => c.key)).toEqual(['c', 'b']);
    expect(collapser.truncates()).toEqual([at(2)]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'seed %i: collapsed changes applied to a table equal the replay',
    (seed) => {
      const rng = new Rng(seed);
      const withOrder = rng.chance(0.5);
      const table = new Map<string, { row: Row; order?: OrderValue | undefined }>();
      for (let i = 0; i < 30; i++) table.set(`k${i}`, { row: { v: -i }, order: 0 });
      const replay = new Map(table);
      const deletedAt = new Map<string, { order?: OrderValue | undefined }>();
      const collapser = new ChangeCollapser();
      for (let offset = 0; offset < 400; offset++) {
        const key = `k${rng.int(40)}`;
        const order = withOrder ? rng.int(50) : undefined;
        const change: KeyedChange = rng.chance(0.2)
          ? del(key, offset, order)
          : upsert(key, offset, { v: offset }, order);
        // the dictionary replay: the newest version per key wins (deletes remember theirs in the batch)
        const current = replay.get(key);
        const prior = current ?? deletedAt.get(key);
        if (prior === undefined || supersedes(change, prior)) {
          if (change.kind === 'delete') {
            replay.delete(key);
            deletedAt.set(key, { order });
          } else {
            replay.set(key, { row: change.row, order });
            deletedAt.delete(key);
          }
        }
        collapser.add(change);
      }
      for (const change of collapser.changes()) {
        const current = table.get(change.key);
        if (current !== undefined && !supersedes(change, current)) continue; // the index's order check
        if (change.kind === 'delete') table.delete(change.key);
        else table.set(change.key, { row: change.row, order: change.order });
      }
      expect(Object.fromEntries(table)).toEqual(Object.fromEntries(replay));
    },
  );
});
