// Before a batch is committed to several tables, every table that has not
// recorded one of the batch's partitions first records where the batch began
// reading it (an offsets-only snapshot). Without that, a crash or a fence
// between two tables' commits (tables are committed one at a time where the
// catalog has no atomic multi-table commit, and a REST server may apply a
// transaction in part) would leave one table recording the partition and the
// other not; the partition would then resume at the first table's offset, and
// the records routed to the second table in between would be lost. Happens once
// per table and partition: when the connector first reads it, or when a table
// is created.
import type { Catalog } from '../../catalog/catalog.ts';
import type { SnapshotProducer, TableAppend } from '../../sink/snapshot-producer.ts';
import type { TableRegistry, TableState } from '../table-registry.ts';
import { fenceBatch, type PartitionRange } from './batch-fence.ts';
import type { ConnectorBatch } from './connector-batch.ts';
import { committedOffsets, getOffset } from './table-offsets.ts';

export async function claimPartitions(
  batch: ConnectorBatch,
  states: readonly TableState[],
  args: { connector: string; catalog: Catalog; producer: SnapshotProducer; tables: TableRegistry },
): Promise<void> {
  const claims: Array<{ state: TableState; append: TableAppend; ranges: PartitionRange[] }> = [];
  for (const state of states) {
    const ranges: PartitionRange[] = [];
    for (const read of batch.reads.values()) {
      if (getOffset(state.offsets, read.topic, read.partition) !== undefined) continue;
      // end = from: the table records the partition without moving past anything.
      const { topic, partition, from } = read;
      ranges.push({ topic, partition, expected: undefined, from, end: from, wrote: false });
    }
    if (ranges.length === 0) continue;
    const decide = (metadata: Parameters<TableAppend['decide']>[0]) =>
      fenceBatch(args.connector, committedOffsets(metadata, args.connector), ranges, {
        'floe.claim': 'partitions',
      });
    claims.push({ state, append: { id: state.id, dataFiles: [], decide }, ranges });
  }
  if (claims.length === 0) return;
  const atomic = claims.length > 1 && (await args.catalog.supportsMultiTableCommit());
  for (const group of atomic ? [claims] : claims.map((c) => [c])) {
    const result = await args.producer.commit(group.map((c) => c.append));
    // A claim never aborts (it writes no rows); a table that recorded the partition meanwhile is skipped.
    if (result.kind === 'aborted') continue;
    for (const [i, claim] of group.entries()) {
      const outcome = result.tables[i]!;
      // Only what the claim itself recorded becomes `expected`: the batch's rows were
      // filtered by the offsets seen before, and must be fenced against them.
      if (outcome.kind === 'committed') args.tables.claimed(claim.state, outcome.metadata, claim.ranges);
    }
  }
}
