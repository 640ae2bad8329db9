// commit.intervalMs under commits that take time (src/worker/commit-interval.ts).
import { describe, expect, it } from 'vitest';
import { commitIntervalElapsed, idleCommitDue } from '../../../src/worker/commit-interval.ts';

describe('commitIntervalElapsed', () => {
  it('first batch: the interval runs from its first record', () => {
    expect(commitIntervalElapsed(10_999, 10_000, 1000, undefined)).toBe(false);
    expect(commitIntervalElapsed(11_000, 10_000, 1000, undefined)).toBe(true);
  });

  it('records that waited during the previous commit count that wait', () => {
    // The previous commit ran 10,000-10,300; the batch's first record came at 10,300
    // (it arrived during the commit): due at 11,000, not 11,300.
    const previous = { startMs: 10_000, ms: 300 };
    expect(commitIntervalElapsed(10_999, 10_300, 1000, previous)).toBe(false);
    expect(commitIntervalElapsed(11_000, 10_300, 1000, previous)).toBe(true);
  });

  it('a batch begun long after the commit still counts the commit time, never from before it started', () => {
    const previous = { startMs: 10_000, ms: 300 };
    // First record at 15,000: due 1,000 ms after 14,700.
    expect(commitIntervalElapsed(15_699, 15_000, 1000, previous)).toBe(false);
    expect(commitIntervalElapsed(15_700, 15_000, 1000, previous)).toBe(true);
    // A first record from before the commit ended (another connector's commit held the
    // worker): the clock starts at the commit's start, 10,000, not at 9,800.
    expect(commitIntervalElapsed(10_999, 10_100, 1000, previous)).toBe(false);
    expect(commitIntervalElapsed(11_000, 10_100, 1000, previous)).toBe(true);
  });

  it('after a slow commit the worker reads at least as long as it took', () => {
    // Commits of 800 ms with a 1 s interval: without the floor the next commit
    // would be due 200 ms after this one ended.
    const previous = { startMs: 10_000, ms: 800 };
    expect(commitIntervalElapsed(11_000, 10_800, 1000, previous)).toBe(false);
    expect(commitIntervalElapsed(11_599, 10_800, 1000, previous)).toBe(false);
    expect(commitIntervalElapsed(11_600, 10_800, 1000, previous)).toBe(true);
  });
});

describe('idleCommitDue', () => {
  it('after a full batch: due once no record came for idleMs', () => {
    expect(idleCommitDue(10_999, 10_000, 1000, true)).toBe(false);
    expect(idleCommitDue(11_000, 10_000, 1000, true)).toBe(true);
  });

  it('never after a batch the interval ended (a steady stream keeps its interval)', () => {
    expect(idleCommitDue(99_000, 10_000, 1000, false)).toBe(false);
  });

  it('0 turns it off', () => {
    expect(idleCommitDue(99_000, 10_000, 0, true)).toBe(false);
  });
});
