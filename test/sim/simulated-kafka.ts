// The simulated brokers: one log per partition, records appended by producers
// while the workers run, retention that moves a log's start, and offsets that
// carry no record (transaction markers). Also the ground truth the invariants
// compare the tables with: what was produced, and where.
import type { KafkaRecord, TopicPartition } from '../../src/worker/kafka-types.ts';

/** What one record of a keyed seed does to its key, as the replay applies it (keyed-producer.ts). */
export interface ModelChange {
  readonly key: string;
  readonly kind: 'upsert' | 'delete';
  /** The change number: the row's `seq` (its `note` is `n<seq>`). */
  readonly seq: number;
  /** order.by: the row's version. */
  readonly ver?: number;
  /**
   * A routed seed: the route value of an upsert's row, or of a delete's `before`;
   * undefined for a delete: it goes to every table of the route.
   */
  readonly route?: string;
}

/** What the simulation knows about one produced record. */
export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** The `id` column the record's row carries; undefined for a record with no row (tombstone, bad JSON). */
  readonly id: string | undefined;
  /** The table name (`ns.table`) the row must land in; undefined when it must land nowhere. */
  readonly table: string | undefined;
  /** A keyed seed's record: what it does to its key (none for a value the connector skips). */
  readonly change?: ModelChange;
  readonly record: KafkaRecord;
}

interface PartitionLog {
  /** Offset of entries[0]. */
  readonly base: bigint;
  /** undefined: an offset taken by a transaction marker. */
  readonly entries: Array<ProducedRecord | undefined>;
  /** First offset still in the log. */
  low: bigint;
}

export class SimulatedKafka {
  readonly #topics = new Map<string, PartitionLog[]>();
  /** Every record ever produced, in production order. */
  readonly produced: ProducedRecord[] = [];

  createTopic(topic: string, partitions: number): void {
    this.#topics.set(
      topic,
      Array.from({ length: partitions }, () => ({ base: 0n, entries: [], low: 0n })),
    );
  }

  topics(): string[] {
    return [...this.#topics.keys()];
  }

  partitions(topic: string): TopicPartition[] {
    return (this.#topics.get(topic) ?? []).map((_, partition) => ({ topic, partition }));
  }

  allPartitions(): TopicPartition[] {
    return this.topics().flatMap((t) => this.partitions(t));
  }

  #log(topic: string, partition: number): PartitionLog {
    const log = this.#topics.get(topic)?.[partition];
    if (log === undefined) throw new Error(`sim kafka: no partition ${topic}[${partition}]`);
    return log;
  }

  high(topic: string, partition: number): bigint {
    const log = this.#log(topic, partition);
    return log.base + BigInt(log.entries.length);
  }

  low(topic: string, partition: number): bigint {
    return this.#log(topic, partition).low;
  }

  /** Appends a record; `make` builds it for the offset it gets. */
  append(
    topic: string,
    partition: number,
    make: (offset: bigint) => Omit<ProducedRecord, 'offset' | 'topic' | 'partition'>,
  ): ProducedRecord {
    const log = this.#log(topic, partition);
    const offset = this.high(topic, partition);
    const produced: ProducedRecord = { topic, partition, offset, ...make(offset) };
    log.entries.push(produced);
    this.produced.push(produced);
    return produced;
  }

  /** An offset with no record (a transaction marker): consumers skip it. */
  appendMarker(topic: string, partition: number): void {
    this.#log(topic, partition).entries.push(undefined);
  }

  /** Retention: deletes the records below `offset`. */
  deleteBefore(topic: string, partition: number, offset: bigint): void {
    const log = this.#log(topic, partition);
    const high = this.high(topic, partition);
    log.low = offset > high ? high : offset > log.low ? offset : log.low;
  }

  /**
   * Records from `from` on, at most `max`. `next` is the position after them
   * (markers skipped); a position below the log start reads from the start, as
   * auto.offset.reset=earliest does after OFFSET_OUT_OF_RANGE.
   */
  read(
    topic: string,
    partition: number,
    from: bigint,
    max: number,
  ): { records: KafkaRecord[]; next: bigint } {
    const log = this.#log(topic, partition);
    const high = this.high(topic, partition);
    let position = from < log.low ? log.low : from;
    const records: KafkaRecord[] = [];
    while (position < high && records.length < max) {
      const entry = log.entries[Number(position - log.base)];
      position++;
      if (entry !== undefined) records.push(entry.record);
    }
    return { records, next: position };
  }

  /** The first offset at or after `timestampMs` (the high watermark when none). */
  offsetForTime(topic: string, partition: number, timestampMs: number): bigint {
    const log = this.#log(topic, partition);
    for (let i = Number(log.low - log.base); i < log.entries.length; i++) {
      const entry = log.entries[i];
      if (entry !== undefined && entry.record.timestampMs >= timestampMs) return entry.offset;
    }
    return this.high(topic, partition);
  }
}
