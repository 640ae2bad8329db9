// The Kafka side of `floe backfill` in the simulation: an assign-mode consumer
// (no group; reports when a partition's position reaches the log end) and the
// admin calls the backfill plan makes.
import type { AssignedConsumerApi, AssignedPoll } from '../../src/worker/backfill/backfill-consumer.ts';
import type {
  KafkaAdminApi,
  PartitionWatermarks,
  TopicPartition,
  TopicPartitionOffset,
} from '../../src/worker/kafka-types.ts';
import { fetchRecords } from './fetch-records.ts';
import type { SimWorld } from './sim-world.ts';

const key = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

export class SimAssignedConsumer implements AssignedConsumerApi {
  readonly #actor: string;
  readonly #world: SimWorld;
  readonly #positions = new Map<string, bigint>();
  readonly #assigned = new Map<string, TopicPartition>();
  readonly #paused = new Set<string>();
  /** Partitions whose end was reported at their current position. */
  readonly #atEnd = new Set<string>();

  constructor(actor: string, world: SimWorld) {
    this.#actor = actor;
    this.#world = world;
  }

  async connect(): Promise<void> {
    await this.#world.scheduler.point(this.#actor, 'kafka.connect');
  }

  assign(starts: readonly TopicPartitionOffset[]): void {
    this.#assigned.clear();
    this.#positions.clear();
    this.#paused.clear();
    for (const s of starts) {
      this.#assigned.set(key(s), { topic: s.topic, partition: s.partition });
      this.#positions.set(key(s), s.offset);
    }
  }

  async poll(maxRecords: number, timeoutMs: number): Promise<AssignedPoll> {
    await this.#world.scheduler.point(this.#actor, 'kafka.poll');
    const fetchable = [...this.#assigned.values()].filter((tp) => !this.#paused.has(key(tp)));
    const records = fetchRecords(this.#world, fetchable, this.#positions, maxRecords);
    const endOfPartition: TopicPartitionOffset[] = [];
    for (const tp of fetchable) {
      const position = this.#positions.get(key(tp))!;
      const high = this.#world.kafka.high(tp.topic, tp.partition);
      if (position >= high && !this.#atEnd.has(`${key(tp)}@${position}`)) {
        this.#atEnd.add(`${key(tp)}@${position}`);
        endOfPartition.push({ ...tp, offset: position });
      }
    }
    if (records.length === 0) this.#world.clock.advance(timeoutMs);
    return { records, endOfPartition };
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#paused.add(key(tp));
  }

  async disconnect(): Promise<void> {}
}

export class SimAdmin implements KafkaAdminApi {
  readonly #world: SimWorld;

  constructor(world: SimWorld) {
    this.#world = world;
  }

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  async createTopic(name: string, partitions: number): Promise<void> {
    this.#world.kafka.createTopic(name, partitions);
  }

  async deleteTopic(): Promise<void> {
    throw new Error('sim admin: deleteTopic is not simulated');
  }

  async listTopics(): Promise<string[]> {
    return this.#world.kafka.topics();
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]> {
    const kafka = this.#world.kafka;
    return kafka.partitions(topic).map(({ partition }) => ({
      partition,
      low: kafka.low(topic, partition),
      high: kafka.high(topic, partition),
    }));
  }

  async offsetsForTimes(
    topic: string,
    timestampMs: number,
  ): Promise<Array<{ partition: number; offset: bigint }>> {
    const kafka = this.#world.kafka;
    return kafka
      .partitions(topic)
      .map(({ partition }) => ({ partition, offset: kafka.offsetForTime(topic, partition, timestampMs) }));
  }
}
