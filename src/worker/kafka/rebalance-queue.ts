// The consumer's side of cooperative rebalances: librdkafka's rebalance_cb only
// queues events; they are applied (worker's onAssigned/onRevoked awaited, then
// incremental assign/unassign) inside poll() while no consume() is in flight.
// Also keeps the set of partitions whose records may be delivered.
import { FloeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { KafkaRecord, RebalanceHandler, StartOffsets, TopicPartition } from '../kafka-types.ts';
import {
  type CooperativeConsumer,
  kafkaError,
  OFFSET_STORED,
  partitionKey,
  plain,
  toSdkOffset,
} from './sdk-helpers.ts';

export interface Rebalance {
  readonly kind: 'assign' | 'revoke';
  readonly partitions: readonly TopicPartition[];
  /** For a revoke: the partitions the worker owned (their records were being delivered). */
  readonly owned: readonly TopicPartition[];
  readonly lost: boolean;
}

export interface RebalanceQueueOptions {
  readonly log: Logger;
  /** False once the consumer is closing: new partitions are then not offered to the worker. */
  readonly canCallHandler: () => boolean;
  /** Pauses partitions the worker could not take (its onAssigned failed). */
  readonly pause: (partitions: TopicPartition[]) => void;
  /** Called right after librdkafka took the assignment: the partitions start at new positions. */
  readonly assigned?: (partitions: TopicPartition[]) => void;
}

export class RebalanceQueue {
  readonly #handler: RebalanceHandler;
  readonly #cooperative: Pick<CooperativeConsumer, 'incrementalAssign' | 'incrementalUnassign'>;
  readonly #options: RebalanceQueueOptions;
  /** topic -> partitions whose records are delivered: assigned through onAssigned, not being revoked. */
  readonly #owned = new Map<string, Set<number>>();
  /** Disowned partitions whose revocation the worker has not been told of yet (that happens in the next poll). */
  readonly #revoking = new Set<string>();
  readonly #pending: Rebalance[] = [];
  #applying: Promise<void> | undefined;
  #failure: Error | undefined;
  /** Set when the client is being disconnected: nothing polls, so events are applied as they come. */
  closeStarted = false;

  constructor(
    handler: RebalanceHandler,
    cooperative: Pick<CooperativeConsumer, 'incrementalAssign' | 'incrementalUnassign'>,
    options: RebalanceQueueOptions,
  ) {
    this.#handler = handler;
    this.#cooperative = cooperative;
    this.#options = options;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }

  fail(error: unknown): void {
    const failure = error instanceof Error ? error : new FloeError(`Kafka consumer: ${String(error)}`);
    if (this.#failure === undefined) this.#failure = failure;
    this.#options.log.error('the consumer stops delivering records', { err: failure });
  }

  owns(topic: string, partition: number): boolean {
    return this.#owned.get(topic)?.has(partition) === true;
  }

  ownsAny(): boolean {
    return this.#owned.size > 0;
  }

  /** Events queued by librdkafka and not applied yet (the next poll applies them). */
  get pending(): boolean {
    return this.#pending.length > 0;
  }

  ownedPartitions(topic: string): ReadonlySet<number> | undefined {
    return this.#owned.get(topic);
  }

  /** The records of partitions whose onAssigned resolved and whose revocation has not started. */
  ownedRecords(records: KafkaRecord[]): KafkaRecord[] {
    let topic: string | undefined;
    let owned: ReadonlySet<number> | undefined;
    for (const r of records) {
      if (r.topic !== topic) {
        topic = r.topic;
        owned = this.#owned.get(topic);
      }
      if (owned?.has(r.partition) !== true)
        return records.filter((x) => this.#owned.get(x.topic)?.has(x.partition) === true);
    }
    return records;
  }

  assignment(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, partitions] of this.#owned)
      for (const partition of partitions) out.push({ topic, partition });
    return out;
  }

  /** Stops delivering these partitions at once; returns the ones that were owned. */
  disown(partitions: readonly TopicPartition[]): TopicPartition[] {
    const owned = partitions.filter((tp) => this.#owned.get(tp.topic)?.delete(tp.partition) === true);
    for (const [topic, set] of this.#owned) if (set.size === 0) this.#owned.delete(topic);
    for (const tp of owned) this.#revoking.add(partitionKey(tp));
    return owned;
  }

  /** True from the group's revocation until the worker's onRevoked/onLost for it returned. */
  revoking(tp: TopicPartition): boolean {
    return this.#revoking.has(partitionKey(tp));
  }

  push(event: Rebalance): void {
    this.#pending.push(event);
    // During close nothing polls: apply at once so librdkafka's close can finish.
    if (this.closeStarted) this.#applyDuringClose();
  }

  apply(): Promise<void> {
    this.#applying ??= this.#drain().finally(() => {
      this.#applying = undefined;
      if (this.closeStarted && this.#pending.length > 0) this.#applyDuringClose();
    });
    return this.#applying;
  }

  /** Nothing awaits it: a failure is recorded (disconnect() reports it), never left unhandled. */
  #applyDuringClose(): void {
    this.apply().catch((error: unknown) => this.fail(error));
  }

  /**
   * Partitions not revoked through the group before the close: the worker still gets
   * its onRevoked. Expected for a static member, which closes without leaving.
   */
  async revokeRemaining(staticMember = false): Promise<void> {
    const left = this.assignment();
    if (left.length === 0) return;
    this.#owned.clear();
    const partitions = left.map(partitionKey).join(',');
    if (staticMember) {
      this.#options.log.info('static member: keeping its place in the group; partitions released here', {
        partitions,
      });
    } else {
      this.#options.log.warn(
        'the group did not revoke every partition before disconnect; revoking them here',
        {
          partitions,
        },
      );
    }
    await this.#handler.onRevoked(left).catch((error: unknown) => this.fail(error));
  }

  async #drain(): Promise<void> {
    for (let event = this.#pending.shift(); event !== undefined; event = this.#pending.shift()) {
      if (event.kind === 'assign') await this.#assign(event.partitions);
      else await this.#revoke(event);
    }
  }

  async #assign(partitions: readonly TopicPartition[]): Promise<void> {
    let starts: StartOffsets | undefined;
    let sdkPartitions = partitions.map((tp) => ({ ...plain(tp), offset: OFFSET_STORED }));
    const callHandler = this.#options.canCallHandler() && this.#failure === undefined;
    if (partitions.length === 0) {
      // Cooperative rounds that add nothing still need the assign call; the worker
      // hears of them too (an idle member has joined its group and is ready).
      starts = new Map();
      if (callHandler) await this.#handler.onAssigned([]).catch((error: unknown) => this.fail(error));
    } else if (callHandler) {
      try {
        const chosen = await this.#handler.onAssigned(partitions);
        sdkPartitions = partitions.map((tp) => {
          const start = chosen.get(partitionKey(tp));
          return { ...plain(tp), offset: start === undefined ? OFFSET_STORED : toSdkOffset(start, tp) };
        });
        starts = chosen;
      } catch (error) {
        this.fail(error);
      }
    }
    // Always complete librdkafka's side of the rebalance, else the group stalls.
    try {
      this.#cooperative.incrementalAssign(sdkPartitions);
    } catch (error) {
      const failure = kafkaError('incremental assign', error, {
        partitions: partitions.map(partitionKey).join(','),
      });
      // A rebalance that completes while the client closes (a static member stopped
      // mid-rebalance: no LeaveGroup ends it first): the binding refuses assignments
      // then, librdkafka's close finishes without one, and nothing was delivered.
      if (!this.closeStarted) throw failure;
      this.#options.log.info('an assignment arrived during close; not taken', { reason: failure.message });
      return;
    }
    const assigned = sdkPartitions.map(plain);
    this.#options.assigned?.(assigned);
    if (starts === undefined) {
      this.#options.pause(assigned);
      return;
    }
    if (partitions.length === 0) return;
    for (const tp of partitions) {
      const set = this.#owned.get(tp.topic) ?? new Set<number>();
      set.add(tp.partition);
      this.#owned.set(tp.topic, set);
    }
    this.#options.log.info('partitions assigned', { partitions: partitions.map(partitionKey).join(',') });
  }

  async #revoke(event: Rebalance): Promise<void> {
    if (event.owned.length > 0) {
      const callback = event.lost && this.#handler.onLost ? this.#handler.onLost : this.#handler.onRevoked;
      try {
        await callback.call(this.#handler, event.owned);
      } catch (error) {
        this.fail(error);
      }
      for (const tp of event.owned) this.#revoking.delete(partitionKey(tp));
    }
    try {
      this.#cooperative.incrementalUnassign(event.partitions.map(plain));
    } catch (error) {
      throw kafkaError('incremental unassign', error, {
        partitions: event.partitions.map(partitionKey).join(','),
      });
    }
    this.#options.log.info(event.lost ? 'partitions lost' : 'partitions revoked', {
      partitions: event.partitions.map(partitionKey).join(','),
    });
  }
}
