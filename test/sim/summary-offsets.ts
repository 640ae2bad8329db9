// What floe writes into a snapshot's summary (and the table property) about
// offsets, as the invariants read it: the connector's offsets by
// `topic:partition`, and the ranges retention deleted before they were read.
import type { Snapshot } from '../../src/iceberg/snapshot.ts';

/** `topic:partition` -> next offset. */
export type Offsets = Map<string, bigint>;

/** Offsets in a summary value; undefined when the snapshot has none. */
export function summaryOffsets(snapshot: Snapshot, key: string): Offsets | undefined {
  return parseOffsets(snapshot.summary[key]);
}

/** `{"<topic>": {"<partition>": <offset>}}` as written in a summary or the table property. */
export function parseOffsets(text: string | undefined): Offsets | undefined {
  if (text === undefined) return undefined;
  const out: Offsets = new Map();
  for (const [topic, partitions] of Object.entries(
    JSON.parse(text) as Record<string, Record<string, unknown>>,
  )) {
    for (const [p, o] of Object.entries(partitions)) out.set(`${topic}:${p}`, BigInt(o as string | number));
  }
  return out;
}

/** Retention-loss ranges [from, to) of a summary, by `topic:partition`. */
export function lossRanges(snapshot: Snapshot, key: string): Array<[string, bigint, bigint]> {
  const text = snapshot.summary[key];
  if (text === undefined) return [];
  const out: Array<[string, bigint, bigint]> = [];
  for (const [topic, partitions] of Object.entries(
    JSON.parse(text) as Record<string, Record<string, unknown>>,
  )) {
    for (const [p, value] of Object.entries(partitions)) {
      const ranges =
        Array.isArray(value) && Array.isArray(value[0]) ? (value as unknown[][]) : [value as unknown[]];
      for (const r of ranges) out.push([`${topic}:${p}`, BigInt(r[0] as string), BigInt(r[1] as string)]);
    }
  }
  return out;
}
