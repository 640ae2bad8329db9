import { describe, expect, it } from 'vitest';
import { fenceBatch } from '../../../src/worker/batch-fence.ts';
import {
  formatOffsets,
  type OffsetMap,
  offsetsProperty,
  parseOffsets,
} from '../../../src/worker/table-offsets.ts';

const offsets = (entries: Record<string, Record<number, number>>): OffsetMap =>
  new Map(
    Object.entries(entries).map(([topic, parts]) => [
      topic,
      new Map(Object.entries(parts).map(([p, o]) => [Number(p), BigInt(o)])),
    ]),
  );

describe('fenceBatch', () => {
  it('commits when the table still records what the worker expected, carrying other partitions forward', () => {
    const recorded = offsets({ orders: { 0: 100, 1: 50 }, other: { 0: 7 } });
    const decision = fenceBatch('c1', recorded, [
      { topic: 'orders', partition: 0, expected: 100n, end: 160n },
    ]);
    expect(decision.kind).toBe('commit');
    if (decision.kind !== 'commit') return;
    expect(decision.summary?.[offsetsProperty('c1')]).toBe('{"orders":{"0":160,"1":50},"other":{"0":7}}');
  });

  it('commits a partition the table has never seen', () => {
    const decision = fenceBatch('c1', new Map(), [
      { topic: 't', partition: 3, expected: undefined, end: 10n },
    ]);
    expect(decision).toMatchObject({ kind: 'commit', summary: { 'floe.offsets.c1': '{"t":{"3":10}}' } });
  });

  it('skips a batch the table already holds', () => {
    const recorded = offsets({ t: { 0: 200, 1: 90 } });
    const decision = fenceBatch('c1', recorded, [
      { topic: 't', partition: 0, expected: 100n, end: 160n },
      { topic: 't', partition: 1, expected: 50n, end: 90n },
    ]);
    expect(decision.kind).toBe('skip');
  });

  it('aborts when another worker moved a partition into the middle of the batch', () => {
    const decision = fenceBatch('c1', offsets({ t: { 0: 120 } }), [
      { topic: 't', partition: 0, expected: 100n, end: 160n },
    ]);
    expect(decision.kind).toBe('abort');
    if (decision.kind === 'abort')
      expect(decision.reason).toContain('t[0] table has 120, this worker expected 100');
  });

  it('aborts when a zombie expected nothing but the table has offsets below the batch end', () => {
    const decision = fenceBatch('c1', offsets({ t: { 0: 40 } }), [
      { topic: 't', partition: 0, expected: undefined, end: 50n },
    ]);
    expect(decision.kind).toBe('abort');
  });

  it('aborts when only part of the batch is already committed', () => {
    const decision = fenceBatch('c1', offsets({ t: { 0: 160, 1: 50 } }), [
      { topic: 't', partition: 0, expected: 100n, end: 160n },
      { topic: 't', partition: 1, expected: 50n, end: 70n },
    ]);
    expect(decision.kind).toBe('abort');
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
