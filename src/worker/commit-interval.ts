// When a batch's commit interval (commit.intervalMs) has run out. Pure, so the
// rule is tested case by case (test/unit/worker/commit-interval.test.ts).
//
// Invariant: with commits that take C ms, a record becomes visible within about
// intervalMs + C, and the worker never spends more of its time committing than
// reading. So the interval runs from the batch's first record, less the time the
// previous commit kept the worker from reading (records that arrived meanwhile
// waited that long already) but not from before that commit started; and after
// a commit the worker reads at least as long as that commit took (commits slower
// than half the interval would otherwise follow every poll and fall behind a
// steady producer; issue 14).

/** The previous commit of the connector: when it started and how long it took. */
export interface PreviousCommit {
  readonly startMs: number;
  readonly ms: number;
}

export function commitIntervalElapsed(
  nowMs: number,
  batchStartedAtMs: number,
  intervalMs: number,
  previous: PreviousCommit | undefined,
): boolean {
  if (previous === undefined) return nowMs - batchStartedAtMs >= intervalMs;
  const start = Math.max(previous.startMs, batchStartedAtMs - previous.ms);
  const readingFor = nowMs - (previous.startMs + previous.ms);
  return nowMs - start >= intervalMs && readingFor >= previous.ms;
}
