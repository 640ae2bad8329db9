// Which fetched records are still current. The consumer fetches a batch ahead
// while the worker processes the previous one, so a partition's position can
// change between a fetch and the delivery of its records: the worker seeks it
// (re-reading after a fenced batch), the group revokes it, or assigns it again
// at an offset floe chose. Invariant: a record is delivered only if its
// partition did not move since the fetch that returned it started.
//
// The caller takes a ticket when a fetch starts and reports every move; it never
// lets a fetch overlap a seek or an assignment, so each fetch is wholly before
// or wholly after a move and exactly the stale records are dropped (dropping a
// record fetched after the move would lose it: librdkafka has moved past it).
import type { KafkaRecord, TopicPartition } from '../kafka-types.ts';

/** The epoch at which a fetch started. */
export type FetchTicket = number & { readonly __fetchTicket: unique symbol };

export class FetchEpochs {
  /** Bumped by every move. */
  #clock = 0;
  /** topic -> partition -> clock value of its latest move. */
  readonly #moves = new Map<string, Map<number, number>>();

  /** Taken when a fetch starts; its records are judged against it. */
  ticket(): FetchTicket {
    return this.#clock as FetchTicket;
  }

  /** The partitions' positions changed (seek, assign, revoke): every record of them fetched so far is stale. */
  moved(partitions: readonly TopicPartition[]): void {
    if (partitions.length === 0) return;
    const at = ++this.#clock;
    for (const { topic, partition } of partitions) {
      let byPartition = this.#moves.get(topic);
      if (byPartition === undefined) {
        byPartition = new Map();
        this.#moves.set(topic, byPartition);
      }
      byPartition.set(partition, at);
    }
  }

  /** The records of a fetch started at `ticket` whose partition has not moved since; the same array when none has. */
  current(records: KafkaRecord[], ticket: FetchTicket): KafkaRecord[] {
    if (this.#clock === ticket || records.length === 0) return records;
    const stale = this.#movedSince(ticket);
    if (stale.size === 0) return records;
    return records.filter((r) => stale.get(r.topic)?.has(r.partition) !== true);
  }

  /** topic -> partitions that moved after `ticket` (few: the partitions of one rebalance or re-seek). */
  #movedSince(ticket: FetchTicket): Map<string, Set<number>> {
    const stale = new Map<string, Set<number>>();
    for (const [topic, byPartition] of this.#moves) {
      for (const [partition, at] of byPartition) {
        if (at <= ticket) continue;
        let set = stale.get(topic);
        if (set === undefined) {
          set = new Set();
          stale.set(topic, set);
        }
        set.add(partition);
      }
    }
    return stale;
  }
}
