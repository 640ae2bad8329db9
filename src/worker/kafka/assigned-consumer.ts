// Assign-mode consumer for `floe backfill` (kept apart from the group consumer).
// Partitions are assigned directly, so no group is joined and no running
// `floe run` member is disturbed; nothing is committed to Kafka.
// enable.partition.eof tells the backfill when a partition's fetch reached the
// end of the log, which also covers logs that end in transaction markers
// (offsets no record is ever delivered for).
import { RdKafka } from '@confluentinc/kafka-javascript';
import { FloeError } from '../../errors.ts';
import { silentLogger } from '../../log.ts';
import type { AssignedConsumerApi, AssignedPoll } from '../backfill/backfill-consumer.ts';
import { consumerProperties } from '../kafka-properties.ts';
import type { KafkaClientConfig, TopicPartition, TopicPartitionOffset } from '../kafka-types.ts';
import type { WarningAggregator } from '../warning-aggregator.ts';
import { consumeBatch, FatalConsumeError } from './packed-consume.ts';
import {
  DEFAULT_TIMEOUT_MS,
  forwardClientLogs,
  type KafkaClientOptions,
  kafkaError,
  plain,
  toSdkOffset,
} from './sdk-helpers.ts';
import { connectStoppably } from './stoppable-connect.ts';

export class KafkaAssignedConsumer implements AssignedConsumerApi {
  readonly #consumer: RdKafka.KafkaConsumer;
  readonly #timeoutMs: number;
  readonly #stop: AbortSignal | undefined;
  readonly #clientErrors: WarningAggregator;
  readonly #ends: TopicPartitionOffset[] = [];
  #connected = false;

  static create(config: KafkaClientConfig, options: KafkaClientOptions = {}): KafkaAssignedConsumer {
    return new KafkaAssignedConsumer(config, options);
  }

  private constructor(config: KafkaClientConfig, options: KafkaClientOptions) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#stop = options.stop;
    // librdkafka wants a group.id even for assign(); a separate one keeps any stray commit away from the worker's group.
    // librdkafka's 1 MiB per partition per fetch interleaves partitions finely, so most
    // backfill commits cover every partition (not guaranteed: a resume starts partitions
    // the tables never saw at --from, which is still exactly once).
    // Not a group member at all, so never a static one (kafka.groupInstanceId is the worker's).
    const { groupInstanceId: _member, ...client } = config;
    const properties = consumerProperties(
      { ...client, groupId: `${config.groupId}.backfill` },
      { largeFetches: false },
    );
    this.#consumer = new RdKafka.KafkaConsumer({ ...properties, 'enable.partition.eof': true }, {});
    this.#consumer.on('partition.eof', (eof: { topic: string; partition: number; offset: number }) => {
      this.#ends.push({ topic: eof.topic, partition: eof.partition, offset: BigInt(eof.offset) });
    });
    this.#clientErrors = forwardClientLogs(
      this.#consumer,
      (options.logger ?? silentLogger).child({ component: 'kafka-backfill-consumer' }),
    );
  }

  async connect(): Promise<void> {
    await connectStoppably(this.#consumer, {
      timeoutMs: this.#timeoutMs,
      stop: this.#stop,
      operation: 'consumer connect',
      clientErrors: this.#clientErrors,
    });
    const consumer = this.#consumer as unknown as {
      setDefaultIsTimeoutOnlyForFirstMessage?(v: boolean): void;
    };
    consumer.setDefaultIsTimeoutOnlyForFirstMessage?.(true);
    this.#connected = true;
  }

  assign(starts: readonly TopicPartitionOffset[]): void {
    this.#assertConnected('assign');
    this.#consumer.assign(starts.map((s) => ({ ...plain(s), offset: toSdkOffset(s.offset, s) })));
    // A partition paused when it reached its end may be read again (a dropped batch);
    // an end reported before the new assignment no longer says anything.
    if (starts.length > 0) this.#consumer.resume(starts.map(plain));
    this.#ends.length = 0;
  }

  async poll(maxRecords: number, timeoutMs: number): Promise<AssignedPoll> {
    this.#assertConnected('poll');
    try {
      return await consumeBatch(this.#consumer, maxRecords, timeoutMs, this.#ends);
    } catch (error) {
      if (error instanceof FatalConsumeError) throw kafkaError('consume', error.cause, {});
      return { records: [], endOfPartition: this.#ends.splice(0) };
    }
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.#consumer.pause(partitions.map(plain));
  }

  async disconnect(): Promise<void> {
    if (!this.#connected) return;
    this.#connected = false;
    await new Promise<void>((resolve) => this.#consumer.disconnect(() => resolve()));
    this.#clientErrors.close();
  }

  #assertConnected(operation: string): void {
    if (!this.#connected)
      throw new FloeError(`Kafka backfill consumer: ${operation}() needs connect() first`);
  }
}
