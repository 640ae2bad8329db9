// Small pieces every adapter to @confluentinc/kafka-javascript shares: error
// mapping, callback adaptation, log forwarding, offsets and message conversion.
import type {
  LibrdKafkaError,
  Message,
  RdKafka,
  TopicPartition as SdkTopicPartition,
  TopicPartitionOffset as SdkTopicPartitionOffset,
} from '@confluentinc/kafka-javascript';
import { FloeError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { type KafkaRecord, type TopicPartition, partitionKey as topicPartitionKey } from '../kafka-types.ts';
import { WarningAggregator } from '../warning-aggregator.ts';

export const ERR_ASSIGN_PARTITIONS = -175;
export const ERR_REVOKE_PARTITIONS = -174;
export const ERR_QUEUE_FULL = -184;
export const ERR_NO_OFFSET = -168;
/** librdkafka's RD_KAFKA_OFFSET_STORED: the committed group offset, else auto.offset.reset. */
export const OFFSET_STORED = -1000;
/** ListOffsets answers -1 when no record has a timestamp at or after the one asked for. */
export const NO_OFFSET = -1;
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface KafkaClientOptions {
  readonly logger?: Logger;
  /** Timeout of broker round trips (connect, seek, watermarks, admin calls). Default 30 s. */
  readonly timeoutMs?: number;
  /** The worker's stop (SIGTERM): ends a connect() still under way (stoppable-connect.ts). */
  readonly stop?: AbortSignal;
}

export function partitionKey(tp: TopicPartition): string {
  return topicPartitionKey(tp.topic, tp.partition);
}

export function plain(tp: TopicPartition): SdkTopicPartition {
  return { topic: tp.topic, partition: tp.partition };
}

export function toSdkOffset(offset: bigint, tp: TopicPartition): number {
  if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ValidationError(`Kafka offset ${offset} of ${partitionKey(tp)} is out of range`, {
      topic: tp.topic,
      partition: tp.partition,
    });
  }
  return Number(offset);
}

/** The binding's message as floe's record; key, value and header Buffers are not copied. */
export function toKafkaRecord(m: Message): KafkaRecord {
  const key = m.key == null ? null : typeof m.key === 'string' ? Buffer.from(m.key) : m.key;
  const value = m.value;
  let size = (value === null ? 0 : value.length) + (key === null ? 0 : key.length);
  let headers: Array<[string, Buffer]> = NO_HEADERS;
  if (m.headers !== undefined && m.headers.length > 0) {
    headers = [];
    for (const header of m.headers) {
      for (const [name, raw] of Object.entries(header)) {
        const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
        headers.push([name, bytes]);
        size += name.length + bytes.length;
      }
    }
  }
  return {
    topic: m.topic,
    partition: m.partition,
    offset: BigInt(m.offset),
    timestampMs: m.timestamp ?? -1,
    key,
    value,
    headers,
    sizeBytes: size,
  };
}

const NO_HEADERS: Array<[string, Buffer]> = [];
Object.freeze(NO_HEADERS);

export function kafkaError(
  operation: string,
  error: unknown,
  context: Record<string, string | number>,
): FloeError {
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
export function callback<T = void>(
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

/**
 * Client errors come in bursts (an unreachable broker: one per connection
 * attempt, hundreds a second), so each text is logged once per window with a
 * count (warning-aggregator.ts). The owner closes the returned aggregator when
 * it disconnects, which logs the counts still open.
 */
export function forwardClientLogs(
  client: RdKafka.Client<'event.error' | 'event.log'>,
  log: Logger,
): WarningAggregator {
  const errors = new WarningAggregator(log);
  client.on('event.error', (err) => errors.warn(`Kafka client error: ${err.message}`, { code: err.code }));
  client.on('event.log', (event: { severity: number; fac: string; message: string }) => {
    log[SYSLOG_LEVEL[event.severity] ?? 'debug'](event.message, { facility: event.fac });
  });
  return errors;
}

/** Methods the binding has at runtime that its .d.ts leaves out. */
export interface CooperativeConsumer {
  incrementalAssign(partitions: SdkTopicPartitionOffset[]): void;
  incrementalUnassign(partitions: SdkTopicPartition[]): void;
  assignmentLost(): boolean;
  setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void;
}

export function cooperative(consumer: RdKafka.KafkaConsumer): CooperativeConsumer {
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
