// The Kafka vocabulary of the worker, free of the SDK: the worker and its tests
// depend on these types and interfaces; src/worker/kafka/ implements them with
// @confluentinc/kafka-javascript. Security settings are the worker file's own.
import type { KafkaSecurityConfig } from '../config/worker-config.ts';

export type { KafkaSecurityConfig } from '../config/worker-config.ts';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `offset` is the next offset to read (Kafka's convention for commits and start positions). */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: bigint;
}

/** One consumed record; Buffers are the SDK's, not copies. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** Record timestamp in ms since the epoch (CreateTime or LogAppendTime); -1 when the broker has none. */
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
  /** Key + value + header names and values, in bytes: what the record costs in memory. */
  readonly sizeBytes: number;
}

/** Start offsets chosen by the worker, keyed `${topic}:${partition}`; undefined = committed group offset, else auto.offset.reset. */
export type StartOffsets = ReadonlyMap<string, bigint | undefined>;

/**
 * The worker's part in a cooperative-sticky rebalance. Every call happens inside
 * `poll()` (or `disconnect()`), one at a time, in the order the group decided.
 */
export interface RebalanceHandler {
  /** Newly assigned partitions. No record of them is delivered before this resolves; they start at the offsets returned. */
  onAssigned(partitions: readonly TopicPartition[]): Promise<StartOffsets>;
  /**
   * Partitions about to move to another member: flush and commit here. No record of
   * them is delivered once this starts, and the group hands them over only after it
   * resolves (bounded by max.poll.interval.ms, see `rebalanceTimeoutMs`).
   */
  onRevoked(partitions: readonly TopicPartition[]): Promise<void>;
  /** Partitions already taken away (session or poll timeout); when absent, onRevoked is called instead. */
  onLost?(partitions: readonly TopicPartition[]): Promise<void>;
}

/** The `kafka` section of the worker file. */
export interface KafkaClientConfig {
  /** Comma-separated host:port list. */
  readonly bootstrapServers: string;
  readonly groupId: string;
  /** group.instance.id: a static member keeps its partitions across a restart within the session timeout. */
  readonly groupInstanceId?: string;
  readonly clientId?: string;
  readonly security?: KafkaSecurityConfig;
  /** Raw librdkafka properties, applied last. */
  readonly properties?: Readonly<Record<string, string>>;
}

export interface KafkaConsumerApi {
  connect(): Promise<void>;
  /** A RegExp subscribes to every matching topic (librdkafka regex; no flags). */
  subscribe(topics: readonly string[] | RegExp): Promise<void>;
  /** Up to maxRecords records, in offset order per partition; waits up to timeoutMs for the first one. */
  poll(maxRecords: number, timeoutMs: number): Promise<KafkaRecord[]>;
  /** The next poll returns records of the partition from `offset` on. */
  seek(tp: TopicPartition, offset: bigint): Promise<void>;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Partitions whose onAssigned resolved and whose revocation has not started. */
  assignment(): TopicPartition[];
  /** Group offsets (next offset to read), for lag monitoring; sent before the partitions are handed over. */
  commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Asks the partition leader (one round trip; it may wait behind a fetch's long poll). */
  queryWatermarks(tp: TopicPartition): Promise<Watermarks>;
  /**
   * The high watermark the last fetch response carried, without a round trip
   * (undefined until one arrived). Lag reports use it: asking the broker for 64
   * partitions one by one stalled the consume loop for 32 s (issue 14).
   */
  fetchedHighWatermark?(tp: TopicPartition): bigint | undefined;
  /** Seconds during which at least one partition was paused, since connect (stage `paused`). */
  pausedSeconds?(): number;
  /** Revokes every owned partition through onRevoked, then leaves the group (a static member keeps its place). */
  disconnect(): Promise<void>;
}

export interface Watermarks {
  /** First offset still in the log. */
  readonly low: bigint;
  /** Offset the next produced record gets. */
  readonly high: bigint;
}

export interface ProducerRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: ReadonlyArray<readonly [string, Buffer | string]>;
  /** Default: the partitioner picks one from the key. */
  readonly partition?: number;
  readonly timestampMs?: number;
}

export interface KafkaProducerApi {
  connect(): Promise<void>;
  /** Resolves when every record is acknowledged by all in-sync replicas (acks=all, idempotent). */
  send(topic: string, records: readonly ProducerRecord[]): Promise<void>;
  flush(timeoutMs?: number): Promise<void>;
  disconnect(): Promise<void>;
}

export interface PartitionWatermarks extends Watermarks {
  readonly partition: number;
}

export interface KafkaAdminApi {
  connect(): Promise<void>;
  createTopic(name: string, partitions: number, config?: Readonly<Record<string, string>>): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Low and high watermark of every partition, by partition number. */
  fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]>;
  /** Per partition, the first offset whose timestamp is >= timestampMs (the high watermark when there is none). */
  offsetsForTimes(topic: string, timestampMs: number): Promise<Array<{ partition: number; offset: bigint }>>;
  disconnect(): Promise<void>;
}

/** The `topic:partition` key of maps keyed by partition, everywhere in the worker. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
