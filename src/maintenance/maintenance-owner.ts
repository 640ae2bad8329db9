// Which worker of a consumer group maintains a table (docs/operations.md,
// "Table maintenance"). No coordination service, no extra state: the table's
// committed offsets (floe.offsets.<connector> in its snapshot summaries) name
// the Kafka partitions that feed it, and the consumer group gives each
// partition to one member at a time. The maintainer of a table is the worker
// that holds the first of those partitions, ordered by connector name, topic
// and partition number; every other worker of the group skips the table.
//
// - Only partitions of the connectors this worker runs count, and only of
//   topics they still read (a topic dropped from a connector's `topics` stays
//   in the offsets for good and would otherwise name a partition nobody holds).
// - A table that records none of them yet (a new table, or one this group
//   never committed to) is maintained by whichever worker commits to it.
// - During a rebalance the partition may be released by one worker and taken by
//   another while both look: two workers may then run maintenance on the table
//   for one interval. That is safe, as it was before: each step commits with
//   requirements the catalog checks (a replace snapshot validated against the
//   fresh table, an expiry that re-plans on a conflict), so the second one
//   re-plans or finds nothing to do.
// - When the maintainer stops, its partitions move to another member and the
//   first partition with them: the new holder maintains the table from its next
//   interval on.
// Pure: the caller reads the offsets from the table and asks the consumer what
// it holds (the maintenance layer never sees Kafka).

/** A Kafka partition a table records offsets for, under one connector. */
export interface RecordedPartition {
  readonly connector: string;
  readonly topic: string;
  readonly partition: number;
}

export interface MaintainerInputs {
  /**
   * Per connector this worker runs: the offsets the table records for it,
   * topic -> partition -> next offset (the values are not looked at).
   */
  readonly recorded: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<number, unknown>>>;
  /** The connector (still) reads the topic. */
  readonly reads: (connector: string, topic: string) => boolean;
  /** This worker holds the partition in its current assignment. */
  readonly holds: (partition: RecordedPartition) => boolean;
}

export type MaintainerDecision =
  /** No partition of this worker's connectors is recorded: whoever commits maintains. */
  | { readonly kind: 'maintain'; readonly reason: 'no-offsets' }
  /** This worker holds the table's first partition. */
  | { readonly kind: 'maintain'; readonly reason: 'holds-first-partition'; readonly first: RecordedPartition }
  /** Another member of the group holds it. */
  | { readonly kind: 'skip'; readonly reason: 'another-worker'; readonly first: RecordedPartition };

/** The first recorded partition (connector, topic, partition order) of a topic its connector still reads. */
export function firstRecordedPartition(
  inputs: Omit<MaintainerInputs, 'holds'>,
): RecordedPartition | undefined {
  let first: RecordedPartition | undefined;
  for (const [connector, topics] of inputs.recorded) {
    for (const [topic, partitions] of topics) {
      if (!inputs.reads(connector, topic)) continue;
      for (const partition of partitions.keys()) {
        const candidate = { connector, topic, partition };
        if (first === undefined || comparePartitions(candidate, first) < 0) first = candidate;
      }
    }
  }
  return first;
}

export function decideMaintainer(inputs: MaintainerInputs): MaintainerDecision {
  const first = firstRecordedPartition(inputs);
  if (first === undefined) return { kind: 'maintain', reason: 'no-offsets' };
  return inputs.holds(first)
    ? { kind: 'maintain', reason: 'holds-first-partition', first }
    : { kind: 'skip', reason: 'another-worker', first };
}

/** `connector/topic:partition`, for logs. */
export function formatRecordedPartition(p: RecordedPartition): string {
  return `${p.connector}/${p.topic}:${p.partition}`;
}

/** The same order on every worker: by code units (not the locale), then partition number. */
function comparePartitions(a: RecordedPartition, b: RecordedPartition): number {
  if (a.connector !== b.connector) return a.connector < b.connector ? -1 : 1;
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}
