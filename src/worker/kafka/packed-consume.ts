// consume(n) without one JS object and Buffer per message made in native code:
// floe patches the binding (patches/@confluentinc+kafka-javascript+*.patch) with
// consumePacked, which copies a whole batch on the libuv pool thread into one
// Buffer plus a Float64Array of per-message fields. Turning librdkafka messages
// into JS objects took ~40% of the JS thread at 100k records/s (docs/benchmarks.md);
// unpacking here costs one small object and a Buffer view per record.
// Without the patch (a prebuilt binary), the binding's consume(n) is used.
import type { LibrdKafkaError, Message, RdKafka } from '@confluentinc/kafka-javascript';
import type { KafkaRecord, TopicPartitionOffset } from '../kafka-types.ts';
import { toKafkaRecord } from './sdk-helpers.ts';

/** Fields per message in `meta` (the patch's PACKED_FIELDS). */
const FIELDS = 10;
const ERR_FATAL = -150;
const NO_HEADERS: ReadonlyArray<readonly [string, Buffer]> = Object.freeze([]);

type PackedCallback = (
  err: (Error & { code?: number }) | null,
  data?: Buffer,
  meta?: Float64Array,
  topics?: string[],
  eofs?: Float64Array,
) => void;

interface PackedBinding {
  consumePacked(timeoutMs: number, max: number, timeoutOnlyForFirst: boolean, cb: PackedCallback): void;
}

export interface ConsumedBatch {
  readonly records: KafkaRecord[];
  /** Partitions whose fetch reached the end of the log (enable.partition.eof). */
  readonly endOfPartition: TopicPartitionOffset[];
}

/** Thrown (rejected) for a fatal client error; any other consume error yields an empty batch. */
export class FatalConsumeError extends Error {
  readonly code: number | undefined;
  constructor(cause: Error & { code?: number }) {
    super(cause.message, { cause });
    this.code = cause.code;
  }
}

export function hasPackedConsume(consumer: RdKafka.KafkaConsumer): boolean {
  return typeof packedBinding(consumer)?.consumePacked === 'function';
}

/**
 * Up to `max` records, waiting up to `timeoutMs` for the first one only. `onEof`
 * receives the binding's partition.eof events on the unpatched path, where they
 * are emitted as events instead of returned.
 */
export function consumeBatch(
  consumer: RdKafka.KafkaConsumer,
  max: number,
  timeoutMs: number,
  eofEvents?: TopicPartitionOffset[],
): Promise<ConsumedBatch> {
  const consumePacked = packedBinding(consumer)?.consumePacked;
  if (consumePacked === undefined) return consumeUnpacked(consumer, max, timeoutMs, eofEvents);
  const binding = packedBinding(consumer) as PackedBinding;
  return new Promise((resolve, reject) =>
    consumePacked.call(binding, timeoutMs, max, true, (err, data, meta, topics, eofs) => {
      if (err) {
        if (err.code === ERR_FATAL) reject(new FatalConsumeError(err));
        else reject(err);
        return;
      }
      resolve({ records: unpack(data!, meta!, topics!), endOfPartition: unpackEofs(eofs!, topics!) });
    }),
  );
}

function consumeUnpacked(
  consumer: RdKafka.KafkaConsumer,
  max: number,
  timeoutMs: number,
  eofEvents: TopicPartitionOffset[] | undefined,
): Promise<ConsumedBatch> {
  consumer.setDefaultConsumeTimeout(timeoutMs);
  return new Promise((resolve, reject) =>
    consumer.consume(max, (err: LibrdKafkaError, messages: Message[]) => {
      if (err) {
        reject(err.isFatal ? new FatalConsumeError(err as unknown as Error & { code?: number }) : err);
        return;
      }
      // partition.eof events are emitted synchronously before this callback.
      resolve({ records: messages.map(toKafkaRecord), endOfPartition: eofEvents?.splice(0) ?? [] });
    }),
  );
}

function packedBinding(consumer: RdKafka.KafkaConsumer): Partial<PackedBinding> | undefined {
  return (consumer as unknown as { _client?: Partial<PackedBinding> })._client;
}

/** Rows of [topic, partition, offset, timestamp, keyStart, keyLength, valueStart, valueLength, headersStart, headersLength]. */
export function unpack(data: Buffer, meta: Float64Array, topics: readonly string[]): KafkaRecord[] {
  const count = meta.length / FIELDS;
  const records: KafkaRecord[] = new Array(count);
  for (let i = 0, m = 0; i < count; i++, m += FIELDS) {
    const keyLength = meta[m + 5]!;
    const valueLength = meta[m + 7]!;
    const headersLength = meta[m + 9]!;
    const keyStart = meta[m + 4]!;
    const valueStart = meta[m + 6]!;
    const timestamp = meta[m + 3]!;
    let sizeBytes = Math.max(0, keyLength) + Math.max(0, valueLength);
    let headers: ReadonlyArray<readonly [string, Buffer]> = NO_HEADERS;
    if (headersLength > 0) {
      headers = unpackHeaders(data, meta[m + 8]!, headersLength);
      for (const [name, value] of headers) sizeBytes += name.length + value.length;
    }
    records[i] = {
      topic: topics[meta[m]!]!,
      partition: meta[m + 1]!,
      offset: BigInt(meta[m + 2]!),
      timestampMs: timestamp >= 0 ? timestamp : -1,
      key: keyLength < 0 ? null : data.subarray(keyStart, keyStart + keyLength),
      value: valueLength < 0 ? null : data.subarray(valueStart, valueStart + valueLength),
      headers,
      sizeBytes,
    };
  }
  return records;
}

/** [u32le name length][name][i32le value length, -1 = null][value], repeated. */
function unpackHeaders(data: Buffer, start: number, length: number): Array<[string, Buffer]> {
  const headers: Array<[string, Buffer]> = [];
  const end = start + length;
  let at = start;
  while (at < end) {
    const nameLength = data.readUInt32LE(at);
    const name = data.toString('utf8', at + 4, at + 4 + nameLength);
    at += 4 + nameLength;
    const valueLength = data.readInt32LE(at);
    at += 4;
    // floe's records carry header values as Buffers; a null value becomes an empty one.
    const value = valueLength < 0 ? Buffer.alloc(0) : data.subarray(at, at + valueLength);
    if (valueLength > 0) at += valueLength;
    headers.push([name, value]);
  }
  return headers;
}

function unpackEofs(eofs: Float64Array, topics: readonly string[]): TopicPartitionOffset[] {
  const ends: TopicPartitionOffset[] = [];
  for (let i = 0; i + 2 < eofs.length; i += 3) {
    ends.push({ topic: topics[eofs[i]!]!, partition: eofs[i + 1]!, offset: BigInt(eofs[i + 2]!) });
  }
  return ends;
}
