// Where a connector's reading stands: the partitions it is assigned and, per
// partition, the next offset to read where known (unknown: first contact, where
// the group offset or the reset policy decides). Every batch records the
// position it began at, so the commit fence can tell a batch that read on from
// what a table recorded from one that did not (docs/exactly-once.md). A
// partition's position goes with it when it is released.
import type { TopicPartition } from './kafka-types.ts';
import { partitionKey } from './kafka-types.ts';

export class PartitionPositions {
  readonly #assigned = new Map<string, TopicPartition>();
  /** Next offset to read, by partitionKey; absent: not known yet. */
  readonly #next = new Map<string, bigint>();

  get assigned(): TopicPartition[] {
    return [...this.#assigned.values()];
  }

  owns(topic: string, partition: number): boolean {
    return this.#assigned.has(partitionKey(topic, partition));
  }

  ownsKey(key: string): boolean {
    return this.#assigned.has(key);
  }

  /** The next offset to read of a partition (by partitionKey), where known. */
  get(key: string): bigint | undefined {
    return this.#next.get(key);
  }

  set(key: string, offset: bigint): void {
    this.#next.set(key, offset);
  }

  /** Takes partitions; none has a known position until `resume` gives it one. */
  assign(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#assigned.set(partitionKey(tp.topic, tp.partition), tp);
  }

  /** Where each partition resumes, by partitionKey; undefined forgets what was known. */
  resume(offsets: ReadonlyMap<string, bigint | undefined>): void {
    for (const [key, offset] of offsets) {
      if (offset === undefined) this.#next.delete(key);
      else this.#next.set(key, offset);
    }
  }

  release(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition);
      this.#assigned.delete(key);
      this.#next.delete(key);
    }
  }

  /**
   * A batch was dropped: each partition it read that is still assigned goes back
   * to where the batch began reading it (its records are read again).
   */
  rewind(reads: Iterable<readonly [string, { readonly from: bigint }]>): void {
    for (const [key, read] of reads) {
      if (this.#assigned.has(key)) this.#next.set(key, read.from);
    }
  }

  /**
   * After a dropped batch: each partition goes back to what its tables recorded
   * (`recorded`, by partitionKey), else stays where the dropped batch left it
   * (already rewound); returns where each must be read again. A partition with
   * neither is absent: nothing of it is to be re-read.
   */
  reseek(
    partitions: readonly TopicPartition[],
    recorded: ReadonlyMap<string, bigint | undefined>,
  ): Map<string, bigint> {
    const seek = new Map<string, bigint>();
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition);
      const offset = recorded.get(key) ?? this.#next.get(key);
      if (offset === undefined) continue;
      this.#next.set(key, offset);
      seek.set(key, offset);
    }
    return seek;
  }
}
