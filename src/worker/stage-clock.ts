// Where the worker's wall-clock time goes, stage by stage: the consume loop's own
// stages (fetch, process, commit, lag) follow one another, so together they are
// its whole time; rebalance runs inside fetch, the encoder queue and uploads are
// waits inside process and commit, paused counts time with a partition paused.
// Each stage's seconds go to floe_stage_seconds_total{stage}; a debug line sums
// them up every report interval, and a single wait longer than `slowMs` is a
// warning at once. A 32 s lag query inside the loop (issue 14) shows up as
// `lag` here instead of as an unexplained stall.
import type { Logger } from '../log.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export type Stage =
  | 'fetch'
  | 'rebalance'
  | 'process'
  | 'encode-queue'
  | 'upload'
  | 'commit'
  | 'lag'
  | 'paused';

/** A running total of seconds kept elsewhere (the encoder pool, the FileIO, the consumer). */
export interface WaitCounter {
  readonly stage: Stage;
  seconds(): number;
}

export interface StageClockOptions {
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  readonly counters?: readonly WaitCounter[];
  /** Debug summary every this many ms (default 10 s). */
  readonly reportEveryMs?: number;
  /** One wait longer than this is logged as a warning (default 5 s). */
  readonly slowMs?: number;
  readonly now?: () => number;
}

export class StageClock {
  readonly #log: Logger;
  readonly #metrics: WorkerMetrics;
  readonly #counters: readonly WaitCounter[];
  readonly #last: number[];
  readonly #reportEveryMs: number;
  readonly #slowMs: number;
  readonly #now: () => number;
  /** Seconds per stage since the last summary. */
  #window = new Map<Stage, number>();
  #windowStart: number;

  constructor(options: StageClockOptions) {
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#counters = options.counters ?? [];
    this.#last = this.#counters.map((c) => c.seconds());
    this.#reportEveryMs = options.reportEveryMs ?? 10_000;
    this.#slowMs = options.slowMs ?? 5_000;
    this.#now = options.now ?? (() => performance.now());
    this.#windowStart = this.#now();
  }

  /** Runs `work`, counting its time to `stage`. */
  async time<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const start = this.#now();
    try {
      return await work();
    } finally {
      this.add(stage, (this.#now() - start) / 1000);
    }
  }

  add(stage: Stage, seconds: number): void {
    if (seconds <= 0) return;
    this.#metrics.stageSeconds(stage, seconds);
    this.#window.set(stage, (this.#window.get(stage) ?? 0) + seconds);
    if (seconds * 1000 >= this.#slowMs) {
      this.#log.warn(`the worker waited ${seconds.toFixed(1)} s in stage ${stage}`, {
        stage,
        seconds: round(seconds),
      });
    }
  }

  /** Takes the counters' growth and, once per interval, logs the window's seconds per stage at debug. */
  tick(): void {
    this.#counters.forEach((counter, i) => {
      const total = counter.seconds();
      const delta = total - this.#last[i]!;
      this.#last[i] = total;
      this.add(counter.stage, delta);
    });
    const now = this.#now();
    if (now - this.#windowStart < this.#reportEveryMs) return;
    const stages: Record<string, number> = {};
    for (const [stage, seconds] of this.#window) stages[stage] = round(seconds);
    this.#log.debug('seconds per stage', { windowSeconds: round((now - this.#windowStart) / 1000), stages });
    this.#window = new Map();
    this.#windowStart = now;
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
