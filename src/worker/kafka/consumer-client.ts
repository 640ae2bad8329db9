// The group consumer: floe's adapter to @confluentinc/kafka-javascript's
// node-rdkafka style API (not the KafkaJS one): consume(n) hands over whole
// batches, and a rebalance_cb function leaves (incremental) assign/unassign to
// us, so a rebalance can wait for async work (flush + Iceberg commit) and new
// partitions start at offsets floe chose. librdkafka holds the partitions
// until we unassign (bounded by max.poll.interval.ms) and waits for queued
// offset commits before handing them over (rdkafka_assignment.c).
import type { LibrdKafkaError, TopicPartition as SdkTopicPartition } from '@confluentinc/kafka-javascript';
import { RdKafka } from '@confluentinc/kafka-javascript';
import { FloeError, ValidationError } from '../../errors.ts';
import { type Logger, silentLogger } from '../../log.ts';
import { type ConsumerTuning, consumerProperties } from '../kafka-properties.ts';
import type {
  KafkaClientConfig,
  KafkaConsumerApi,
  KafkaRecord,
  RebalanceHandler,
  TopicPartition,
  TopicPartitionOffset,
  Watermarks,
} from '../kafka-types.ts';
import { WarningAggregator } from '../warning-aggregator.ts';
import { BatchFetcher } from './batch-fetcher.ts';
import { hasPackedConsume } from './packed-consume.ts';
import { PausedTime } from './paused-time.ts';
import { type Rebalance, RebalanceQueue } from './rebalance-queue.ts';
import {
  type CooperativeConsumer,
  callback,
  cooperative,
  DEFAULT_TIMEOUT_MS,
  ERR_ASSIGN_PARTITIONS,
  ERR_NO_OFFSET,
  ERR_REVOKE_PARTITIONS,
  forwardClientLogs,
  type KafkaClientOptions,
  kafkaError,
  partitionKey,
  plain,
  toSdkOffset,
} from './sdk-helpers.ts';
import { connectStoppably } from './stoppable-connect.ts';
import { regexSubscription } from './topic-pattern.ts';

export interface KafkaConsumerOptions extends KafkaClientOptions, ConsumerTuning {
  /** How long disconnect() drives the final revocation before it calls onRevoked itself. Default 30 s. */
  readonly closeTimeoutMs?: number;
}

/** Fetch in short steps (batch-fetcher.ts) for at most this long after subscribe() (a topic that does not exist yet: no join). */
const JOIN_STEPPING_MS = 30_000;

export class KafkaConsumerClient implements KafkaConsumerApi {
  readonly #consumer: RdKafka.KafkaConsumer;
  readonly #cooperative: CooperativeConsumer;
  readonly #rebalances: RebalanceQueue;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #fetcher: BatchFetcher;
  #queue: Promise<unknown> = Promise.resolve();
  #state: 'new' | 'connected' | 'closing' | 'closed' = 'new';
  #subscribed = false;
  /** Commits whose result librdkafka has not reported yet (offset_commit_cb, served by consume()). */
  #commitsInFlight = 0;
  #closed: Promise<void> | undefined;
  /** A rebalance fails every in-flight commit at once: one line with a count, not one each. */
  readonly #commitWarnings: WarningAggregator;
  /** The client's own errors, counted the same way (an unreachable broker: hundreds a second). */
  readonly #clientErrors: WarningAggregator;
  readonly #stop: AbortSignal | undefined;
  readonly #paused = new PausedTime();
  /** An assignment (maybe empty: an idle member) was applied: the group join is over. */
  #joined = false;
  #subscribedAt = 0;
  /** group.instance.id set: a static member keeps its place in the group when it closes (KIP-345). */
  readonly #static: boolean;

  static create(
    config: KafkaClientConfig,
    handler: RebalanceHandler,
    options: KafkaConsumerOptions = {},
  ): KafkaConsumerClient {
    return new KafkaConsumerClient(config, handler, options);
  }

  private constructor(config: KafkaClientConfig, handler: RebalanceHandler, options: KafkaConsumerOptions) {
    this.#log = (options.logger ?? silentLogger).child({ component: 'kafka-consumer' });
    this.#commitWarnings = new WarningAggregator(this.#log);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#stop = options.stop;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const properties = consumerProperties(config, options);
    this.#static = (properties['group.instance.id'] ?? '') !== '';
    this.#consumer = new RdKafka.KafkaConsumer({
      ...properties,
      rebalance_cb: (err: LibrdKafkaError, assignment: SdkTopicPartition[]) =>
        this.#onRebalance(err, assignment),
      offset_commit_cb: (err: LibrdKafkaError | undefined) => {
        this.#commitsInFlight = Math.max(0, this.#commitsInFlight - 1);
        if (err && err.code !== ERR_NO_OFFSET) {
          this.#commitWarnings.warn('group offset commit failed', { code: err.code, reason: err.message });
        }
      },
    });
    this.#cooperative = cooperative(this.#consumer);
    this.#fetcher = new BatchFetcher(this.#consumer, this.#log, {
      joining: () =>
        !this.#joined &&
        !this.#rebalances.ownsAny() &&
        performance.now() - this.#subscribedAt <= JOIN_STEPPING_MS,
      interrupted: () =>
        this.#rebalances.pending || this.#rebalances.failure !== undefined || this.#state !== 'connected',
      fatal: (error) => this.#rebalances.fail(kafkaError('consume', error.cause, {})),
    });
    this.#rebalances = new RebalanceQueue(handler, this.#cooperative, {
      log: this.#log,
      canCallHandler: () => this.#state === 'connected',
      pause: (partitions) => {
        if (this.#state !== 'connected') return;
        this.#consumer.pause(partitions);
        this.#paused.pause(partitions);
      },
      assigned: (partitions) => {
        this.#fetcher.moved(partitions);
        this.#joined = true;
      },
    });
    this.#clientErrors = forwardClientLogs(this.#consumer, this.#log);
  }

  /** Rejects with KafkaConnectStopped when the worker's stop comes first (the client is disconnected then). */
  async connect(): Promise<void> {
    if (this.#state !== 'new') throw new FloeError(`Kafka consumer: connect() called when ${this.#state}`);
    await connectStoppably(this.#consumer, {
      timeoutMs: this.#timeoutMs,
      stop: this.#stop,
      operation: 'consumer connect',
      clientErrors: this.#clientErrors,
    });
    this.#cooperative.setDefaultIsTimeoutOnlyForFirstMessage(true);
    if (!hasPackedConsume(this.#consumer)) {
      this.#log.warn(
        "the Kafka binding lacks floe's consumePacked patch (scripts/build-kafka-addon.mjs, run by npm install); consuming is slower",
      );
    }
    this.#state = 'connected';
  }

  async subscribe(topics: readonly string[] | RegExp): Promise<void> {
    this.#assertConnected('subscribe');
    const list = topics instanceof RegExp ? [regexSubscription(topics)] : [...topics];
    if (list.length === 0) throw new ValidationError('Kafka consumer: subscribe() needs at least one topic');
    try {
      this.#consumer.subscribe(list);
    } catch (error) {
      throw new ValidationError(
        `Kafka consumer: cannot subscribe to ${list.join(', ')} (a pattern must be a POSIX extended regex): ${(error as Error).message}`,
        {},
        { cause: error },
      );
    }
    this.#subscribed = true;
    this.#subscribedAt = performance.now();
  }

  /**
   * Returns the batch fetched ahead (if any) and starts fetching the next one, so
   * librdkafka's queue is drained while the caller processes this batch. Rebalances
   * are applied here, while no consume() is in flight.
   */
  poll(maxRecords: number, timeoutMs: number): Promise<KafkaRecord[]> {
    this.#assertConnected('poll');
    return this.#exclusive(async () => {
      const ahead = await this.#fetcher.takeAhead();
      await this.#rebalances.apply();
      this.#rebalances.throwIfFailed();
      // Judged after the rebalances: their handlers may have sought or re-assigned partitions of `ahead`.
      const fetched = ahead ?? (await this.#fetcher.fetch(maxRecords, timeoutMs));
      const records = this.#rebalances.ownedRecords(this.#fetcher.current(fetched));
      // A rebalance queued meanwhile is applied by the next poll at once, not after one more fetch.
      if (!this.#rebalances.pending) this.#fetcher.startAhead(maxRecords, timeoutMs);
      return records;
    });
  }

  async seek(tp: TopicPartition, offset: bigint): Promise<void> {
    this.#assertConnected('seek');
    if (!this.#rebalances.owns(tp.topic, tp.partition)) {
      // The group took it while the worker was busy (its onRevoked/onLost comes with
      // the next poll): none of its records is delivered any more, nothing to re-read.
      if (this.#rebalances.revoking(tp)) {
        this.#log.info('seek skipped: the partition is being revoked', { partition: partitionKey(tp) });
        return;
      }
      throw new ValidationError(
        `Kafka consumer: cannot seek ${partitionKey(tp)}: not assigned to this worker`,
        {
          topic: tp.topic,
          partition: tp.partition,
        },
      );
    }
    const target = { topic: tp.topic, partition: tp.partition, offset: toSdkOffset(offset, tp) };
    await this.#fetcher.serially(async () => {
      // librdkafka purges the partition's queue on seek; records already fetched
      // (ahead, or held by a poll applying rebalances) are dropped at delivery.
      this.#fetcher.moved([tp]);
      await callback((cb) => this.#consumer.seek(target, this.#timeoutMs, cb), 'seek', target);
    });
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#assertOpen('pause');
    this.#consumer.pause(partitions.map(plain));
    this.#paused.pause(partitions);
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#assertOpen('resume');
    this.#consumer.resume(partitions.map(plain));
    this.#paused.resume(partitions);
  }

  pausedSeconds(): number {
    return this.#paused.seconds();
  }

  assignment(): TopicPartition[] {
    return this.#rebalances.assignment();
  }

  /** Queued, not awaited: librdkafka finishes it before it hands the partitions over or closes. */
  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.#assertOpen('commitOffsets');
    if (offsets.length === 0) return;
    this.#consumer.commit(
      offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: toSdkOffset(o.offset, o) })),
    );
    this.#commitsInFlight++;
  }

  async queryWatermarks(tp: TopicPartition): Promise<Watermarks> {
    this.#assertOpen('queryWatermarks');
    const marks = await callback<{ lowOffset: number; highOffset: number }>(
      (cb) => this.#consumer.queryWatermarkOffsets(tp.topic, tp.partition, this.#timeoutMs, cb),
      'query watermarks',
      { topic: tp.topic, partition: tp.partition },
    );
    return { low: BigInt(marks.lowOffset), high: BigInt(marks.highOffset) };
  }

  fetchedHighWatermark(tp: TopicPartition): bigint | undefined {
    if (this.#state !== 'connected') return undefined;
    try {
      const marks = this.#consumer.getWatermarkOffsets(tp.topic, tp.partition);
      return marks.highOffset >= 0 ? BigInt(marks.highOffset) : undefined;
    } catch {
      return undefined; // librdkafka has no fetch response for it yet
    }
  }

  disconnect(): Promise<void> {
    if (this.#state === 'new' || this.#state === 'closed') return Promise.resolve();
    this.#state = 'closing';
    this.#closed ??= this.#exclusive(() => this.#close());
    return this.#closed;
  }

  async #close(): Promise<void> {
    await this.#fetcher.takeAhead(); // not delivered: the worker stopped polling
    const earlier = this.#rebalances.failure; // already thrown by poll()
    try {
      // A static member does not unsubscribe: that would send a LeaveGroup and make
      // the group rebalance twice per restart (a rolling update). Its partitions are
      // revoked locally below, then by librdkafka's close, which keeps the member in
      // the group until its session times out or it comes back under the same id.
      if (this.#subscribed && !this.#static) await this.#revokeAllThroughGroup();
    } catch (error) {
      this.#rebalances.fail(error);
    }
    await this.#rebalances.revokeRemaining(this.#static);
    this.#rebalances.closeStarted = true;
    await new Promise<void>((resolve) => this.#consumer.disconnect(() => resolve()));
    this.#state = 'closed';
    this.#commitWarnings.close();
    this.#clientErrors.close();
    if (this.#rebalances.failure !== earlier) throw this.#rebalances.failure;
  }

  /**
   * Unsubscribing makes librdkafka revoke everything through rebalance_cb (served by
   * consume()) and then leave the group. The leave waits for the commits made in
   * onRevoked: closing before they finish terminates without a LeaveGroup (librdkafka
   * 2.15, rd_kafka_cgrp_incr_unassign_done) and the partitions wait out the session timeout.
   */
  async #revokeAllThroughGroup(): Promise<void> {
    this.#consumer.unsubscribe();
    const deadline = Date.now() + this.#closeTimeoutMs;
    await this.#rebalances.apply();
    const failure = this.#rebalances.failure;
    while (
      (this.#rebalances.ownsAny() || this.#commitsInFlight > 0) &&
      Date.now() < deadline &&
      this.#rebalances.failure === failure
    ) {
      await this.#fetcher.consume(1000, 100); // records of partitions being given up are not delivered
      await this.#rebalances.apply();
    }
  }

  /** Runs on the JS thread while consume() (or close) serves librdkafka's queue; the work happens in poll(). */
  #onRebalance(err: LibrdKafkaError | undefined, assignment: SdkTopicPartition[]): void {
    const partitions = assignment.map(plain);
    let event: Rebalance;
    if (err?.code === ERR_ASSIGN_PARTITIONS) {
      event = { kind: 'assign', partitions, owned: [], lost: false };
    } else if (err?.code === ERR_REVOKE_PARTITIONS) {
      // Stop delivering at once: records fetched so far of these partitions are dropped,
      // even if the partitions come back (at an offset floe chooses then).
      const owned = this.#rebalances.disown(partitions);
      this.#fetcher.moved(partitions);
      this.#paused.resume(partitions); // an unassigned partition is no longer held back
      let lost = false;
      try {
        lost = this.#cooperative.assignmentLost();
      } catch {
        // only answerable while connected
      }
      event = { kind: 'revoke', partitions, owned, lost };
    } else {
      this.#rebalances.fail(kafkaError('rebalance', err, {}));
      return;
    }
    this.#rebalances.push(event);
  }

  #assertConnected(operation: string): void {
    if (this.#state !== 'connected') {
      throw new FloeError(`Kafka consumer: ${operation}() needs a connected consumer (it is ${this.#state})`);
    }
  }

  /** Also allowed while disconnect() runs the final onRevoked. */
  #assertOpen(operation: string): void {
    if (this.#state !== 'connected' && !(this.#state === 'closing' && !this.#rebalances.closeStarted)) {
      throw new FloeError(`Kafka consumer: ${operation}() needs a connected consumer (it is ${this.#state})`);
    }
  }

  /** poll() and disconnect() run one at a time: a rebalance is applied only while no consume() is in flight. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
