// The exactly-once check made on the freshly loaded table before every commit
// attempt (docs/exactly-once.md). For each partition of the batch the worker
// knows what the table recorded when it last looked (`expected`) and the end of
// what it read (`end`). If the table still records `expected`, the batch
// commits; if it records `end` or more, the batch is already there; anything
// else means another worker owns the range now: never commit, re-seek.
import type { CommitDecision } from '../sink/snapshot-producer.ts';
import { formatOffsets, getOffset, type OffsetMap, offsetsProperty, withOffsets } from './table-offsets.ts';

export interface PartitionRange {
  readonly topic: string;
  readonly partition: number;
  /** What the table recorded for this partition when the worker last looked (undefined: never seen). */
  readonly expected: bigint | undefined;
  /** Next offset after the last record of the batch. */
  readonly end: bigint;
}

export function fenceBatch(
  connector: string,
  recorded: OffsetMap,
  ranges: readonly PartitionRange[],
  extraSummary: Readonly<Record<string, string>> = {},
): CommitDecision {
  let committed = 0;
  const mismatches: string[] = [];
  for (const range of ranges) {
    const now = getOffset(recorded, range.topic, range.partition);
    if (now === range.expected) continue;
    if (now !== undefined && now >= range.end) {
      committed++;
      continue;
    }
    mismatches.push(
      `${range.topic}[${range.partition}] table has ${now ?? 'nothing'}, this worker expected ${range.expected ?? 'nothing'} (batch ends at ${range.end})`,
    );
  }
  if (mismatches.length > 0) {
    return { kind: 'abort', reason: `another writer moved the offsets: ${mismatches.join('; ')}` };
  }
  if (committed === ranges.length && ranges.length > 0) {
    return { kind: 'skip', reason: 'the table already holds this batch' };
  }
  if (committed > 0) {
    return { kind: 'abort', reason: 'the table holds part of this batch; re-reading from the table offsets' };
  }
  const next = withOffsets(
    recorded,
    ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.end })),
  );
  return { kind: 'commit', summary: { ...extraSummary, [offsetsProperty(connector)]: formatOffsets(next) } };
}
