// What a human asks the worker on GET /status (docs/operations.md, "Health and
// readiness"): its phase, and per connector the partitions it holds with the
// offset its tables record for each. Kept up to date where the worker already
// books assignments and landed commits (never per record); the JSON is built
// only when asked. The server reads it through its WorkerStatus (wired in cli/).
import { partitionKey, type TopicPartition } from './kafka-types.ts';

/**
 * `starting`: config, catalog, connecting to Kafka; `joining`: subscribed,
 * waiting for the group's first assignment; `running`: a group member (maybe
 * with no partitions); `stopping`: a stop or an error, committing and leaving.
 */
export type WorkerPhase = 'starting' | 'joining' | 'running' | 'stopping';

export interface PartitionReport {
  readonly topic: string;
  readonly partition: number;
  /**
   * The next offset to read after what the connector's tables hold (as
   * `floe.offsets.<connector>` records it; a string): from the tables when the
   * partition was assigned, then from each commit of this worker. Null while
   * no table records the partition.
   */
  readonly committedOffset: string | null;
  /** When this worker's last commit covering the partition landed (ISO 8601), null before its first. */
  readonly committedAt: string | null;
}

export interface ConnectorReport {
  /** Assigned to this worker, by topic then partition; empty on an idle replica. */
  readonly partitions: PartitionReport[];
  /** When this worker's last commit of the connector landed (ISO 8601), null before its first. */
  readonly lastCommitAt: string | null;
}

export interface WorkerStateReport {
  readonly state: WorkerPhase;
  readonly connectors: Record<string, ConnectorReport>;
}

interface HeldPartition {
  readonly topic: string;
  readonly partition: number;
  committed: bigint | undefined;
  committedAtMs: number | undefined;
}

interface ConnectorBook {
  readonly partitions: Map<string, HeldPartition>;
  lastCommitAtMs: number | undefined;
}

export class WorkerState {
  #phase: WorkerPhase = 'starting';
  readonly #connectors = new Map<string, ConnectorBook>();
  readonly #now: () => number;

  /** Every connector is listed from the start, idle ones with no partitions. */
  constructor(connectors: readonly string[], now: () => number = Date.now) {
    for (const name of connectors)
      this.#connectors.set(name, { partitions: new Map(), lastCommitAtMs: undefined });
    this.#now = now;
  }

  get phase(): WorkerPhase {
    return this.#phase;
  }

  joining(): void {
    if (this.#phase === 'starting') this.#phase = 'joining';
  }

  running(): void {
    if (this.#phase !== 'stopping') this.#phase = 'running';
  }

  /** Final: a stop is never undone. */
  stopping(): void {
    this.#phase = 'stopping';
  }

  /** Partitions taken, with the offset the connector's tables record for each (undefined: none). */
  assigned(
    connector: string,
    partitions: readonly TopicPartition[],
    recorded: ReadonlyMap<string, bigint | undefined>,
  ): void {
    const book = this.#book(connector);
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      book.partitions.set(key, { topic, partition, committed: recorded.get(key), committedAtMs: undefined });
    }
  }

  released(connector: string, partitions: readonly TopicPartition[]): void {
    const book = this.#book(connector);
    for (const { topic, partition } of partitions) book.partitions.delete(partitionKey(topic, partition));
  }

  /** A commit of the connector landed; `offsets` are the next offsets of the partitions its batch read. */
  committed(connector: string, offsets: readonly (TopicPartition & { readonly offset: bigint })[]): void {
    const book = this.#book(connector);
    const now = this.#now();
    book.lastCommitAtMs = now;
    for (const { topic, partition, offset } of offsets) {
      // A partition given up before its last commit landed is no longer this worker's.
      const held = book.partitions.get(partitionKey(topic, partition));
      if (held === undefined) continue;
      held.committed = offset;
      held.committedAtMs = now;
    }
  }

  describe(): WorkerStateReport {
    const connectors: Record<string, ConnectorReport> = {};
    for (const [name, book] of this.#connectors) {
      const partitions = [...book.partitions.values()]
        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
        .map(
          (p): PartitionReport => ({
            topic: p.topic,
            partition: p.partition,
            committedOffset: p.committed === undefined ? null : p.committed.toString(),
            committedAt: iso(p.committedAtMs),
          }),
        );
      connectors[name] = { partitions, lastCommitAt: iso(book.lastCommitAtMs) };
    }
    return { state: this.#phase, connectors };
  }

  #book(connector: string): ConnectorBook {
    let book = this.#connectors.get(connector);
    if (book === undefined) {
      book = { partitions: new Map(), lastCommitAtMs: undefined };
      this.#connectors.set(connector, book);
    }
    return book;
  }
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
