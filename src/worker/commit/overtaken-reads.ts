// Whether the open batch, read while the batch before it was committing
// (pipelined commits, docs/exactly-once.md "Commits beside reading"), may hold
// rows that commit made redundant. Pure, tested case by case.
//
// Invariant: a record is written to a table only when that table did not
// record its offset when the record was read. While the sealed batch commits,
// the worker reads on into the open batch and filters its records against the
// offsets the tables recorded before that commit. The commit normally moves a
// partition's offset to exactly where the open batch began reading it, which
// keeps the filter right. If it moved a table's offset for one of the open
// batch's partitions any other way (it followed another writer's move past
// where the open batch began, or the table stood above that point and changed),
// records the table now covers may be in the open batch: it must be dropped
// and read again from the tables (seed 310 of the simulation found exactly this
// duplicate before the rule existed).
import type { PartitionRead } from './connector-batch.ts';
import { getOffset, type OffsetMap } from './table-offsets.ts';

/**
 * `before`/`after`: each table's offsets for the connector when the sealed
 * batch was sealed and once its commit landed (a table absent from `before`
 * recorded nothing then). Returns why the open batch must go, or undefined.
 */
export function overtakenReads(
  reads: Iterable<PartitionRead>,
  before: ReadonlyMap<string, OffsetMap>,
  after: ReadonlyMap<string, OffsetMap>,
): string | undefined {
  const empty: OffsetMap = new Map();
  const tables = new Set([...before.keys(), ...after.keys()]);
  for (const read of reads) {
    for (const table of tables) {
      const old = getOffset(before.get(table) ?? empty, read.topic, read.partition);
      const now = getOffset(after.get(table) ?? empty, read.topic, read.partition);
      if (old === now) continue;
      const above = (offset: bigint | undefined) => offset !== undefined && offset > read.from;
      if (above(old) || above(now)) {
        return `${table} moved ${read.topic}[${read.partition}] from ${old ?? 'nothing'} to ${now ?? 'nothing'} while the next batch read it from ${read.from}`;
      }
    }
  }
  return undefined;
}
