// How far `floe backfill` is, per topic: offsets done of the planned range,
// records and bytes read, rates and an ETA. The numbers are kept here; how they
// are shown is a ProgressReporter's business (JSON log lines when stdout is not
// a terminal, bars when it is).
import type { Logger } from '../../log.ts';
import { partitionKey as key } from '../kafka-types.ts';
import type { PartitionPlan } from './backfill-plan.ts';

export interface TopicProgress {
  readonly topic: string;
  readonly partitions: number;
  readonly partitionsDone: number;
  /** Offsets in the planned ranges, and how many of them are behind the read position. */
  readonly offsetsTotal: number;
  readonly offsetsDone: number;
  readonly records: number;
  readonly bytes: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  /** Seconds left at the average rate so far; undefined before anything was read. */
  readonly etaSeconds: number | undefined;
}

export interface ProgressSnapshot {
  readonly elapsedSeconds: number;
  readonly commits: number;
  readonly topics: readonly TopicProgress[];
}

export interface ProgressReporter {
  /** How often update() wants to be called. */
  readonly intervalMs: number;
  update(snapshot: ProgressSnapshot): void;
  finish(snapshot: ProgressSnapshot): void;
}

interface PartitionState {
  readonly topic: string;
  readonly start: number;
  readonly end: number;
  position: number;
  done: boolean;
}

export class BackfillProgress {
  readonly #partitions = new Map<string, PartitionState>();
  readonly #records = new Map<string, number>();
  readonly #bytes = new Map<string, number>();
  readonly #now: () => number;
  readonly #startedAt: number;
  commits = 0;

  constructor(plan: readonly PartitionPlan[], now: () => number = Date.now) {
    this.#now = now;
    this.#startedAt = now();
    for (const p of plan) {
      const start = Number(p.start);
      const end = Number(p.end);
      this.#partitions.set(key(p.topic, p.partition), {
        topic: p.topic,
        start,
        end,
        position: start,
        done: start >= end,
      });
      this.#records.set(p.topic, 0);
      this.#bytes.set(p.topic, 0);
    }
  }

  /** A record was read (whatever became of it). */
  /** `records` records of the partition read, up to `offset`, `bytes` in all. */
  read(topic: string, partition: number, offset: bigint, bytes: number, records = 1): void {
    const state = this.#partitions.get(key(topic, partition));
    if (state === undefined) return;
    state.position = Math.min(state.end, Number(offset) + 1);
    this.#records.set(topic, (this.#records.get(topic) ?? 0) + records);
    this.#bytes.set(topic, (this.#bytes.get(topic) ?? 0) + bytes);
  }

  /** The partition is read again from `offset` (a dropped batch). */
  rewound(topic: string, partition: number, offset: bigint): void {
    const state = this.#partitions.get(key(topic, partition));
    if (state === undefined) return;
    state.position = Math.min(state.end, Number(offset));
    state.done = state.position >= state.end;
  }

  finished(topic: string, partition: number): void {
    const state = this.#partitions.get(key(topic, partition));
    if (state === undefined) return;
    state.position = state.end;
    state.done = true;
  }

  snapshot(): ProgressSnapshot {
    const seconds = Math.max(0.001, (this.#now() - this.#startedAt) / 1000);
    const topics = new Map<
      string,
      { partitions: number; partitionsDone: number; total: number; done: number }
    >();
    for (const state of this.#partitions.values()) {
      const t = topics.get(state.topic) ?? { partitions: 0, partitionsDone: 0, total: 0, done: 0 };
      t.partitions++;
      if (state.done) t.partitionsDone++;
      t.total += state.end - state.start;
      t.done += state.position - state.start;
      topics.set(state.topic, t);
    }
    return {
      elapsedSeconds: round(seconds, 1),
      commits: this.commits,
      topics: [...topics].map(([topic, t]) => {
        const records = this.#records.get(topic) ?? 0;
        const bytes = this.#bytes.get(topic) ?? 0;
        const offsetRate = t.done / seconds;
        return {
          topic,
          partitions: t.partitions,
          partitionsDone: t.partitionsDone,
          offsetsTotal: t.total,
          offsetsDone: t.done,
          records,
          bytes,
          recordsPerSecond: Math.round(records / seconds),
          megabytesPerSecond: round(bytes / 1_000_000 / seconds, 2),
          etaSeconds:
            t.done >= t.total ? 0 : offsetRate > 0 ? Math.ceil((t.total - t.done) / offsetRate) : undefined,
        };
      }),
    };
  }
}

/** Plain periodic JSON log lines: what a log collector wants when stdout is not a terminal. */
export class LogProgressReporter implements ProgressReporter {
  readonly intervalMs: number;
  readonly #log: Logger;

  constructor(log: Logger, intervalMs = 10_000) {
    this.#log = log;
    this.intervalMs = intervalMs;
  }

  update(snapshot: ProgressSnapshot): void {
    this.#log.info('backfill progress', { ...snapshot });
  }

  finish(snapshot: ProgressSnapshot): void {
    this.#log.info('backfill progress', { ...snapshot, final: true });
  }
}

/** For tests and --progress none. */
export const silentProgress: ProgressReporter = {
  intervalMs: 60_000,
  update: () => {},
  finish: () => {},
};

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
