// The `--from` and `--until` arguments of `floe backfill`: where reading starts
// in partitions the tables have never seen, and where it stops. Timestamps must
// say their zone (a bare date means UTC midnight) so a backfill means the same
// wherever it is started.
import { ValidationError } from '../../errors.ts';

export interface PartitionStart {
  /** Absent: every topic of the connector (only allowed when it reads one topic). */
  readonly topic?: string;
  readonly partition: number;
  readonly offset: bigint;
}

export type BackfillFrom =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'timestamp'; readonly timestampMs: number; readonly text: string }
  | { readonly kind: 'offsets'; readonly starts: readonly PartitionStart[] };

/** `now` = the end of each partition when the backfill starts; a timestamp is exclusive. */
export type BackfillUntil =
  | { readonly kind: 'now' }
  | { readonly kind: 'timestamp'; readonly timestampMs: number; readonly text: string };

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
const PARTITION_START = /^(?:(?<topic>[A-Za-z0-9._-]+):)?(?<partition>\d+)=(?<offset>\d+)$/;

export function parseBackfillFrom(text: string): BackfillFrom {
  const value = text.trim();
  if (value === 'earliest') return { kind: 'earliest' };
  if (/^\d{4}-/.test(value))
    return { kind: 'timestamp', timestampMs: parseTimestamp(value, '--from'), text: value };
  const starts: PartitionStart[] = [];
  const seen = new Set<string>();
  for (const part of value.split(',')) {
    const match = PARTITION_START.exec(part.trim());
    if (!match?.groups) {
      throw new ValidationError(
        `--from: '${part.trim()}' is not earliest, an ISO timestamp or a partition offset like 0=100 or orders:0=100`,
        { argument: '--from' },
      );
    }
    const { topic, partition, offset } = match.groups as {
      topic?: string;
      partition: string;
      offset: string;
    };
    const key = `${topic ?? '*'}:${partition}`;
    if (seen.has(key)) {
      throw new ValidationError(`--from: partition ${topic ? `${topic}:` : ''}${partition} is given twice`, {
        argument: '--from',
      });
    }
    seen.add(key);
    starts.push({ ...(topic ? { topic } : {}), partition: Number(partition), offset: BigInt(offset) });
  }
  return { kind: 'offsets', starts };
}

export function parseBackfillUntil(text: string): BackfillUntil {
  const value = text.trim();
  if (value === 'now') return { kind: 'now' };
  return { kind: 'timestamp', timestampMs: parseTimestamp(value, '--until'), text: value };
}

function parseTimestamp(value: string, argument: string): number {
  const ms = ISO_TIMESTAMP.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new ValidationError(
      `${argument}: '${value}' is not an ISO 8601 timestamp with a zone (e.g. 2024-05-01T00:00:00Z or 2024-05-01)`,
      { argument },
    );
  }
  if (ms < 0) throw new ValidationError(`${argument}: '${value}' is before 1970`, { argument });
  return ms;
}

/** The --from offset of one partition, or undefined when --from does not name it. */
export function explicitStart(from: BackfillFrom, topic: string, partition: number): bigint | undefined {
  if (from.kind !== 'offsets') return undefined;
  const exact = from.starts.find((s) => s.topic === topic && s.partition === partition);
  return (exact ?? from.starts.find((s) => s.topic === undefined && s.partition === partition))?.offset;
}
