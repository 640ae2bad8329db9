// The Kafka side of `floe backfill`, free of the SDK: a consumer with partitions
// assigned directly (no consumer group, so a running `floe run` group is not
// disturbed) that also says when a partition reached the end of its log.
// src/worker/kafka/assigned-consumer.ts implements it (KafkaAssignedConsumer).
import type { KafkaRecord, TopicPartition, TopicPartitionOffset } from '../kafka-types.ts';

export interface AssignedPoll {
  readonly records: KafkaRecord[];
  /** Partitions whose fetch position reached the end of the log (offset = that end) during this poll. */
  readonly endOfPartition: TopicPartitionOffset[];
}

export interface AssignedConsumerApi {
  connect(): Promise<void>;
  /** Replaces the assignment: each partition is read from `offset` on, also one paused before. */
  assign(starts: readonly TopicPartitionOffset[]): void;
  /** Up to maxRecords records, in offset order per partition; waits up to timeoutMs for the first one. */
  poll(maxRecords: number, timeoutMs: number): Promise<AssignedPoll>;
  /** Stops fetching these partitions (a finished partition must not fill memory). */
  pause(partitions: readonly TopicPartition[]): void;
  disconnect(): Promise<void>;
}
