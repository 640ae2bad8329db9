import { describe, expect, it } from 'vitest';
import { fenceBatch, type PartitionRange } from '../../../../src/worker/commit/batch-fence.ts';
import {
  formatOffsets,
  type OffsetMap,
  offsetsProperty,
  parseOffsets,
  retentionLossProperty,
} from '../../../../src/worker/commit/table-offsets.ts';

const offsets = (entries: Record<string, Record<number, number>>): OffsetMap =>
  new Map(
    Object.entries(entries).map(([topic, parts]) => [
      topic,
      new Map(Object.entries(parts).map(([p, o]) => [Number(p), BigInt(o)])),
    ]),
  );

const range = (
  partition: number,
  expected: number | undefined,
  end: number,
  more: { from?: number; wrote?: boolean; lost?: Array<{ from: bigint; to: bigint }> } = {},
): PartitionRange => ({
  topic: 't',
  partition,
  expected: expected === undefined ? undefined : BigInt(expected),
  // By default the batch read on from what the table recorded (or, new to it, from 0).
  from: BigInt(more.from ?? expected ?? 0),
  end: BigInt(end),
  wrote: more.wrote ?? true,
  ...(more.lost ? { lost: more.lost } : {}),
});

const committed = (decision: ReturnType<typeof fenceBatch>, connector = 'c1') =>
  decision.kind === 'commit' ? decision.summary?.[offsetsProperty(connector)] : decision.kind;

describe('fenceBatch', () => {
  it('commits when the table still records what the worker expected, carrying other partitions forward', () => {
    const recorded = offsets({ t: { 0: 100, 1: 50 }, other: { 0: 7 } });
    const decision = fenceBatch('c1', recorded, [range(0, 100, 160)]);
    expect(committed(decision)).toBe('{"other":{"0":7},"t":{"0":160,"1":50}}');
  });

  it('commits a partition the table has never seen', () => {
    expect(committed(fenceBatch('c1', new Map(), [range(3, undefined, 10)]))).toBe('{"t":{"3":10}}');
  });

  it('records a partition that put no row in the table (every table records every partition read)', () => {
    const decision = fenceBatch('c1', offsets({ t: { 0: 100 } }), [range(0, 100, 160, { wrote: false })]);
    expect(committed(decision)).toBe('{"t":{"0":160}}');
  });

  it('never moves an offset backwards: a re-read range below what the table records is a no-op (defect 1)', () => {
    const recorded = offsets({ t: { 0: 500, 1: 10 } });
    const decision = fenceBatch('c1', recorded, [
      range(0, 500, 100, { from: 50, wrote: false }),
      range(1, 10, 30),
    ]);
    expect(committed(decision)).toBe('{"t":{"0":500,"1":30}}');
    expect(fenceBatch('c1', recorded, [range(0, 500, 100, { from: 50, wrote: false })]).kind).toBe('skip');
  });

  it('leaves a partition another writer moved alone when the batch has no rows of it', () => {
    const recorded = offsets({ t: { 0: 300, 1: 10 } });
    const decision = fenceBatch('c1', recorded, [range(0, 100, 160, { wrote: false }), range(1, 10, 20)]);
    expect(committed(decision)).toBe('{"t":{"0":300,"1":20}}');
  });

  it('moves a partition another writer moved forward on to the end when the batch read on from there without rows for it', () => {
    const decision = fenceBatch('c1', offsets({ t: { 0: 120 } }), [range(0, 100, 160, { wrote: false })]);
    expect(committed(decision)).toBe('{"t":{"0":160}}');
    // ...but not from below where the batch began, nor when the table went backwards.
    expect(
      fenceBatch('c1', offsets({ t: { 0: 120 } }), [range(0, 100, 160, { from: 130, wrote: false })]).kind,
    ).toBe('skip');
    expect(
      fenceBatch('c1', offsets({ t: { 0: 50 } }), [range(0, 100, 160, { from: 40, wrote: false })]).kind,
    ).toBe('skip');
  });

  it('aborts when another worker moved a partition the batch has rows of', () => {
    const decision = fenceBatch('c1', offsets({ t: { 0: 120 } }), [range(0, 100, 160)]);
    expect(decision.kind).toBe('abort');
    if (decision.kind === 'abort')
      expect(decision.reason).toContain('t[0] table has 120, this worker expected 100');
  });

  it('aborts a zombie whose rows another worker already committed (never a silent skip)', () => {
    expect(fenceBatch('c1', offsets({ t: { 0: 200 } }), [range(0, 100, 160)]).kind).toBe('abort');
    expect(fenceBatch('c1', offsets({ t: { 0: 40 } }), [range(0, undefined, 50)]).kind).toBe('abort');
  });

  it('refuses a batch that began reading above what the table records: a gap (defect 3)', () => {
    const decision = fenceBatch('c1', offsets({ t: { 0: 100 } }), [range(0, 100, 500, { from: 400 })]);
    expect(decision.kind).toBe('abort');
    if (decision.kind === 'abort') expect(decision.reason).toContain('gap');
    expect(
      fenceBatch('c1', offsets({ t: { 0: 100 } }), [range(0, 100, 500, { from: 400, wrote: false })]).kind,
    ).toBe('abort');
  });

  it('accepts a batch that began below what the table records (the rows below were skipped)', () => {
    expect(committed(fenceBatch('c1', offsets({ t: { 0: 100 } }), [range(0, 100, 500, { from: 20 })]))).toBe(
      '{"t":{"0":500}}',
    );
  });

  it('records offsets lost to retention explicitly, clipped to what the table had not recorded', () => {
    const lost = [
      { from: 50n, to: 120n },
      { from: 300n, to: 400n },
    ];
    const decision = fenceBatch('c1', offsets({ t: { 0: 100 } }), [range(0, 100, 500, { from: 50, lost })]);
    expect(decision.kind).toBe('commit');
    if (decision.kind !== 'commit') return;
    expect(decision.summary?.[retentionLossProperty('c1')]).toBe('{"t":{"0":[["100","120"],["300","400"]]}}');
    expect(decision.summary?.[offsetsProperty('c1')]).toBe('{"t":{"0":500}}');
  });

  it('skips a batch the table already holds entirely', () => {
    const recorded = offsets({ t: { 0: 200, 1: 90 } });
    expect(
      fenceBatch('c1', recorded, [range(0, 100, 160, { wrote: false }), range(1, 50, 90, { wrote: false })])
        .kind,
    ).toBe('skip');
  });

  it('carries extra summary properties', () => {
    const decision = fenceBatch('c1', new Map(), [range(0, undefined, 5)], { 'floe.backfill': 'x' });
    expect(decision).toMatchObject({ kind: 'commit', summary: { 'floe.backfill': 'x' } });
  });
});

describe('offset summaries', () => {
  it('round-trips offsets beyond 2^53 exactly', () => {
    const big = offsets({ t: { 0: 5 } });
    big.get('t')!.set(1, 2n ** 60n);
    const text = formatOffsets(big);
    expect(text).toBe('{"t":{"0":5,"1":"1152921504606846976"}}');
    expect(parseOffsets(text, 'x')).toEqual(big);
  });

  it('names the snapshot when a summary is malformed', () => {
    expect(() => parseOffsets('{"t": [1]}', 'snapshot 7 summary floe.offsets.c')).toThrow(
      /snapshot 7 summary floe.offsets.c/,
    );
  });
});
