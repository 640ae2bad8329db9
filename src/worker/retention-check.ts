// Tells retention from a hole when a partition's offsets jump past the reading
// position. Kafka offsets are not dense: compaction and transaction markers
// leave holes that are not losses. Retention is a loss: the log start moved past
// the position before the records were read. That range is returned, logged and
// metered, so the commit records it (floe.retention-loss.<connector>) instead of
// moving the offsets past it silently (docs/exactly-once.md, "Retention").
import { backoffDelayMs, type RetryPolicy, sleepMs } from '../io/retry.ts';
import type { Logger } from '../log.ts';
import type { TopicPartition } from './kafka-types.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

const QUERY_ATTEMPTS = 5;
const QUERY_RETRY: RetryPolicy = { maxAttempts: QUERY_ATTEMPTS, baseDelayMs: 100, maxDelayMs: 2_000 };

/** The first offset still in a partition's log (Kafka's low watermark). */
export type LogStart = (tp: TopicPartition) => Promise<bigint>;

export interface LostRange {
  readonly from: bigint;
  readonly to: bigint;
}

export class RetentionCheck {
  readonly #connector: string;
  readonly #log: Logger;
  readonly #metrics: WorkerMetrics;
  #logStart: LogStart | undefined;

  constructor(connector: string, log: Logger, metrics: WorkerMetrics) {
    this.#connector = connector;
    this.#log = log;
    this.#metrics = metrics;
  }

  use(logStart: LogStart): void {
    this.#logStart = logStart;
  }

  /**
   * Offsets [position, next) when the reading jumped from `position` to `next`
   * and the log start moved past `position`; undefined for no jump or a hole.
   * The whole jump counts as lost: past the log start there may be holes, or
   * records a reset to the log end skipped, and floe cannot tell them apart.
   */
  async lost(tp: TopicPartition, position: bigint | undefined, next: bigint): Promise<LostRange | undefined> {
    if (position === undefined || next <= position || this.#logStart === undefined) return undefined;
    const low = await this.#queryLogStart(this.#logStart, tp);
    if (low <= position) return undefined; // a hole (compaction, transaction markers): nothing was lost
    const to = next;
    const count = Number(to - position);
    this.#log.warn(
      `${tp.topic}[${tp.partition}]: offsets ${position} to ${to - 1n} were deleted by retention before they were read; the commit records them as lost`,
      { topic: tp.topic, partition: tp.partition, from: position.toString(), to: to.toString(), count },
    );
    this.#metrics.offsetsLostToRetention(this.#connector, tp.topic, tp.partition, count);
    return { from: position, to };
  }

  /** A broker that does not answer once is asked again: a failed query would stop the worker. */
  async #queryLogStart(logStart: LogStart, tp: TopicPartition): Promise<bigint> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await logStart(tp);
      } catch (error) {
        if (attempt >= QUERY_ATTEMPTS) throw error;
        this.#log.warn(`${tp.topic}[${tp.partition}]: log start query failed; asking again`, {
          err: error,
          attempt,
        });
        await sleepMs(backoffDelayMs(attempt - 1, QUERY_RETRY));
      }
    }
  }
}
