// The group consumer's fetching (consumer-client.ts): consume(n) calls one at a
// time, one of them started ahead while the worker processes the previous batch,
// each stamped with the fetch epoch it started at (fetch-epochs.ts) so records
// fetched before a seek or a rebalance of their partition are never delivered.
// A seek runs between two consume calls (`serially`), never during one.
import type { RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from '../../log.ts';
import type { KafkaRecord, TopicPartition } from '../kafka-types.ts';
import { FetchEpochs, type FetchTicket } from './fetch-epochs.ts';
import { consumeBatch, FatalConsumeError } from './packed-consume.ts';

/** The longest single consume(n) before the first assignment (see `fetch`). */
const JOIN_STEP_MS = 10;

/** Records of one consume(n), and the epoch it started at. */
export interface Fetched {
  readonly records: KafkaRecord[];
  readonly ticket: FetchTicket;
}

/** What the fetcher asks of its consumer. */
export interface FetchState {
  /** Before the group join is over: consume in short steps (see `fetch`). */
  joining(): boolean;
  /** A rebalance is queued or failed, or the consumer is closing: a stepped fetch returns at once. */
  interrupted(): boolean;
  /** A fatal consume error; it surfaces at the next poll (a prefetch's caller may be gone). */
  fatal(error: FatalConsumeError): void;
}

export class BatchFetcher {
  readonly #consumer: RdKafka.KafkaConsumer;
  readonly #log: Logger;
  readonly #state: FetchState;
  readonly #epochs = new FetchEpochs();
  /** A consume(n) started ahead, while the caller processes the previous batch. */
  #ahead: Promise<Fetched> | undefined;
  /** consume(n) and seek() run one at a time, so each fetch is wholly before or after a seek. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(consumer: RdKafka.KafkaConsumer, log: Logger, state: FetchState) {
    this.#consumer = consumer;
    this.#log = log;
    this.#state = state;
  }

  /** The batch fetched ahead, if any; the fetcher holds none afterwards. */
  takeAhead(): Promise<Fetched | undefined> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    return ahead ?? Promise.resolve(undefined);
  }

  startAhead(maxRecords: number, timeoutMs: number): void {
    this.#ahead = this.fetch(maxRecords, timeoutMs);
  }

  /** The records of `fetched` whose partitions did not move since its fetch started. */
  current(fetched: Fetched): KafkaRecord[] {
    return this.#epochs.current(fetched.records, fetched.ticket);
  }

  /** Records of these partitions fetched until now are not delivered (a seek, a rebalance). */
  moved(partitions: readonly TopicPartition[]): void {
    this.#epochs.moved(partitions);
  }

  /**
   * consume(n) waiting up to `timeoutMs`. While the group join is on, in steps
   * of JOIN_STEP_MS: a consume cannot be cut short, and the assignment librdkafka
   * queues during one is applied only after it (the first assignment waited
   * ~0.4 s for two whole polls). Not afterwards: the steps cost ~2% of a core,
   * which an idle member (more members than partitions) or one whose topics do
   * not exist yet would spend for nothing.
   */
  async fetch(maxRecords: number, timeoutMs: number): Promise<Fetched> {
    if (!this.#state.joining()) return this.consume(maxRecords, timeoutMs);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = Math.max(1, Math.ceil(deadline - performance.now()));
      const fetched = await this.consume(maxRecords, Math.min(JOIN_STEP_MS, left));
      if (fetched.records.length > 0 || this.#state.interrupted() || performance.now() >= deadline)
        return fetched;
    }
  }

  /** One consume(n); a failed one yields no records (a fatal error is reported to the state). */
  consume(maxRecords: number, timeoutMs: number): Promise<Fetched> {
    return this.serially(async () => {
      const ticket = this.#epochs.ticket();
      try {
        return { records: (await consumeBatch(this.#consumer, maxRecords, timeoutMs)).records, ticket };
      } catch (error) {
        if (error instanceof FatalConsumeError) {
          this.#state.fatal(error);
          return { records: [], ticket };
        }
        const err = error as Error & { code?: number };
        this.#log.warn('consume reported an error', { code: err.code, reason: err.message });
        return { records: [], ticket };
      }
    });
  }

  /** Runs `work` between two consume calls. */
  serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
