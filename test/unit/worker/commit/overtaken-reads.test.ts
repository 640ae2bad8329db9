import { describe, expect, it } from 'vitest';
import type { PartitionRead } from '../../../../src/worker/commit/connector-batch.ts';
import { overtakenReads } from '../../../../src/worker/commit/overtaken-reads.ts';
import type { OffsetMap } from '../../../../src/worker/commit/table-offsets.ts';

const read = (partition: number, from: bigint): PartitionRead => ({
  topic: 't',
  partition,
  from,
  end: from + 10n,
  lost: [],
});
const offsets = (entries: Record<number, bigint>): OffsetMap =>
  new Map([['t', new Map(Object.entries(entries).map(([p, o]) => [Number(p), o]))]]);
const tables = (byTable: Record<string, Record<number, bigint>>) =>
  new Map(Object.entries(byTable).map(([name, entries]) => [name, offsets(entries)]));

describe('overtakenReads', () => {
  it('a commit that moved the partition to where the next batch began keeps it', () => {
    expect(
      overtakenReads([read(0, 10n)], tables({ a: { 0: 0n } }), tables({ a: { 0: 10n } })),
    ).toBeUndefined();
  });

  it('a table that first records the partition at where the next batch began (a claim, then the commit) keeps it', () => {
    expect(
      overtakenReads([read(0, 10n)], tables({}), tables({ a: { 0: 10n }, b: { 0: 10n } })),
    ).toBeUndefined();
  });

  it('offsets that did not change keep it, even above where it began', () => {
    expect(
      overtakenReads([read(0, 10n)], tables({ b: { 0: 15n } }), tables({ b: { 0: 15n } })),
    ).toBeUndefined();
  });

  it('a table moved past where the next batch began drops it', () => {
    const why = overtakenReads([read(0, 10n)], tables({ b: { 0: 4n } }), tables({ b: { 0: 15n } }));
    expect(why).toContain('b moved t[0] from 4 to 15');
  });

  it('a table first recording the partition above where it began drops it', () => {
    expect(overtakenReads([read(0, 10n)], tables({}), tables({ b: { 0: 11n } }))).toContain(
      'from nothing to 11',
    );
  });

  it('a table that stood above where it began and moved (back, or on) drops it', () => {
    expect(
      overtakenReads([read(0, 10n)], tables({ b: { 0: 15n } }), tables({ b: { 0: 12n } })),
    ).toBeDefined();
    expect(overtakenReads([read(0, 10n)], tables({ b: { 0: 15n } }), tables({}))).toBeDefined();
  });

  it('a move below where it began keeps it (its rows were never filtered by that table)', () => {
    expect(
      overtakenReads([read(0, 10n)], tables({ b: { 0: 2n } }), tables({ b: { 0: 7n } })),
    ).toBeUndefined();
  });

  it('only the next batch’s partitions count', () => {
    expect(
      overtakenReads([read(1, 10n)], tables({ b: { 0: 2n } }), tables({ b: { 0: 70n } })),
    ).toBeUndefined();
    expect(overtakenReads([], tables({ b: { 0: 2n } }), tables({ b: { 0: 70n } }))).toBeUndefined();
  });
});
