// The offset range `floe backfill` reads in every partition of a connector's
// topics, fixed before the first record is read. The end is captured once (the
// log end, or the first offset at or after --until), so records produced
// meanwhile are left to `floe run`. The start is what the connector's tables
// recorded (an interrupted backfill resumes there), and --from only where the
// tables have never seen the partition.
import { ValidationError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { type KafkaAdminApi, partitionKey, type TopicPartition } from '../kafka-types.ts';
import { type BackfillFrom, type BackfillUntil, explicitStart } from './backfill-bounds.ts';

export interface PartitionPlan {
  readonly topic: string;
  readonly partition: number;
  /** First offset to read. */
  readonly start: bigint;
  /** Offset reading stops before; the tables record it when the backfill completes. */
  readonly end: bigint;
  /** 'table': resumed where the connector's tables are; 'from': the --from argument. */
  readonly origin: 'table' | 'from';
}

export interface BackfillPlan {
  /** Partitions the backfill is responsible for (start may equal end: nothing to read, offsets to record). */
  readonly partitions: readonly PartitionPlan[];
  /** Partitions the tables already hold up to the end or beyond; left alone. */
  readonly done: readonly (TopicPartition & { readonly recorded: bigint; readonly end: bigint })[];
}

export interface PlanArgs {
  readonly topics: readonly string[];
  readonly admin: KafkaAdminApi;
  readonly from: BackfillFrom;
  readonly until: BackfillUntil;
  /** Where the tables say each partition resumes, keyed `topic:partition` (undefined: not every table has seen it). */
  readonly resume: (
    partitions: readonly TopicPartition[],
  ) => Promise<ReadonlyMap<string, bigint | undefined>>;
  readonly log: Logger;
}

export async function planBackfill(args: PlanArgs): Promise<BackfillPlan> {
  const { from, until, admin, log } = args;
  if (from.kind === 'timestamp' && until.kind === 'timestamp' && until.timestampMs <= from.timestampMs) {
    throw new ValidationError(`--until ${until.text} must be later than --from ${from.text}`, {
      argument: '--until',
    });
  }
  if (from.kind === 'offsets' && args.topics.length > 1 && from.starts.some((s) => s.topic === undefined)) {
    throw new ValidationError(
      `--from: the connector reads ${args.topics.length} topics (${args.topics.join(', ')}); name the topic of each partition offset, e.g. ${args.topics[0]}:0=100`,
      { argument: '--from' },
    );
  }
  const partitions: PartitionPlan[] = [];
  const done: Array<TopicPartition & { recorded: bigint; end: bigint }> = [];
  const unnamed: string[] = [];
  for (const topic of args.topics) {
    const marks = await admin.fetchTopicOffsets(topic);
    const ends =
      until.kind === 'now'
        ? new Map(marks.map((m) => [m.partition, m.high]))
        : offsetMap(await admin.offsetsForTimes(topic, until.timestampMs));
    const fromTimes =
      from.kind === 'timestamp' ? offsetMap(await admin.offsetsForTimes(topic, from.timestampMs)) : undefined;
    const resume = await args.resume(marks.map((m) => ({ topic, partition: m.partition })));
    for (const { partition, low, high } of marks) {
      const where = `${topic}[${partition}]`;
      const end = ends.get(partition) ?? high;
      const recorded = resume.get(partitionKey(topic, partition));
      if (recorded !== undefined) {
        if (recorded >= end) {
          done.push({ topic, partition, recorded, end });
          continue;
        }
        if (recorded < low) {
          log.warn(
            `${where}: the tables stop at offset ${recorded} but the log starts at ${low}; offsets in between were deleted by retention`,
            { topic, partition },
          );
        }
        partitions.push({ topic, partition, start: atLeast(recorded, low), end, origin: 'table' });
        continue;
      }
      let start: bigint;
      if (from.kind === 'earliest') start = low;
      else if (fromTimes) start = fromTimes.get(partition) ?? high;
      else {
        const named = explicitStart(from, topic, partition);
        if (named === undefined) {
          unnamed.push(where);
          continue;
        }
        if (named > high) {
          throw new ValidationError(`--from: ${where} offset ${named} is past the end of the log (${high})`, {
            argument: '--from',
          });
        }
        if (named < low) {
          log.warn(`${where}: --from offset ${named} was deleted by retention; starting at ${low}`, {
            topic,
            partition,
          });
        }
        start = atLeast(named, low);
      }
      partitions.push({ topic, partition, start: atMost(start, end), end, origin: 'from' });
    }
  }
  if (unnamed.length > 0) {
    throw new ValidationError(
      `--from: no offset given for ${unnamed.join(', ')}, which the tables have never seen; list every partition (e.g. 0=100,1=250)`,
      { argument: '--from' },
    );
  }
  return { partitions, done };
}

function offsetMap(offsets: ReadonlyArray<{ partition: number; offset: bigint }>): Map<number, bigint> {
  return new Map(offsets.map((o) => [o.partition, o.offset]));
}

function atLeast(value: bigint, floor: bigint): bigint {
  if (value < floor) return floor;
  return value;
}

function atMost(value: bigint, ceiling: bigint): bigint {
  if (value > ceiling) return ceiling;
  return value;
}
