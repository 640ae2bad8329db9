// The last commit of a completed backfill: a snapshot without data files that
// records the end offset of every covered partition in each of the connector's
// tables that is still behind it. Batches only record partitions that had
// records (and only in tables that got rows), so without this a partition that
// was empty in the range, a table no record was routed to, or a log ending in
// transaction markers would leave `floe run` to start from its group offset.
// Same fence as every batch (docs/exactly-once.md), so it never moves offsets
// another writer set.
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import { NoSuchNamespaceError, NoSuchTableError } from '../errors.ts';
import type { FileIO } from '../io/file-io.ts';
import type { Logger } from '../log.ts';
import { SnapshotProducer, type SnapshotProducerOptions } from '../sink/snapshot-producer.ts';
import { fenceBatch, type PartitionRange } from './batch-fence.ts';
import { FencedBatchError } from './commit-batch.ts';
import type { TopicPartitionOffset } from './kafka-types.ts';
import { committedOffsets, getOffset } from './table-offsets.ts';

export interface FinalOffsetsArgs {
  readonly connector: string;
  readonly tables: readonly TableIdentifier[];
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly log: Logger;
  readonly producer?: SnapshotProducerOptions;
  /** Per partition the offset the tables must record at least. */
  readonly ends: readonly TopicPartitionOffset[];
}

/** Returns how many tables got an offsets-only snapshot. */
export async function commitFinalOffsets(args: FinalOffsetsArgs): Promise<number> {
  const producer = new SnapshotProducer(args.catalog, args.io, { ...args.producer, log: args.log });
  let committed = 0;
  for (const id of args.tables) {
    const name = formatTableIdentifier(id);
    let recorded: ReturnType<typeof committedOffsets>;
    try {
      recorded = committedOffsets((await args.catalog.loadTable(id)).metadata, args.connector);
    } catch (error) {
      if (error instanceof NoSuchTableError || error instanceof NoSuchNamespaceError) continue; // no record went there
      throw error;
    }
    const ranges: PartitionRange[] = [];
    for (const { topic, partition, offset } of args.ends) {
      const expected = getOffset(recorded, topic, partition);
      if (expected === undefined || expected < offset)
        ranges.push({ topic, partition, expected, end: offset });
    }
    if (ranges.length === 0) continue;
    const result = await producer.append(id, {
      dataFiles: [],
      decide: (metadata) =>
        fenceBatch(args.connector, committedOffsets(metadata, args.connector), ranges, {
          'floe.backfill': 'end-offsets',
        }),
    });
    if (result.kind === 'aborted') {
      throw new FencedBatchError(
        `connector ${args.connector}: end offsets not recorded in ${name}: ${result.reason}`,
        {
          connector: args.connector,
          table: name,
        },
      );
    }
    if (result.kind === 'committed') {
      committed++;
      args.log.info('recorded backfill end offsets', { table: name, partitions: ranges.length });
    }
  }
  return committed;
}
