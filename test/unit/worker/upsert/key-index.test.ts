// The key index on a real LMDB store: entries round-trip (order values of every
// kind), staged updates reach the index only on commit, an aborted batch leaves
// it as it was, the shared part is shadowed by deletes, and a plan against the
// index yields the position deletes and counts a replay expects.
import { describe, expect, it } from 'vitest';
import type { KeyedChange } from '../../../../src/worker/upsert/change.ts';
import { ChangeCollapser } from '../../../../src/worker/upsert/change-collapse.ts';
import { PartitionKeyIndex, SHARED_INDEX, TableKeyIndex } from '../../../../src/worker/upsert/key-index.ts';
import { DELETED_FILE, decodeEntry, encodeEntry } from '../../../../src/worker/upsert/lmdb-key-store.ts';
import { planRowDelta, stageIndex } from '../../../../src/worker/upsert/row-delta-plan.ts';
import { useTempKeyStores } from './temp-key-stores.ts';

const keyStores = useTempKeyStores();

const at = (offset: number, partition = 0) => ({ topic: 't', partition, offset: BigInt(offset) });
const upsert = (key: string, offset: number, order?: number, partition = 0): KeyedChange => ({
  kind: 'upsert',
  key,
  row: { key, offset },
  order,
  location: at(offset, partition),
});
const del = (key: string, offset: number, order?: number): KeyedChange => ({
  kind: 'delete',
  key,
  order,
  location: at(offset),
});

function tableIndex(): { table: TableKeyIndex; p0: PartitionKeyIndex } {
  const table = new TableKeyIndex();
  const p0 = new PartitionKeyIndex('t:0', keyStores().openFresh('t:0'));
  table.set('t', 0, p0);
  return { table, p0 };
}

describe('key index store entries', () => {
  it.each([undefined, 42, -1.5, 2n ** 70n, -3n, '2024-05-01T00:00:00Z', ''])(
    'round-trips order %s',
    (order) => {
      const entry =
        order === undefined ? { file: 7, position: 123456789 } : { file: 7, position: 123456789, order };
      expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    },
  );
});

describe('PartitionKeyIndex', () => {
  it('applies staged updates only on commit, and nothing of a discarded stage', () => {
    const { p0 } = tableIndex();
    const first = p0.stage();
    first.put('a', 'f1.parquet', 0);
    first.put('b', 'f1.parquet', 1, 5n);
    expect(p0.lookup('a')).toBeUndefined();
    expect(() => p0.stage()).toThrow('a staged batch is still open');
    first.commit();
    expect(p0.lookup('a')).toEqual({ live: true, file: 'f1.parquet', position: 0, order: undefined });
    expect(p0.lookup('b')).toEqual({ live: true, file: 'f1.parquet', position: 1, order: 5n });
    const aborted = p0.stage();
    aborted.remove('a');
    aborted.put('c', 'f2.parquet', 0);
    aborted.discard();
    expect(() => aborted.commit()).toThrow('the staged batch is closed');
    expect(p0.lookup('a')?.live).toBe(true);
    expect(p0.lookup('c')).toBeUndefined();
    expect(p0.size).toBe(2);
  });

  it('remembers a delete with an order value, forgets one without', () => {
    const { p0 } = tableIndex();
    const stage = p0.stage();
    stage.put('a', 'f', 0, 1);
    stage.put('b', 'f', 1, 1);
    stage.commit();
    const deletes = p0.stage();
    deletes.remove('a', 9);
    deletes.remove('b');
    deletes.commit();
    expect(p0.lookup('a')).toEqual({ live: false, order: 9 });
    expect(p0.lookup('b')).toBeUndefined();
    expect([...p0.live()]).toEqual([]);
  });

  it('starts empty when reopened (the index is rebuilt from the table)', () => {
    const { p0 } = tableIndex();
    p0.load(new Map([['a', { file: p0.fileId('f'), position: 0 }]]));
    expect(p0.size).toBe(1);
    expect(keyStores().openFresh('t:0').count()).toBe(0);
    expect(keyStores().diskBytes()).toBeGreaterThan(0);
  });
});

describe('planRowDelta', () => {
  it('turns updates and deletes of indexed keys into position deletes, and counts', () => {
    const { table, p0 } = tableIndex();
    p0.load(
      new Map([
        ['a', { file: p0.fileId('old.parquet'), position: 0 }],
        ['b', { file: p0.fileId('old.parquet'), position: 1 }],
        ['c', { file: p0.fileId('other.parquet'), position: 4 }],
      ]),
    );
    const plan = planRowDelta([upsert('a', 1), del('b', 2), del('x', 3), upsert('n', 4)], [], table);
    expect(plan.rows.map((row) => row.key)).toEqual(['a', 'n']);
    expect([...plan.positionDeletes]).toEqual([['old.parquet', [0, 1]]]);
    expect(plan.counts).toEqual({
      inserts: 1,
      updates: 1,
      deletes: 1,
      absentDeletes: 1,
      stale: 0,
      truncated: 0,
    });
    const stages = stageIndex(plan, table, [
      { file: 'new.parquet', position: 0 },
      { file: 'new.parquet', position: 1 },
    ]);
    expect(p0.lookup('a')).toMatchObject({ file: 'old.parquet' }); // not before the commit
    for (const stage of stages) stage.commit();
    expect(p0.lookup('a')).toMatchObject({ live: true, file: 'new.parquet', position: 0 });
    expect(p0.lookup('n')).toMatchObject({ live: true, file: 'new.parquet', position: 1 });
    expect(p0.lookup('b')).toBeUndefined();
    expect(p0.lookup('c')).toMatchObject({ file: 'other.parquet', position: 4 });
  });

  it('drops a change older than the indexed row (order.by), a remembered delete included', () => {
    const { table, p0 } = tableIndex();
    p0.load(new Map([['a', { file: p0.fileId('f'), position: 0, order: 10 }]]));
    const stage = p0.stage();
    stage.remove('gone', 20);
    stage.commit();
    const plan = planRowDelta([upsert('a', 1, 9), upsert('gone', 2, 19), upsert('gone2', 3, 1)], [], table);
    expect(plan.counts).toMatchObject({ stale: 2, inserts: 1 });
    expect(plan.positionDeletes.size).toBe(0);
  });

  it('a delete then an older upsert in one batch leaves the upsert (the delete removed the newer row)', () => {
    const { table, p0 } = tableIndex();
    p0.load(new Map([['a', { file: p0.fileId('f'), position: 0, order: 500 }]]));
    const collapser = new ChangeCollapser();
    collapser.add(del('a', 1));
    collapser.add(upsert('a', 2, 100));
    expect(collapser.changes()).toEqual([{ ...upsert('a', 2, 100), afterDelete: true }]);
    const plan = planRowDelta(collapser.changes(), [], table);
    expect(plan.counts).toMatchObject({ updates: 1, stale: 0 });
    expect([...plan.positionDeletes]).toEqual([['f', [0]]]);
  });

  it('shadows a deleted row of the shared (unattributed) part with a remembered delete', () => {
    const { table, p0 } = tableIndex();
    const shared = new PartitionKeyIndex(SHARED_INDEX, keyStores().openFresh(SHARED_INDEX));
    shared.load(new Map([['s', { file: shared.fileId('spark.parquet'), position: 3 }]]));
    table.setShared(shared);
    const plan = planRowDelta([del('s', 1)], [], table);
    expect([...plan.positionDeletes]).toEqual([['spark.parquet', [3]]]);
    for (const stage of stageIndex(plan, table, [])) stage.commit();
    expect(table.lookup('s', at(2))?.found.live).toBe(false);
    expect(p0.lookup('s')).toEqual({ live: false, order: undefined });
  });

  it('a truncate deletes every live row of the topic; later changes of the batch insert anew', () => {
    const { table, p0 } = tableIndex();
    const p1 = new PartitionKeyIndex('t:1', keyStores().openFresh('t:1'));
    table.set('t', 1, p1);
    p0.load(new Map([['a', { file: p0.fileId('f0'), position: 0 }]]));
    p1.load(new Map([['b', { file: p1.fileId('f1'), position: 5 }]]));
    const plan = planRowDelta([upsert('a', 7)], [at(6)], table);
    expect([...plan.positionDeletes].sort()).toEqual([
      ['f0', [0]],
      ['f1', [5]],
    ]);
    expect(plan.counts).toMatchObject({ truncated: 2, inserts: 1, updates: 0 });
    for (const stage of stageIndex(plan, table, [{ file: 'f2', position: 0 }])) stage.commit();
    expect(p1.lookup('b')).toBeUndefined();
    expect(p0.lookup('a')).toMatchObject({ file: 'f2', position: 0 });
  });

  it('order.by: a truncate forgets the order values of deleted keys too (an older version after it is the row)', () => {
    const { table, p0 } = tableIndex();
    p0.load(new Map([['gone', { file: DELETED_FILE, position: 0, order: 9 }]]));
    p0.load(new Map([['live', { file: p0.fileId('f0'), position: 3, order: 9 }]]));
    expect(p0.lookup('gone')).toEqual({ live: false, order: 9 });
    const before = planRowDelta([upsert('gone', 1, 3)], [], table);
    expect(before.counts).toMatchObject({ stale: 1, inserts: 0 });
    const plan = planRowDelta([upsert('gone', 7, 3), upsert('live', 8, 2)], [at(6)], table);
    expect(plan.counts).toMatchObject({ truncated: 1, stale: 0, inserts: 2 });
    expect([...plan.positionDeletes]).toEqual([['f0', [3]]]);
    for (const stage of stageIndex(plan, table, [
      { file: 'f1', position: 0 },
      { file: 'f1', position: 1 },
    ]))
      stage.commit();
    expect(p0.lookup('gone')).toMatchObject({ live: true, file: 'f1', position: 0, order: 3 });
  });

  it('tells the collapser which other partition holds a key', () => {
    const { table, p0 } = tableIndex();
    const p1 = new PartitionKeyIndex('t:1', keyStores().openFresh('t:1'));
    table.set('t', 1, p1);
    p1.load(new Map([['k', { file: p1.fileId('f'), position: 0 }]]));
    p0.load(new Map([['mine', { file: p0.fileId('f'), position: 1 }]]));
    expect(table.owner('k', at(1, 0))).toEqual({ topic: 't', partition: 1 });
    expect(table.owner('k', at(1, 1))).toBeUndefined();
    expect(table.owner('mine', at(1, 0))).toBeUndefined();
  });

  it('tells the collapser which partition of another topic feeding the table holds a key', () => {
    const { table, p0 } = tableIndex();
    const other = new PartitionKeyIndex('u:0', keyStores().openFresh('u:0'));
    table.set('u', 0, other);
    other.load(new Map([['k', { file: other.fileId('g'), position: 0 }]]));
    p0.load(new Map([['mine', { file: p0.fileId('f'), position: 1 }]]));
    expect(table.owner('k', at(1, 0))).toEqual({ topic: 'u', partition: 0 });
    expect(table.owner('mine', { topic: 'u', partition: 0, offset: 1n })).toEqual({
      topic: 't',
      partition: 0,
    });
    expect(table.owner('k', { topic: 'u', partition: 0, offset: 1n })).toBeUndefined();
  });
});
