// Admin adapter to @confluentinc/kafka-javascript: topics and offsets.
import { RdKafka } from '@confluentinc/kafka-javascript';
import { FloeError } from '../../errors.ts';
import { adminProperties } from '../kafka-properties.ts';
import type { KafkaAdminApi, KafkaClientConfig, PartitionWatermarks } from '../kafka-types.ts';
import {
  callback,
  DEFAULT_TIMEOUT_MS,
  type KafkaClientOptions,
  kafkaError,
  NO_OFFSET,
} from './sdk-helpers.ts';

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
