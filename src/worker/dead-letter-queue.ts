// The dead-letter queue of the dlq error policy: the original key, value and
// headers, plus headers saying what went wrong and where it came from. Sends are
// flushed before the Iceberg commit that moves offsets past those records, so no
// bad record is lost; but a batch that is then fenced, fails to commit or dies in
// a crash is read again and its dead letters are sent again: delivery to the DLQ
// is at least once. Every dead letter carries `floe.error.id`, the same for every
// send of the same source record, for consumers to drop the repeats.
import type { RecordError } from '../errors.ts';

export interface DeadLetterSender {
  send(
    topic: string,
    records: Array<{ key: Buffer | null; value: Buffer | null; headers: Array<[string, Buffer | string]> }>,
  ): Promise<void>;
}

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
}

export const DLQ_HEADER_PREFIX = 'floe.error.';
/** The header naming the source record: `<connector>/<topic>/<partition>/<offset>`. */
export const DLQ_ID_HEADER = `${DLQ_HEADER_PREFIX}id`;

/**
 * The identity of a dead letter, unchanged when the record is read and dead-lettered
 * again. Connector names ([a-z0-9_-]) and topic names ([a-zA-Z0-9._-]) hold no '/'.
 */
export function deadLetterId(
  connector: string,
  record: Pick<DeadLetter, 'topic' | 'partition' | 'offset'>,
): string {
  return `${connector}/${record.topic}/${record.partition}/${record.offset}`;
}

/** Dead letters taken from the queue: sent once (a failed send fails the commit, and the batch is read again). */
export interface DeadLetterBatch {
  send(): Promise<void>;
}

export class DeadLetterQueue {
  readonly #sender: DeadLetterSender;
  readonly #topic: string;
  readonly #connector: string;
  #pending: Array<{ key: Buffer | null; value: Buffer | null; headers: Array<[string, Buffer | string]> }> =
    [];

  constructor(sender: DeadLetterSender, topic: string, connector: string) {
    this.#sender = sender;
    this.#topic = topic;
    this.#connector = connector;
  }

  get topic(): string {
    return this.#topic;
  }

  add(record: DeadLetter, error: RecordError | Error): void {
    const reason =
      'context' in error && typeof error.context === 'object'
        ? String(error.context.reason ?? 'error')
        : 'error';
    // The key stays the original one (so a replay keeps it, and all sends of a keyed
    // record land in the same DLQ partition); floe's headers follow the original ones.
    this.#pending.push({
      key: record.key,
      value: record.value,
      headers: [
        ...record.headers.map(([name, value]) => [name, value] as [string, Buffer]),
        [DLQ_ID_HEADER, deadLetterId(this.#connector, record)],
        [`${DLQ_HEADER_PREFIX}reason`, reason],
        [`${DLQ_HEADER_PREFIX}message`, error.message],
        [`${DLQ_HEADER_PREFIX}class`, error.name],
        [`${DLQ_HEADER_PREFIX}connector`, this.#connector],
        [`${DLQ_HEADER_PREFIX}topic`, record.topic],
        [`${DLQ_HEADER_PREFIX}partition`, String(record.partition)],
        [`${DLQ_HEADER_PREFIX}offset`, record.offset.toString()],
        [`${DLQ_HEADER_PREFIX}timestamp`, String(record.timestampMs)],
      ],
    });
  }

  get pending(): number {
    return this.#pending.length;
  }

  /** Sends everything added so far and waits until the broker has it. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    try {
      await this.#sender.send(this.#topic, batch);
    } catch (error) {
      this.#pending = [...batch, ...this.#pending];
      throw error;
    }
  }

  /**
   * Takes what was added so far (a sealed batch's dead letters, sent by the
   * commit that moves offsets past them, while the next batch adds its own).
   */
  take(): DeadLetterBatch {
    const letters = this.#pending;
    this.#pending = [];
    return {
      send: () => (letters.length === 0 ? Promise.resolve() : this.#sender.send(this.#topic, letters)),
    };
  }

  /** Drops unsent records (their offsets will be re-read). */
  discard(): void {
    this.#pending = [];
  }
}
