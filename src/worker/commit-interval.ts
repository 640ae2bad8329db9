// When a batch's time is up: its commit interval (commit.intervalMs) has run
// out, or the backlog it ends has been read (commit.idleMs); and CommitSchedule,
// which applies these rules and the batch limits to a connector's batches and
// keeps what each landed commit means for the next. Pure (the clock is given),
// so the rules are tested case by case (test/unit/worker/commit-interval.test.ts).
//
// Invariant: with commits that take C ms, a record becomes visible within about
// intervalMs + C, and the worker never spends more of its time committing than
// reading. So the interval runs from the batch's first record, less the time the
// previous commit kept the worker from reading (records that arrived meanwhile
// waited that long already) but not from before that commit started; and after
// a commit the worker reads at least as long as that commit took (commits slower
// than half the interval would otherwise follow every poll and fall behind a
// steady producer; issue 14).
import type { ConnectorBatch } from './commit/connector-batch.ts';
import type { ConnectorSettings } from './connector-settings.ts';

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

type BatchSize = Pick<ConnectorBatch, 'records' | 'bytes'>;
type BatchTimes = BatchSize & Pick<ConnectorBatch, 'startedAtMs' | 'lastRecordAtMs'>;

export class CommitSchedule {
  readonly #commit: ConnectorSettings['commit'];
  /** When the last successful commit started and how long it kept the worker from reading. */
  #previous: PreviousCommit | undefined;
  /**
   * The last committed batch was full. Set by successful commits only: after a
   * dropped or discarded batch it keeps its value, which at worst commits the
   * re-read batch once early.
   */
  #afterFullBatch = false;

  constructor(commit: ConnectorSettings['commit']) {
    this.#commit = commit;
  }

  /** maxRecords or maxBytes reached: the batch commits now, even beside a running commit. */
  full(batch: BatchSize): boolean {
    return batch.records >= this.#commit.maxRecords || batch.bytes >= this.#commit.maxBytes;
  }

  due(batch: BatchTimes, nowMs: number): boolean {
    const { intervalMs, idleMs } = this.#commit;
    return (
      this.full(batch) ||
      commitIntervalElapsed(nowMs, batch.startedAtMs, intervalMs, this.#previous) ||
      idleCommitDue(nowMs, batch.lastRecordAtMs, idleMs, this.#afterFullBatch)
    );
  }

  /**
   * A commit that started at `startMs` landed at `nowMs`; the worker stopped
   * reading to wait for it at `waitedFromMs` (the interval of the next batch
   * counts only the time it was kept from reading).
   */
  landed(
    commit: { readonly startMs: number; readonly full: boolean },
    waitedFromMs: number,
    nowMs: number,
  ): void {
    const ms = nowMs - Math.max(waitedFromMs, commit.startMs);
    this.#previous = { startMs: commit.startMs, ms, readFromMs: nowMs };
    this.#afterFullBatch = commit.full;
  }
}
