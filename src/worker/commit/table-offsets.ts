// Progress kept in the table itself (docs/exactly-once.md): every snapshot floe
// commits carries `floe.offsets.<connector>` = {"<topic>": {"<partition>": next offset}}
// for every partition the connector has ever committed to that table. Other
// writers' snapshots may lack it: the newest ancestor of main that has it wins.
import { FloeError } from '../../errors.ts';
import type { TableMetadata } from '../../iceberg/table-metadata.ts';
import { ancestors, branchHead } from '../../iceberg/table-metadata.ts';

/** topic -> partition -> next offset to consume. */
export type OffsetMap = Map<string, Map<number, bigint>>;

export function offsetsProperty(connector: string): string {
  return `floe.offsets.${connector}`;
}

/** Summary key of the offset ranges a commit skipped because retention deleted them first. */
export function retentionLossProperty(connector: string): string {
  return `floe.retention-loss.${connector}`;
}

export function parseOffsets(text: string, where: string): OffsetMap {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FloeError(`${where}: offsets are not JSON`, { where }, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FloeError(`${where}: offsets must be a JSON object of topics`, { where });
  }
  const offsets: OffsetMap = new Map();
  for (const [topic, partitions] of Object.entries(json)) {
    if (typeof partitions !== 'object' || partitions === null || Array.isArray(partitions)) {
      throw new FloeError(`${where}: offsets of topic '${topic}' must be an object of partitions`, { where });
    }
    const byPartition = new Map<number, bigint>();
    for (const [partition, offset] of Object.entries(partitions as Record<string, unknown>)) {
      if (!/^\d+$/.test(partition) || (typeof offset !== 'number' && typeof offset !== 'string')) {
        throw new FloeError(`${where}: bad offset entry ${topic}[${partition}] = ${JSON.stringify(offset)}`, {
          where,
        });
      }
      byPartition.set(Number(partition), BigInt(offset));
    }
    offsets.set(topic, byPartition);
  }
  return offsets;
}

/** Compact JSON; offsets as numbers while exact, strings beyond 2^53. */
export function formatOffsets(offsets: OffsetMap): string {
  const json: Record<string, Record<string, number | string>> = {};
  for (const topic of [...offsets.keys()].sort()) {
    const partitions = offsets.get(topic)!;
    const entry: Record<string, number | string> = {};
    for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
      const offset = partitions.get(partition)!;
      entry[String(partition)] =
        offset <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(offset) : offset.toString();
    }
    json[topic] = entry;
  }
  return JSON.stringify(json);
}

/**
 * The connector's committed offsets in `metadata` (empty when it never committed
 * there): the newest snapshot on main's ancestry that carries them. When other
 * engines' maintenance expired every such snapshot (the retained ancestry does
 * not reach the table's first snapshot), the table property of the same name,
 * moved in every floe commit, says what they were. A main rolled back past floe's commits keeps an
 * unbroken ancestry, and the offsets follow the data back.
 */
export function committedOffsets(metadata: TableMetadata, connector: string): OffsetMap {
  const head = branchHead(metadata, 'main');
  if (head === undefined) return new Map();
  const key = offsetsProperty(connector);
  const chain = ancestors(metadata, head.snapshotId);
  for (const snapshot of chain) {
    const text = snapshot.summary[key];
    if (text !== undefined) return parseOffsets(text, `snapshot ${snapshot.snapshotId} summary ${key}`);
  }
  // History was cut when the oldest retained ancestor names a parent (Java keeps
  // the id) or is not the table's first snapshot (PyIceberg drops the id; v2+ only).
  const root = chain.at(-1);
  const expired =
    root !== undefined &&
    (root.parentSnapshotId !== undefined || (metadata.formatVersion >= 2 && root.sequenceNumber > 1));
  const kept = metadata.properties[key];
  if (expired && kept !== undefined) return parseOffsets(kept, `table property ${key}`);
  return new Map();
}

export function getOffset(offsets: OffsetMap, topic: string, partition: number): bigint | undefined {
  return offsets.get(topic)?.get(partition);
}

/** The lowest offset any of `tables` records for the partition (undefined: none records it). */
export function lowestRecorded(
  tables: ReadonlyArray<{ readonly offsets: OffsetMap }>,
  topic: string,
  partition: number,
): bigint | undefined {
  let lowest: bigint | undefined;
  for (const { offsets } of tables) {
    const offset = getOffset(offsets, topic, partition);
    if (offset !== undefined && (lowest === undefined || offset < lowest)) lowest = offset;
  }
  return lowest;
}

export function withOffsets(
  base: OffsetMap,
  updates: Iterable<{ topic: string; partition: number; offset: bigint }>,
): OffsetMap {
  const merged: OffsetMap = new Map([...base].map(([topic, partitions]) => [topic, new Map(partitions)]));
  for (const { topic, partition, offset } of updates) {
    let partitions = merged.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      merged.set(topic, partitions);
    }
    partitions.set(partition, offset);
  }
  return merged;
}
