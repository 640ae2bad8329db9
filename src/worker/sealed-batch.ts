// A connector batch closed to new records, and its way to the tables: its dead
// letters first (a commit must not move offsets past records the DLQ lacks),
// then one commit of its files and offsets under the fence (commit-batch.ts).
// Returns the group offsets to record for lag monitoring: per partition the
// lowest offset any table of the connector recorded, so the lag never hides a
// table that is behind.

import { type CommitBatchDeps, commitConnectorBatch } from './commit/commit-batch.ts';
import type { ConnectorBatch } from './commit/connector-batch.ts';
import { lowestRecorded, type OffsetMap } from './commit/table-offsets.ts';
import type { DeadLetterBatch } from './dead-letter-queue.ts';
import type { TopicPartition } from './kafka-types.ts';
import type { TableState } from './table-registry.ts';

/** A partition's group offset, committed to Kafka for lag monitoring. */
export type GroupOffset = TopicPartition & { offset: bigint };

export interface SealedBatch {
  readonly batch: ConnectorBatch;
  /** maxRecords, maxBytes or the memory budget ended it (commit.idleMs applies to the next). */
  readonly full: boolean;
  /** Its dead letters: sent before its commit moves offsets past them. */
  readonly letters: DeadLetterBatch;
  readonly startMs: number;
  /** Each known table's offsets when it was sealed (overtaken-reads.ts). */
  readonly before: ReadonlyMap<string, OffsetMap>;
}

/**
 * Commits `sealed` to every existing table of its connector (`tables()` loads
 * them); a failure abandons the batch's files and is thrown.
 */
export async function commitSealedBatch(
  sealed: SealedBatch,
  tables: () => Promise<TableState[]>,
  deps: CommitBatchDeps,
): Promise<GroupOffset[]> {
  let states: TableState[];
  try {
    await sealed.letters.send();
    states = await tables();
    await commitConnectorBatch(sealed.batch, states, deps);
  } catch (error) {
    sealed.batch.abandon();
    throw error;
  }
  return [...sealed.batch.reads.values()].map(({ topic, partition, end }) => {
    const lowest = lowestRecorded(states, topic, partition);
    return { topic, partition, offset: lowest !== undefined && lowest < end ? lowest : end };
  });
}
