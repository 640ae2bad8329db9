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
    const collapser = new ChangeCollapser((key) =>
      key === 'old' ? { topic: 't', partition: 2 } : undefined,
    );
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
    const index = new ChangeCollapser((key) => (key === 'old' ? { topic: 't', partition: 0 } : undefined));
    const fromIndex = index.add({ kind: 'delete', key: 'old', location: at(4, 0, 'u') });
    expect(fromIndex.kind === 'error' && fromIndex.error.message).toContain(
      'u[0]@4: key old is also in another partition (t[0], in the key index)',
    );
  });

  it('a probe (a delete fanned out to every routed table) is a no-op where another partition holds its key', () => {
    const collapser = new ChangeCollapser((key, where) =>
      key === 'held' && where.partition !== 1 ? { topic: 't', partition: 1 } : undefined,
    );
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

  it('a probe that found no key of its own yields to a later change of another partition; one the index gives its partition does not', () => {
    const none = new ChangeCollapser();
    expect(none.add(probe('k', 3)).kind).toBe('kept');
    expect(none.add(upsert('k', 4, { v: 4 }, undefined, 1)).kind).toBe('kept');
    expect(none.changes()).toEqual([upsert('k', 4, { v: 4 }, undefined, 1)]);

    // Partition 0's part of the index holds k: its probe is a real delete.
    const held = new ChangeCollapser((key, where) =>
      key === 'k' && where.partition !== 0 ? { topic: 't', partition: 0 } : undefined,
    );
    expect(held.add(probe('k', 3)).kind).toBe('kept');
    const outcome = held.add(upsert('k', 4, { v: 4 }, undefined, 1));
    expect(outcome.kind === 'error' && outcome.error.message).toContain(
      't[1]@4: key k is also in another partition (t[0], in the key index)',
    );
    expect(held.changes()).toEqual([probe('k', 3)]);
  });

  it.each([11, 12, 13, 14, 15, 16])(
    'seed %i: probes never fail a batch and change only keys their partition owns',
    (seed) => {
      const rng = new Rng(seed);
      const owner = (key: string) => Number(key.slice(1)) % 3;
      // The table holds k0..k29, each in its owner's part of the index.
      const inTable = (key: string) => Number(key.slice(1)) < 30;
      const collapser = new ChangeCollapser((key, where) =>
        inTable(key) && where.partition !== owner(key) ? { topic: 't', partition: owner(key) } : undefined,
      );
      const lastOwn = new Map<string, KeyedChange>();
      for (let offset = 0; offset < 400; offset++) {
        const key = `k${rng.int(40)}`;
        let change: KeyedChange;
        if (rng.chance(0.3)) change = probe(key, offset, rng.int(3));
        else if (rng.chance(0.5)) change = upsert(key, offset, { v: offset }, undefined, owner(key));
        else change = del(key, offset, undefined, owner(key));
        const outcome = collapser.add(change);
        expect(outcome.kind).not.toBe('error');
        if (change.location.partition === owner(key)) lastOwn.set(key, change);
        else expect(outcome.kind === 'elsewhere' || !inTable(key)).toBe(true);
      }
      // afterDelete is the collapse's own mark (an upsert after a delete of the batch).
      const plain = (c: KeyedChange | undefined) => (c === undefined ? c : { ...c, afterDelete: undefined });
      for (const change of collapser.changes()) {
        const own = lastOwn.get(change.key);
        // What survives is the owner's last change, or a probe of a key the table lacks (a no-op).
        if (own !== undefined) expect(plain(change)).toEqual(plain(own));
        else expect(change.kind === 'delete' && change.probe === true && !inTable(change.key)).toBe(true);
      }
      for (const [key, own] of lastOwn) {
        expect(plain(collapser.changes().find((c) => c.key === key))).toEqual(plain(own));
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
