// How long the consumer has held partitions back (pause() until resume() or
// revocation): the `paused` stage of the worker's stage clock. Time counts while
// at least one partition is paused, once, however many are.
import type { TopicPartition } from '../kafka-types.ts';
import { partitionKey } from './sdk-helpers.ts';

export class PausedTime {
  readonly #paused = new Set<string>();
  readonly #now: () => number;
  #since = 0;
  #totalMs = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (this.#paused.size === 0 && partitions.length > 0) this.#since = this.#now();
    for (const tp of partitions) this.#paused.add(partitionKey(tp));
  }

  resume(partitions: readonly TopicPartition[]): void {
    if (this.#paused.size === 0) return;
    for (const tp of partitions) this.#paused.delete(partitionKey(tp));
    if (this.#paused.size === 0) this.#totalMs += this.#now() - this.#since;
  }

  /** Seconds with a partition paused, the current pause included. */
  seconds(): number {
    const open = this.#paused.size > 0 ? this.#now() - this.#since : 0;
    return (this.#totalMs + open) / 1000;
  }
}
