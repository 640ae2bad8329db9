// The exactly-once check made on the freshly loaded table before every commit
// attempt (docs/exactly-once.md, "The protocol", 4). Invariant: a commit never
// moves a partition's recorded offset backwards, never past records it did not
// read (but for ranges it records as lost to retention), and never adds rows
// of a partition whose range another writer moved since the worker looked. Per
// partition of the batch, with `now` what the table records:
// - now === expected (nobody moved it): the batch must have read on from `now`
//   (else a gap: abort); the offset becomes max(now, end);
// - now !== expected and the batch has no rows of it for this table: the
//   partition is left as the table has it (another writer owns it now), or,
//   when that writer moved it forward to an offset the batch read on from,
//   moved on to `end` (the batch routed nothing of [now, end) here);
// - now !== expected with rows: abort, never commit; the worker re-reads.
// Nothing to change for any partition: skip (the table already holds the batch).
import type { CommitDecision } from '../../sink/snapshot-producer.ts';
import {
  formatOffsets,
  getOffset,
  type OffsetMap,
  offsetsProperty,
  retentionLossProperty,
  withOffsets,
} from './table-offsets.ts';

export interface PartitionRange {
  readonly topic: string;
  readonly partition: number;
  /** What the table recorded for this partition when the worker last looked (undefined: never seen). */
  readonly expected: bigint | undefined;
  /** Where the batch's reading of the partition began: the offset the consumer was positioned at. */
  readonly from: bigint;
  /** Next offset after the last record of the batch. */
  readonly end: bigint;
  /** The batch holds rows of this partition for this table. */
  readonly wrote: boolean;
  /** Ranges [from, to) that retention deleted before they were read: recorded, never silent. */
  readonly lost?: ReadonlyArray<{ readonly from: bigint; readonly to: bigint }>;
}

export function fenceBatch(
  connector: string,
  recorded: OffsetMap,
  ranges: readonly PartitionRange[],
  extraSummary: Readonly<Record<string, string>> = {},
): CommitDecision {
  const problems: string[] = [];
  const moves: Array<{ topic: string; partition: number; offset: bigint }> = [];
  const lost: Array<{ topic: string; partition: number; from: bigint; to: bigint }> = [];
  for (const range of ranges) {
    const where = `${range.topic}[${range.partition}]`;
    const now = getOffset(recorded, range.topic, range.partition);
    if (now !== range.expected) {
      if (range.wrote) {
        problems.push(
          `${where} table has ${now ?? 'nothing'}, this worker expected ${range.expected ?? 'nothing'} (another writer moved it)`,
        );
      } else if (now !== undefined && movedAheadOfUs(range, now) && range.end > now) {
        // The batch read [now, end) too and routed none of it here: the table follows.
        moves.push({ topic: range.topic, partition: range.partition, offset: range.end });
      }
      continue;
    }
    if (now !== undefined && range.from > now) {
      problems.push(
        `${where} table has ${now} but the batch read from ${range.from} (a gap of unread records)`,
      );
      continue;
    }
    if (now === undefined || range.end > now) {
      moves.push({ topic: range.topic, partition: range.partition, offset: range.end });
      // Only what this table had not recorded yet was lost to it.
      for (const gone of range.lost ?? []) {
        const from = now !== undefined && now > gone.from ? now : gone.from;
        if (from < gone.to) lost.push({ topic: range.topic, partition: range.partition, from, to: gone.to });
      }
    }
  }
  if (problems.length > 0) return { kind: 'abort', reason: problems.join('; ') };
  if (moves.length === 0) return { kind: 'skip', reason: 'the table already holds this batch' };
  const offsets = formatOffsets(withOffsets(recorded, moves));
  const summary: Record<string, string> = { ...extraSummary, [offsetsProperty(connector)]: offsets };
  if (lost.length > 0) summary[retentionLossProperty(connector)] = formatLoss(lost);
  // Also a table property, which snapshot expiry by any engine keeps (table-offsets.ts).
  return { kind: 'commit', summary, properties: { [offsetsProperty(connector)]: offsets } };
}

/**
 * Another writer moved the partition forward from what this worker expected, to
 * an offset the batch read on from. (Moved backwards, or gone, the table was
 * reset: rows below `expected` were skipped for it, so nothing can be said.)
 */
function movedAheadOfUs(range: PartitionRange, now: bigint): boolean {
  if (range.from > now) return false;
  return range.expected === undefined || now > range.expected;
}

/** `{"<topic>": {"<partition>": [[from, to], ...]}}`, offsets as decimal strings. */
function formatLoss(
  lost: ReadonlyArray<{ topic: string; partition: number; from: bigint; to: bigint }>,
): string {
  const json: Record<string, Record<string, Array<[string, string]>>> = {};
  for (const { topic, partition, from, to } of lost) {
    const byPartition = json[topic] ?? {};
    json[topic] = byPartition;
    const ranges = byPartition[String(partition)] ?? [];
    byPartition[String(partition)] = ranges;
    ranges.push([from.toString(), to.toString()]);
  }
  return JSON.stringify(json);
}
