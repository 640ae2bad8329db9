// When a batch's time is up: its commit interval (commit.intervalMs) has run
// out, or the backlog it ends has been read (commit.idleMs). Pure, so the rules
// are tested case by case (test/unit/worker/commit-interval.test.ts).
//
// Invariant: with commits that take C ms, a record becomes visible within about
// intervalMs + C, and the worker never spends more of its time committing than
// reading. So the interval runs from the batch's first record, less the time the
// previous commit kept the worker from reading (records that arrived meanwhile
// waited that long already) but not from before that commit started; and after
// a commit the worker reads at least as long as that commit took (commits slower
// than half the interval would otherwise follow every poll and fall behind a
// steady producer; issue 14).

/**
 * The previous commit of the connector: when it started and how long it kept
 * the worker from reading (all of it when the worker waited for it; only the
 * wait at its end when it ran beside reading, docs/exactly-once.md).
 */
export interface PreviousCommit {
  readonly startMs: number;
  readonly ms: number;
  /** When the worker read again after it (default startMs + ms: it waited from the start). */
  readonly readFromMs?: number;
}

export function commitIntervalElapsed(
  nowMs: number,
  batchStartedAtMs: number,
  intervalMs: number,
  previous: PreviousCommit | undefined,
): boolean {
  if (previous === undefined) return nowMs - batchStartedAtMs >= intervalMs;
  const start = Math.max(previous.startMs, batchStartedAtMs - previous.ms);
  const readingFor = nowMs - (previous.readFromMs ?? previous.startMs + previous.ms);
  return nowMs - start >= intervalMs && readingFor >= previous.ms;
}

/**
 * commit.idleMs: a batch that follows a full one (maxRecords, maxBytes or the
 * worker's memory budget ended it, so the worker was reading a backlog) commits
 * as soon as no record has come for `idleMs`, instead of waiting out the
 * interval: the end of a backlog is visible at once. A stream whose batches end
 * by the interval never commits early this way, and each full batch is followed
 * by at most one idle commit, so it adds no stream of small files. 0 turns it off.
 */
export function idleCommitDue(
  nowMs: number,
  lastRecordAtMs: number,
  idleMs: number,
  afterFullBatch: boolean,
): boolean {
  return afterFullBatch && idleMs > 0 && nowMs - lastRecordAtMs >= idleMs;
}
