// KafkaConsumerApi for one simulated worker, shaped like the real adapter
// (src/worker/kafka/consumer-client.ts): a batch is fetched ahead while the
// worker processes the previous one, and rebalances are applied inside poll(),
// where the worker's handler is awaited. Staleness follows `prefetch`:
// 'contract' delivers a fetched record only if its partition did not move
// (seek, assign, revoke) since the fetch, as the KafkaConsumerApi contract
// requires; 'adapter-head' mirrors the adapter before fetch epochs (a seek made
// while a rebalance is applied does not drop the batch already taken).
import { FloeError, ValidationError } from '../../src/errors.ts';
import type {
  KafkaConsumerApi,
  KafkaRecord,
  RebalanceHandler,
  TopicPartition,
  TopicPartitionOffset,
  Watermarks,
} from '../../src/worker/kafka-types.ts';
import { fetchRecords } from './fetch-records.ts';
import type { GroupEvent, GroupMember } from './group-coordinator.ts';
import type { SimWorld } from './sim-world.ts';

export type PrefetchModel = 'contract' | 'adapter-head';

interface Prefetch {
  readonly records: KafkaRecord[];
  /** The move counter when the fetch happened ('contract'). */
  readonly epoch: number;
  /** Partitions sought while it was pending ('adapter-head'). */
  readonly stale: Set<string>;
}

interface PendingEvent {
  readonly event: GroupEvent;
  /** Polls before the consumer notices (a session timeout is noticed late). */
  notice: number;
  /** Partitions of a revocation that stopped being delivered when it arrived. */
  readonly disowned: ReadonlySet<string>;
}

const key = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

export class SimConsumer implements KafkaConsumerApi, GroupMember {
  readonly id: string;
  readonly #actor: string;
  readonly #world: SimWorld;
  readonly #handler: RebalanceHandler;
  readonly #model: PrefetchModel;
  readonly #owned = new Map<string, TopicPartition>();
  readonly #positions = new Map<string, bigint>();
  readonly #paused = new Set<string>();
  readonly #events: PendingEvent[] = [];
  readonly #moves = new Map<string, number>();
  #moveClock = 0;
  #prefetch: Prefetch | undefined;
  #state: 'new' | 'connected' | 'closing' | 'closed' = 'new';
  #subscribes: ((topic: string) => boolean) | undefined;
  #failure: Error | undefined;

  constructor(id: string, actor: string, world: SimWorld, handler: RebalanceHandler, model: PrefetchModel) {
    this.id = id;
    this.#actor = actor;
    this.#world = world;
    this.#handler = handler;
    this.#model = model;
  }

  async connect(): Promise<void> {
    await this.#world.scheduler.point(this.#actor, 'kafka.connect');
    this.#state = 'connected';
  }

  async subscribe(topics: readonly string[] | RegExp): Promise<void> {
    this.#assert('subscribe', this.#state === 'connected');
    this.#subscribes = topics instanceof RegExp ? (t) => topics.test(t) : (t) => topics.includes(t);
    this.#world.group.join(this, this.#subscribes);
  }

  async poll(maxRecords: number, timeoutMs: number): Promise<KafkaRecord[]> {
    await this.#world.scheduler.point(this.#actor, 'kafka.poll');
    this.#assert('poll', this.#state === 'connected');
    let ahead: KafkaRecord[] | undefined;
    const epoch = this.#prefetch?.epoch ?? this.#moveClock;
    if (this.#model === 'contract') {
      await this.#applyRebalances(false);
      ahead = this.#takePrefetch();
    } else {
      ahead = this.#takePrefetch();
      await this.#applyRebalances(false);
    }
    if (this.#failure) throw this.#failure;
    const records = (ahead ?? this.#fetch(maxRecords)).filter((r) => this.#owned.has(key(r)));
    const stale = ahead === undefined ? [] : records.filter((r) => (this.#moves.get(key(r)) ?? 0) > epoch);
    if (stale.length > 0)
      this.#world.log.add(`${this.#actor} delivers ${stale.length} stale records (fetched before a move)`);
    this.#prefetch = { records: this.#fetch(maxRecords), epoch: this.#moveClock, stale: new Set() };
    if (records.length === 0) this.#world.clock.advance(timeoutMs);
    return records;
  }

  async seek(tp: TopicPartition, offset: bigint): Promise<void> {
    if (!this.#owned.has(key(tp))) {
      throw new ValidationError(`Kafka consumer: cannot seek ${key(tp)}: not assigned to this worker`);
    }
    this.#world.log.add(`${this.#actor} seek ${key(tp)} -> ${offset}`);
    this.#positions.set(key(tp), offset);
    this.#moved([tp]);
    this.#prefetch?.stale.add(key(tp));
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#paused.add(key(tp));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#paused.delete(key(tp));
  }

  assignment(): TopicPartition[] {
    return [...this.#owned.values()];
  }

  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    // librdkafka reports a refused commit (fenced member) only in a callback: logged, not thrown.
    if (!this.#world.group.commit(this.id, offsets))
      this.#world.log.add(`${this.#actor} group commit refused`);
  }

  async queryWatermarks(tp: TopicPartition): Promise<Watermarks> {
    return {
      low: this.#world.kafka.low(tp.topic, tp.partition),
      high: this.#world.kafka.high(tp.topic, tp.partition),
    };
  }

  /** Revokes every owned partition through onRevoked, then leaves the group. */
  async disconnect(): Promise<void> {
    if (this.#state === 'new' || this.#state === 'closed') return;
    await this.#world.scheduler.point(this.#actor, 'kafka.disconnect');
    this.#state = 'closing';
    this.#prefetch = undefined;
    await this.#applyRebalances(true);
    const left = [...this.#owned.values()];
    if (left.length > 0) {
      this.#owned.clear();
      await this.#handler.onRevoked(left).catch((error: unknown) => this.#fail(error));
    }
    this.#world.group.leave(this.id); // a leaving member is not given its partitions back
    this.#state = 'closed';
  }

  /** From the group: revocations stop delivery at once (rebalance_cb), unless the loss is not noticed yet. */
  deliver(event: GroupEvent): void {
    if (this.#state === 'closed') return;
    const notice = event.kind === 'revoke' && event.lost ? this.#world.rng.consumer.int(4) : 0;
    const disowned = new Set<string>();
    if (event.kind === 'revoke' && notice === 0) {
      for (const tp of event.partitions) if (this.#owned.delete(key(tp))) disowned.add(key(tp));
    }
    this.#events.push({ event, notice, disowned });
  }

  /** Applies the events the consumer has noticed, in order, awaiting the worker's handler. */
  async #applyRebalances(closing: boolean): Promise<void> {
    for (const pending of this.#events) pending.notice--;
    // Events the group sends while this runs are applied too, as the adapter's drain does.
    while (this.#events.length > 0 && (closing || this.#events[0]!.notice <= 0)) {
      const { event, disowned } = this.#events.shift()!;
      if (event.kind === 'assign') await this.#assign(event.partitions, closing);
      else await this.#revoke(event.partitions, event.lost, disowned, closing);
    }
  }

  async #assign(partitions: readonly TopicPartition[], closing: boolean): Promise<void> {
    if (closing || this.#failure) return; // the adapter no longer offers partitions to the worker
    try {
      const starts = await this.#handler.onAssigned(partitions);
      for (const tp of partitions) {
        const start =
          starts.get(key(tp)) ??
          this.#world.group.committed(tp) ??
          this.#world.kafka.low(tp.topic, tp.partition);
        this.#positions.set(key(tp), start);
        this.#owned.set(key(tp), tp);
      }
      this.#moved(partitions);
      this.#world.log.add(
        `${this.#actor} assigned ${partitions.map((tp) => `${key(tp)}@${this.#positions.get(key(tp))}`).join(',')}`,
      );
    } catch (error) {
      this.#fail(error);
    }
  }

  async #revoke(
    partitions: readonly TopicPartition[],
    lost: boolean,
    disowned: ReadonlySet<string>,
    closing: boolean,
  ): Promise<void> {
    const delivered = partitions.filter((tp) => disowned.has(key(tp)) || this.#owned.has(key(tp)));
    for (const tp of partitions) {
      this.#owned.delete(key(tp));
      this.#positions.delete(key(tp));
    }
    this.#moved(partitions);
    this.#world.log.add(`${this.#actor} ${lost ? 'lost' : 'revoked'} ${partitions.map(key).join(',')}`);
    if (delivered.length > 0) {
      const callback = lost && this.#handler.onLost ? this.#handler.onLost : this.#handler.onRevoked;
      await callback.call(this.#handler, delivered).catch((error: unknown) => this.#fail(error));
    }
    if (!lost) this.#world.group.revoked(this.id, partitions);
    else if (!closing && this.#subscribes) this.#world.group.join(this, this.#subscribes); // rejoin
  }

  #moved(partitions: readonly TopicPartition[]): void {
    const at = ++this.#moveClock;
    for (const tp of partitions) this.#moves.set(key(tp), at);
  }

  #takePrefetch(): KafkaRecord[] | undefined {
    const prefetch = this.#prefetch;
    if (prefetch === undefined) return undefined;
    this.#prefetch = undefined;
    if (this.#model === 'adapter-head') return prefetch.records.filter((r) => !prefetch.stale.has(key(r)));
    return prefetch.records.filter((r) => (this.#moves.get(key(r)) ?? 0) <= prefetch.epoch);
  }

  #fetch(max: number): KafkaRecord[] {
    const fetchable = [...this.#owned.values()].filter((tp) => !this.#paused.has(key(tp)));
    return fetchRecords(this.#world, fetchable, this.#positions, max);
  }

  #fail(error: unknown): void {
    this.#failure ??= error instanceof Error ? error : new FloeError(`Kafka consumer: ${String(error)}`);
  }

  #assert(operation: string, ok: boolean): void {
    if (!ok)
      throw new FloeError(`Kafka consumer: ${operation}() needs a connected consumer (it is ${this.#state})`);
  }
}
