// commit.intervalMs under commits that take time (src/worker/commit-interval.ts).
import { describe, expect, it } from 'vitest';
import { CommitSchedule, commitIntervalElapsed, idleCommitDue } from '../../../src/worker/commit-interval.ts';

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

describe('CommitSchedule', () => {
  const commit = { intervalMs: 1000, maxRecords: 100, maxBytes: 10_000, idleMs: 200 };
  const batch = (
    over: Partial<{ records: number; bytes: number; startedAtMs: number; lastRecordAtMs: number }>,
  ) => ({
    records: 10,
    bytes: 1_000,
    startedAtMs: 10_000,
    lastRecordAtMs: 10_000,
    ...over,
  });

  it('is full at maxRecords or maxBytes, and a full batch is due at once', () => {
    const schedule = new CommitSchedule(commit);
    expect(schedule.full(batch({ records: 99, bytes: 9_999 }))).toBe(false);
    expect(schedule.full(batch({ records: 100 }))).toBe(true);
    expect(schedule.full(batch({ bytes: 10_000 }))).toBe(true);
    expect(schedule.due(batch({ records: 100 }), 10_001)).toBe(true);
    expect(schedule.due(batch({}), 10_999)).toBe(false);
    expect(schedule.due(batch({}), 11_000)).toBe(true);
  });

  it('commits the batch after a full one when the backlog ends, not before (commit.idleMs)', () => {
    const schedule = new CommitSchedule(commit);
    // Before any full batch: a quiet 500 ms is no reason to commit.
    expect(schedule.due(batch({ lastRecordAtMs: 10_100 }), 10_600)).toBe(false);
    schedule.landed({ startMs: 9_000, full: true }, 9_000, 9_050);
    expect(schedule.due(batch({ startedAtMs: 9_050, lastRecordAtMs: 9_100 }), 9_299)).toBe(false);
    expect(schedule.due(batch({ startedAtMs: 9_050, lastRecordAtMs: 9_100 }), 9_300)).toBe(true);
    // After a batch that ended by time, idleness is not a reason again.
    schedule.landed({ startMs: 9_300, full: false }, 9_300, 9_350);
    expect(schedule.due(batch({ startedAtMs: 9_350, lastRecordAtMs: 9_400 }), 9_900)).toBe(false);
  });

  it('counts only the part of a commit the worker waited for (a commit beside reading)', () => {
    // A commit from 10,000 to 10,900 that the worker waited for only from 10,800:
    // the next batch may commit once it has read 100 ms after it, at the interval.
    const beside = new CommitSchedule(commit);
    beside.landed({ startMs: 10_000, full: false }, 10_800, 10_900);
    expect(beside.due(batch({ startedAtMs: 10_000 }), 10_999)).toBe(false);
    expect(beside.due(batch({ startedAtMs: 10_000 }), 11_000)).toBe(true);
    // Waited for all 900 ms: the worker reads at least as long before the next commit.
    const waited = new CommitSchedule(commit);
    waited.landed({ startMs: 10_000, full: false }, 10_000, 10_900);
    expect(waited.due(batch({ startedAtMs: 10_900 }), 11_799)).toBe(false);
    expect(waited.due(batch({ startedAtMs: 10_900 }), 11_800)).toBe(true);
  });
});
