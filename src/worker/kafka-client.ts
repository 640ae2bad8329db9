// The one adapter to @confluentinc/kafka-javascript (librdkafka). floe uses its
// node-rdkafka style API, not the KafkaJS one: consume(n) hands over whole
// batches, and a rebalance_cb function leaves (incremental) assign/unassign to
// us, so a rebalance can wait for async work (flush + Iceberg commit) and new
// partitions start at offsets floe chose. librdkafka holds the partitions
// until we unassign (bounded by max.poll.interval.ms) and waits for queued
// offset commits before handing them over (rdkafka_assignment.c).
import type {
  LibrdKafkaError,
  Message,
  TopicPartition as SdkTopicPartition,
  TopicPartitionOffset as SdkTopicPartitionOffset,
} from '@confluentinc/kafka-javascript';
import { RdKafka } from '@confluentinc/kafka-javascript';
import { FloeError, ValidationError } from '../errors.ts';
import { type Logger, silentLogger } from '../log.ts';
import type { AssignedConsumerApi, AssignedPoll } from './backfill-consumer.ts';
import {
  adminProperties,
  type ConsumerTuning,
  consumerProperties,
  producerProperties,
} from './kafka-properties.ts';
import type {
  KafkaAdminApi,
  KafkaClientConfig,
  KafkaConsumerApi,
  KafkaProducerApi,
  KafkaRecord,
  PartitionWatermarks,
  ProducerRecord,
  RebalanceHandler,
  StartOffsets,
  TopicPartition,
  TopicPartitionOffset,
  Watermarks,
} from './kafka-types.ts';

const ERR_ASSIGN_PARTITIONS = -175;
const ERR_REVOKE_PARTITIONS = -174;
const ERR_QUEUE_FULL = -184;
const ERR_NO_OFFSET = -168;
/** librdkafka's RD_KAFKA_OFFSET_STORED: the committed group offset, else auto.offset.reset. */
const OFFSET_STORED = -1000;
/** ListOffsets answers -1 when no record has a timestamp at or after the one asked for. */
const NO_OFFSET = -1;
const DEFAULT_TIMEOUT_MS = 30_000;

/** Methods the binding has at runtime that its .d.ts leaves out. */
interface CooperativeConsumer {
  incrementalAssign(partitions: SdkTopicPartitionOffset[]): void;
  incrementalUnassign(partitions: SdkTopicPartition[]): void;
  assignmentLost(): boolean;
  setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void;
}

interface Rebalance {
  readonly kind: 'assign' | 'revoke';
  readonly partitions: readonly TopicPartition[];
  /** For a revoke: the partitions the worker owned (their records were being delivered). */
  readonly owned: readonly TopicPartition[];
  readonly lost: boolean;
}

export interface KafkaClientOptions {
  readonly logger?: Logger;
  /** Timeout of broker round trips (connect, seek, watermarks, admin calls). Default 30 s. */
  readonly timeoutMs?: number;
}

export interface KafkaConsumerOptions extends KafkaClientOptions, ConsumerTuning {
  /** How long disconnect() drives the final revocation before it calls onRevoked itself. Default 30 s. */
  readonly closeTimeoutMs?: number;
}

export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

export class KafkaConsumerClient implements KafkaConsumerApi {
  readonly #consumer: RdKafka.KafkaConsumer;
  readonly #cooperative: CooperativeConsumer;
  readonly #handler: RebalanceHandler;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #closeTimeoutMs: number;
  /** topic -> partitions whose records are delivered: assigned through onAssigned, not being revoked. */
  readonly #owned = new Map<string, Set<number>>();
  readonly #pending: Rebalance[] = [];
  #applying: Promise<void> | undefined;
  #consuming: Promise<unknown> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #failure: Error | undefined;
  #state: 'new' | 'connected' | 'closing' | 'closed' = 'new';
  #subscribed = false;
  /** Commits whose result librdkafka has not reported yet (offset_commit_cb, served by consume()). */
  #commitsInFlight = 0;
  #closeStarted = false;
  #closed: Promise<void> | undefined;

  static create(
    config: KafkaClientConfig,
    handler: RebalanceHandler,
    options: KafkaConsumerOptions = {},
  ): KafkaConsumerClient {
    return new KafkaConsumerClient(config, handler, options);
  }

  private constructor(config: KafkaClientConfig, handler: RebalanceHandler, options: KafkaConsumerOptions) {
    this.#handler = handler;
    this.#log = (options.logger ?? silentLogger).child({ component: 'kafka-consumer' });
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#consumer = new RdKafka.KafkaConsumer({
      ...consumerProperties(config, options),
      rebalance_cb: (err: LibrdKafkaError, assignment: SdkTopicPartition[]) =>
        this.#onRebalance(err, assignment),
      offset_commit_cb: (err: LibrdKafkaError | undefined) => {
        this.#commitsInFlight = Math.max(0, this.#commitsInFlight - 1);
        if (err && err.code !== ERR_NO_OFFSET) {
          this.#log.warn('group offset commit failed', { code: err.code, reason: err.message });
        }
      },
    });
    this.#cooperative = cooperative(this.#consumer);
    forwardClientLogs(this.#consumer, this.#log);
  }

  async connect(): Promise<void> {
    if (this.#state !== 'new') throw new FloeError(`Kafka consumer: connect() called when ${this.#state}`);
    await callback<unknown>(
      (cb) => this.#consumer.connect({ timeout: this.#timeoutMs }, cb),
      'consumer connect',
    );
    this.#cooperative.setDefaultIsTimeoutOnlyForFirstMessage(true);
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
  }

  poll(maxRecords: number, timeoutMs: number): Promise<KafkaRecord[]> {
    this.#assertConnected('poll');
    return this.#exclusive(async () => {
      await this.#applyRebalances();
      if (this.#failure) throw this.#failure;
      const messages = await this.#consume(maxRecords, timeoutMs);
      return this.#toRecords(messages);
    });
  }

  async seek(tp: TopicPartition, offset: bigint): Promise<void> {
    this.#assertConnected('seek');
    if (!this.#owns(tp.topic, tp.partition)) {
      throw new ValidationError(
        `Kafka consumer: cannot seek ${partitionKey(tp)}: not assigned to this worker`,
        {
          topic: tp.topic,
          partition: tp.partition,
        },
      );
    }
    await this.#consuming;
    const target = { topic: tp.topic, partition: tp.partition, offset: toSdkOffset(offset, tp) };
    await callback((cb) => this.#consumer.seek(target, this.#timeoutMs, cb), 'seek', target);
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#assertOpen('pause');
    this.#consumer.pause(partitions.map(plain));
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#assertOpen('resume');
    this.#consumer.resume(partitions.map(plain));
  }

  assignment(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, partitions] of this.#owned)
      for (const partition of partitions) out.push({ topic, partition });
    return out;
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

  disconnect(): Promise<void> {
    if (this.#state === 'new' || this.#state === 'closed') return Promise.resolve();
    this.#state = 'closing';
    this.#closed ??= this.#exclusive(() => this.#close());
    return this.#closed;
  }

  async #close(): Promise<void> {
    const earlier = this.#failure; // already thrown by poll()
    try {
      if (this.#subscribed) await this.#revokeAllThroughGroup();
    } catch (error) {
      this.#fail(error);
    }
    const left = this.assignment();
    if (left.length > 0) {
      this.#owned.clear();
      this.#log.warn('the group did not revoke every partition before disconnect; revoking them here', {
        partitions: left.map(partitionKey).join(','),
      });
      await this.#handler.onRevoked(left).catch((error: unknown) => this.#fail(error));
    }
    this.#closeStarted = true;
    await new Promise<void>((resolve) => this.#consumer.disconnect(() => resolve()));
    this.#state = 'closed';
    if (this.#failure !== earlier) throw this.#failure;
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
    await this.#applyRebalances();
    while ((this.#owned.size > 0 || this.#commitsInFlight > 0) && Date.now() < deadline) {
      await this.#consume(1000, 100); // records of partitions being given up are not delivered
      await this.#applyRebalances();
    }
  }

  /** Runs on the JS thread while consume() (or close) serves librdkafka's queue; the work happens in poll(). */
  #onRebalance(err: LibrdKafkaError | undefined, assignment: SdkTopicPartition[]): void {
    const partitions = assignment.map(plain);
    if (err?.code === ERR_ASSIGN_PARTITIONS) {
      this.#pending.push({ kind: 'assign', partitions, owned: [], lost: false });
    } else if (err?.code === ERR_REVOKE_PARTITIONS) {
      // Stop delivering at once: records still in flight for these partitions are dropped.
      const owned = partitions.filter((tp) => this.#owned.get(tp.topic)?.delete(tp.partition) === true);
      for (const [topic, set] of this.#owned) if (set.size === 0) this.#owned.delete(topic);
      let lost = false;
      try {
        lost = this.#cooperative.assignmentLost();
      } catch {
        // only answerable while connected
      }
      this.#pending.push({ kind: 'revoke', partitions, owned, lost });
    } else {
      this.#fail(kafkaError('rebalance', err, {}));
      return;
    }
    // During close nothing polls: apply at once so librdkafka's close can finish.
    if (this.#closeStarted) void this.#applyRebalances();
  }

  #applyRebalances(): Promise<void> {
    this.#applying ??= this.#drainRebalances().finally(() => {
      this.#applying = undefined;
      if (this.#closeStarted && this.#pending.length > 0) void this.#applyRebalances();
    });
    return this.#applying;
  }

  async #drainRebalances(): Promise<void> {
    for (let event = this.#pending.shift(); event !== undefined; event = this.#pending.shift()) {
      if (event.kind === 'assign') await this.#assign(event.partitions);
      else await this.#revoke(event);
    }
  }

  async #assign(partitions: readonly TopicPartition[]): Promise<void> {
    let starts: StartOffsets | undefined;
    let sdkPartitions = partitions.map((tp) => ({ ...plain(tp), offset: OFFSET_STORED }));
    if (partitions.length === 0) {
      // Cooperative rounds that add nothing still need the assign call; the worker
      // hears of them too (an idle member has joined its group and is ready).
      starts = new Map();
      if (this.#state === 'connected' && this.#failure === undefined) {
        await this.#handler.onAssigned([]).catch((error: unknown) => this.#fail(error));
      }
    } else if (this.#state === 'connected' && this.#failure === undefined) {
      try {
        starts = await this.#handler.onAssigned(partitions);
        sdkPartitions = partitions.map((tp) => {
          const start = starts!.get(partitionKey(tp));
          return { ...plain(tp), offset: start === undefined ? OFFSET_STORED : toSdkOffset(start, tp) };
        });
      } catch (error) {
        starts = undefined;
        this.#fail(error);
      }
    }
    // Always complete librdkafka's side of the rebalance, else the group stalls.
    this.#cooperative.incrementalAssign(sdkPartitions);
    if (starts === undefined) {
      if (this.#state === 'connected') this.#consumer.pause(sdkPartitions.map(plain));
      return;
    }
    if (partitions.length === 0) return;
    for (const tp of partitions) {
      const set = this.#owned.get(tp.topic) ?? new Set<number>();
      set.add(tp.partition);
      this.#owned.set(tp.topic, set);
    }
    this.#log.info('partitions assigned', { partitions: partitions.map(partitionKey).join(',') });
  }

  async #revoke(event: Rebalance): Promise<void> {
    if (event.owned.length > 0) {
      const callback = event.lost && this.#handler.onLost ? this.#handler.onLost : this.#handler.onRevoked;
      try {
        await callback.call(this.#handler, event.owned);
      } catch (error) {
        this.#fail(error);
      }
    }
    this.#cooperative.incrementalUnassign(event.partitions.map(plain));
    this.#log.info(event.lost ? 'partitions lost' : 'partitions revoked', {
      partitions: event.partitions.map(partitionKey).join(','),
    });
  }

  async #consume(maxRecords: number, timeoutMs: number): Promise<Message[]> {
    this.#consumer.setDefaultConsumeTimeout(timeoutMs);
    const batch = new Promise<Message[]>((resolve, reject) =>
      this.#consumer.consume(maxRecords, (err, messages) => (err ? reject(err) : resolve(messages))),
    );
    this.#consuming = batch.catch(() => undefined);
    try {
      return await batch;
    } catch (error) {
      const err = error as LibrdKafkaError;
      if (err.isFatal) throw kafkaError('consume', err, {});
      this.#log.warn('consume reported an error', { code: err.code, reason: err.message });
      return [];
    } finally {
      this.#consuming = undefined;
    }
  }

  #toRecords(messages: readonly Message[]): KafkaRecord[] {
    const records: KafkaRecord[] = [];
    let topic: string | undefined;
    let owned: Set<number> | undefined;
    for (const m of messages) {
      if (m.topic !== topic) {
        topic = m.topic;
        owned = this.#owned.get(topic);
      }
      if (owned?.has(m.partition) !== true) continue;
      const key = m.key == null ? null : typeof m.key === 'string' ? Buffer.from(m.key) : m.key;
      const headers: Array<[string, Buffer]> = [];
      let size = (m.value?.length ?? 0) + (key?.length ?? 0);
      if (m.headers !== undefined) {
        for (const header of m.headers) {
          for (const [name, raw] of Object.entries(header)) {
            const value = typeof raw === 'string' ? Buffer.from(raw) : raw;
            headers.push([name, value]);
            size += name.length + value.length;
          }
        }
      }
      records.push({
        topic: m.topic,
        partition: m.partition,
        offset: BigInt(m.offset),
        timestampMs: m.timestamp ?? -1,
        key,
        value: m.value,
        headers,
        sizeBytes: size,
      });
    }
    return records;
  }

  #owns(topic: string, partition: number): boolean {
    return this.#owned.get(topic)?.has(partition) === true;
  }

  #fail(error: unknown): void {
    const failure = error instanceof Error ? error : new FloeError(`Kafka consumer: ${String(error)}`);
    if (this.#failure === undefined) this.#failure = failure;
    this.#log.error('rebalance handling failed; the consumer stops delivering records', { err: failure });
  }

  #assertConnected(operation: string): void {
    if (this.#state !== 'connected') {
      throw new FloeError(`Kafka consumer: ${operation}() needs a connected consumer (it is ${this.#state})`);
    }
  }

  /** Also allowed while disconnect() runs the final onRevoked. */
  #assertOpen(operation: string): void {
    if (this.#state !== 'connected' && !(this.#state === 'closing' && !this.#closeStarted)) {
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

export class KafkaProducerClient implements KafkaProducerApi {
  readonly #producer: RdKafka.Producer;
  readonly #timeoutMs: number;

  static create(config: KafkaClientConfig, options: KafkaClientOptions = {}): KafkaProducerClient {
    return new KafkaProducerClient(config, options);
  }

  private constructor(config: KafkaClientConfig, options: KafkaClientOptions) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#producer = new RdKafka.Producer({ ...producerProperties(config), dr_cb: true });
    this.#producer.on('delivery-report', (err, report) => {
      const delivery = report.opaque as { resolve(): void; reject(error: Error): void };
      if (err)
        delivery.reject(kafkaError('produce', err, { topic: report.topic, partition: report.partition }));
      else delivery.resolve();
    });
    forwardClientLogs(
      this.#producer,
      (options.logger ?? silentLogger).child({ component: 'kafka-producer' }),
    );
  }

  async connect(): Promise<void> {
    await callback<unknown>(
      (cb) => this.#producer.connect({ timeout: this.#timeoutMs }, cb),
      'producer connect',
    );
    this.#producer.setPollInBackground(true); // delivery reports without a JS timer
  }

  async send(topic: string, records: readonly ProducerRecord[]): Promise<void> {
    const deliveries: Promise<void>[] = [];
    try {
      for (const record of records) deliveries.push((await this.#produce(topic, record)).delivered);
    } catch (error) {
      void Promise.allSettled(deliveries); // the first error is the one to report
      throw error;
    }
    await Promise.all(deliveries);
  }

  /** Queues one record (waiting while librdkafka's local queue is full); `delivered` settles with its delivery report. */
  async #produce(topic: string, record: ProducerRecord): Promise<{ delivered: Promise<void> }> {
    const headers = record.headers?.map(([name, value]) => ({ [name]: value }));
    const delivery: { resolve?: () => void; reject?: (error: Error) => void } = {};
    const delivered = new Promise<void>((resolve, reject) => Object.assign(delivery, { resolve, reject }));
    for (;;) {
      try {
        const partition = record.partition ?? null;
        const timestamp = record.timestampMs ?? null;
        this.#producer.produce(topic, partition, record.value, record.key, timestamp, delivery, headers);
        return { delivered };
      } catch (error) {
        if ((error as LibrdKafkaError).code !== ERR_QUEUE_FULL) throw kafkaError('produce', error, { topic });
        await new Promise((resolve) => setTimeout(resolve, 20)); // deliveries drain the local queue
      }
    }
  }

  flush(timeoutMs = this.#timeoutMs): Promise<void> {
    return callback((cb) => this.#producer.flush(timeoutMs, cb), 'producer flush');
  }

  async disconnect(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve) => this.#producer.disconnect(() => resolve()));
  }
}

export class KafkaAdminClient implements KafkaAdminApi {
  readonly #properties: Record<string, string>;
  readonly #timeoutMs: number;
  #admin: RdKafka.IAdminClient | undefined;

  static create(config: KafkaClientConfig, options: KafkaClientOptions = {}): KafkaAdminClient {
    return new KafkaAdminClient(config, options);
  }

  private constructor(config: KafkaClientConfig, options: KafkaClientOptions) {
    this.#properties = adminProperties(config);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async connect(): Promise<void> {
    this.#admin ??= RdKafka.AdminClient.create(this.#properties);
  }

  createTopic(
    name: string,
    partitions: number,
    config: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    const topic = { topic: name, num_partitions: partitions, replication_factor: -1, config: { ...config } };
    return callback((cb) => this.#client().createTopic(topic, this.#timeoutMs, cb), 'create topic', {
      topic: name,
    });
  }

  deleteTopic(name: string): Promise<void> {
    return callback((cb) => this.#client().deleteTopic(name, this.#timeoutMs, cb), 'delete topic', {
      topic: name,
    });
  }

  listTopics(): Promise<string[]> {
    return callback<string[]>(
      (cb) => this.#client().listTopics({ timeout: this.#timeoutMs }, cb),
      'list topics',
    );
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]> {
    const partitions = await this.#partitions(topic);
    const [low, high] = await Promise.all([
      this.#listOffsets(topic, partitions, RdKafka.OffsetSpec.EARLIEST),
      this.#listOffsets(topic, partitions, RdKafka.OffsetSpec.LATEST),
    ]);
    return partitions.map((partition) => ({
      partition,
      low: low.get(partition)!,
      high: high.get(partition)!,
    }));
  }

  async offsetsForTimes(
    topic: string,
    timestampMs: number,
  ): Promise<Array<{ partition: number; offset: bigint }>> {
    const partitions = await this.#partitions(topic);
    const [found, high] = await Promise.all([
      this.#listOffsets(topic, partitions, new RdKafka.OffsetSpec(timestampMs)),
      this.#listOffsets(topic, partitions, RdKafka.OffsetSpec.LATEST),
    ]);
    return partitions.map((partition) => {
      const offset = found.get(partition)!;
      return { partition, offset: offset === BigInt(NO_OFFSET) ? high.get(partition)! : offset };
    });
  }

  async disconnect(): Promise<void> {
    this.#admin?.disconnect();
    this.#admin = undefined;
  }

  async #partitions(topic: string): Promise<number[]> {
    const [description] = await callback<RdKafka.TopicDescription[]>(
      (cb) => this.#client().describeTopics([topic], { timeout: this.#timeoutMs }, cb),
      'describe topic',
      { topic },
    );
    if (description?.error) throw kafkaError('describe topic', description.error, { topic });
    return (description?.partitions ?? []).map((p) => p.partition).sort((a, b) => a - b);
  }

  async #listOffsets(
    topic: string,
    partitions: number[],
    spec: RdKafka.OffsetSpec,
  ): Promise<Map<number, bigint>> {
    const request = partitions.map((partition) => ({ topic, partition, offset: spec }));
    const results = await callback<RdKafka.ListOffsetsResult[]>(
      (cb) => this.#client().listOffsets(request, { timeout: this.#timeoutMs }, cb),
      'list offsets',
      { topic },
    );
    const offsets = new Map<number, bigint>();
    for (const r of results) {
      if (r.error) throw kafkaError('list offsets', r.error, { topic, partition: r.partition });
      offsets.set(r.partition, BigInt(r.offset));
    }
    return offsets;
  }

  #client(): RdKafka.IAdminClient {
    if (this.#admin === undefined) throw new FloeError('Kafka admin: call connect() first');
    return this.#admin;
  }
}

function cooperative(consumer: RdKafka.KafkaConsumer): CooperativeConsumer {
  const methods = consumer as unknown as Partial<CooperativeConsumer>;
  for (const name of ['incrementalAssign', 'incrementalUnassign', 'assignmentLost'] as const) {
    if (typeof methods[name] !== 'function') {
      throw new FloeError(`@confluentinc/kafka-javascript lacks KafkaConsumer.${name}; floe needs it`);
    }
  }
  return {
    incrementalAssign: (p) => methods.incrementalAssign!.call(consumer, p),
    incrementalUnassign: (p) => methods.incrementalUnassign!.call(consumer, p),
    assignmentLost: () => methods.assignmentLost!.call(consumer),
    // Without it consume(n) waits timeoutMs for every message instead of only the first.
    setDefaultIsTimeoutOnlyForFirstMessage: (v) =>
      methods.setDefaultIsTimeoutOnlyForFirstMessage?.call(consumer, v),
  };
}

/**
 * librdkafka treats a subscription as a regex only when it starts with '^', and
 * compiles it as a POSIX extended regex (regcomp). JS-only syntax topic patterns
 * use is rewritten to match the same topics: `(?:` to a plain group, \d and \w
 * to bracket expressions.
 */
function regexSubscription(pattern: RegExp): string {
  if (pattern.flags !== '') {
    throw new ValidationError(
      `Kafka topic pattern /${pattern.source}/${pattern.flags}: flags are not supported`,
    );
  }
  const text = pattern.source;
  const classes: Record<string, string> = { d: '0-9', w: 'A-Za-z0-9_' };
  let source = '';
  let inClass = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1] ?? '';
      const range = classes[next];
      source += range === undefined ? c + next : inClass ? range : `[${range}]`;
      i++;
    } else if (!inClass && text.startsWith('(?:', i)) {
      source += '(';
      i += 2;
    } else {
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      source += c;
    }
  }
  return source.startsWith('^') ? source : `^.*(${source})`;
}

function plain(tp: TopicPartition): SdkTopicPartition {
  return { topic: tp.topic, partition: tp.partition };
}

function toSdkOffset(offset: bigint, tp: TopicPartition): number {
  if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ValidationError(`Kafka offset ${offset} of ${partitionKey(tp)} is out of range`, {
      topic: tp.topic,
      partition: tp.partition,
    });
  }
  return Number(offset);
}

function kafkaError(operation: string, error: unknown, context: Record<string, string | number>): FloeError {
  const err = error as Partial<LibrdKafkaError> | undefined;
  const where = Object.entries(context)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return new FloeError(
    `Kafka ${operation} failed${where ? ` (${where})` : ''}: ${err?.message ?? String(error)}`,
    { ...context, code: err?.code },
    { cause: error },
  );
}

/** Adapts the binding's (err, value) callbacks; errors become FloeErrors naming the operation. */
function callback<T = void>(
  start: (cb: (err: LibrdKafkaError | Error | null | undefined, value?: T) => void) => void,
  operation: string,
  context: Record<string, string | number> = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((err, value) => (err ? reject(kafkaError(operation, err, context)) : resolve(value as T)));
    } catch (error) {
      reject(kafkaError(operation, error, context));
    }
  });
}

/** librdkafka logs with syslog severities 0 (emergency) .. 7 (debug). */
const SYSLOG_LEVEL = ['error', 'error', 'error', 'error', 'warn', 'debug', 'debug', 'debug'] as const;

function forwardClientLogs(client: RdKafka.Client<'event.error' | 'event.log'>, log: Logger): void {
  client.on('event.error', (err) => log.warn('Kafka client error', { code: err.code, reason: err.message }));
  client.on('event.log', (event: { severity: number; fac: string; message: string }) => {
    log[SYSLOG_LEVEL[event.severity] ?? 'debug'](event.message, { facility: event.fac });
  });
}

// ---------------------------------------------------------------------------
// Assign-mode consumer for `floe backfill` (owner: backfill; kept apart from the
// group consumer above). Partitions are assigned directly, so no group is
// joined and no running `floe run` member is disturbed; nothing is committed
// to Kafka. enable.partition.eof tells the backfill when a partition's fetch
// reached the end of the log, which also covers logs that end in transaction
// markers (offsets no record is ever delivered for).

export class KafkaAssignedConsumer implements AssignedConsumerApi {
  readonly #consumer: RdKafka.KafkaConsumer;
  readonly #timeoutMs: number;
  readonly #ends: TopicPartitionOffset[] = [];
  #connected = false;

  static create(config: KafkaClientConfig, options: KafkaClientOptions = {}): KafkaAssignedConsumer {
    return new KafkaAssignedConsumer(config, options);
  }

  private constructor(config: KafkaClientConfig, options: KafkaClientOptions) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // librdkafka wants a group.id even for assign(); a separate one keeps any stray commit away from the worker's group.
    const properties = consumerProperties({ ...config, groupId: `${config.groupId}.backfill` });
    this.#consumer = new RdKafka.KafkaConsumer({ ...properties, 'enable.partition.eof': true }, {});
    this.#consumer.on('partition.eof', (eof: { topic: string; partition: number; offset: number }) => {
      this.#ends.push({ topic: eof.topic, partition: eof.partition, offset: BigInt(eof.offset) });
    });
    forwardClientLogs(
      this.#consumer,
      (options.logger ?? silentLogger).child({ component: 'kafka-backfill-consumer' }),
    );
  }

  async connect(): Promise<void> {
    await callback<unknown>(
      (cb) => this.#consumer.connect({ timeout: this.#timeoutMs }, cb),
      'consumer connect',
    );
    const consumer = this.#consumer as unknown as {
      setDefaultIsTimeoutOnlyForFirstMessage?(v: boolean): void;
    };
    consumer.setDefaultIsTimeoutOnlyForFirstMessage?.(true);
    this.#connected = true;
  }

  assign(starts: readonly TopicPartitionOffset[]): void {
    this.#assertConnected('assign');
    this.#consumer.assign(starts.map((s) => ({ ...plain(s), offset: toSdkOffset(s.offset, s) })));
  }

  async poll(maxRecords: number, timeoutMs: number): Promise<AssignedPoll> {
    this.#assertConnected('poll');
    this.#consumer.setDefaultConsumeTimeout(timeoutMs);
    let messages: Message[];
    try {
      messages = await new Promise<Message[]>((resolve, reject) =>
        this.#consumer.consume(maxRecords, (err, batch) => (err ? reject(err) : resolve(batch))),
      );
    } catch (error) {
      if ((error as LibrdKafkaError).isFatal) throw kafkaError('consume', error, {});
      messages = [];
    }
    // partition.eof events are emitted synchronously before consume's callback.
    const endOfPartition = this.#ends.splice(0);
    return { records: messages.map(assignedRecord), endOfPartition };
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.#consumer.pause(partitions.map(plain));
  }

  async disconnect(): Promise<void> {
    if (!this.#connected) return;
    this.#connected = false;
    await new Promise<void>((resolve) => this.#consumer.disconnect(() => resolve()));
  }

  #assertConnected(operation: string): void {
    if (!this.#connected)
      throw new FloeError(`Kafka backfill consumer: ${operation}() needs connect() first`);
  }
}

function assignedRecord(m: Message): KafkaRecord {
  const key = m.key == null ? null : typeof m.key === 'string' ? Buffer.from(m.key) : m.key;
  const headers: Array<[string, Buffer]> = [];
  let size = (m.value?.length ?? 0) + (key?.length ?? 0);
  for (const header of m.headers ?? []) {
    for (const [name, raw] of Object.entries(header)) {
      const value = typeof raw === 'string' ? Buffer.from(raw) : raw;
      headers.push([name, value]);
      size += name.length + value.length;
    }
  }
  return {
    topic: m.topic,
    partition: m.partition,
    offset: BigInt(m.offset),
    timestampMs: m.timestamp ?? -1,
    key,
    value: m.value,
    headers,
    sizeBytes: size,
  };
}
