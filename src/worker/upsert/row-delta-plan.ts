// A batch's collapsed changes against the key index: which rows to write, which
// rows of which data files to delete by position, and what the index learns
// once the commit succeeded. The commit path (position-delete files on v2,
// deletion vectors on v3, the row-delta snapshot) takes `positionDeletes` and
// `rows` from here; the writer reports where each row landed, and
// `stageIndex` stages the index updates to apply after the commit.
import type { Row } from '../../iceberg/types.ts';
import type { ChangeLocation, KeyedChange, OrderValue } from './change.ts';
import { supersedes } from './change.ts';
import { type IndexStage, type PartitionKeyIndex, SHARED_INDEX, type TableKeyIndex } from './key-index.ts';

export interface UpsertRow {
  readonly key: string;
  readonly row: Row;
  readonly order?: OrderValue | undefined;
  readonly location: ChangeLocation;
}

export interface RowDeltaCounts {
  /** Keys new to the table. */
  inserts: number;
  /** Keys whose live row is replaced (a position delete and a new row). */
  updates: number;
  /** Keys whose live row is deleted. */
  deletes: number;
  /** Deletes of keys the table does not hold (nothing to do). */
  absentDeletes: number;
  /** Changes older (order.by) than the key's row in the table: dropped. */
  stale: number;
  /** Rows deleted by truncates. */
  truncated: number;
}

export interface RowDeltaPlan {
  /** The rows to write, in change order (by topic, partition, offset). */
  readonly rows: readonly UpsertRow[];
  /** Data file path -> positions of rows to delete, ascending. */
  readonly positionDeletes: ReadonlyMap<string, readonly number[]>;
  readonly counts: RowDeltaCounts;
  /** Keys to forget (or remember as deleted) once committed. */
  readonly removals: readonly Removal[];
}

export interface Removal {
  readonly key: string;
  /** The partition index the removal is staged in. */
  readonly into: PartitionKeyIndex;
  readonly order?: OrderValue | undefined;
  /** The shared (unattributed) part holds the key: a remembered delete in `into` shadows it. */
  readonly shadow: boolean;
}

export function planRowDelta(
  changes: readonly KeyedChange[],
  truncates: readonly ChangeLocation[],
  index: TableKeyIndex,
): RowDeltaPlan {
  const deletes = new Map<string, Set<number>>();
  /** Whether the row was not deleted by the plan yet. */
  const deleteRow = (file: string, position: number): boolean => {
    let positions = deletes.get(file);
    if (positions === undefined) {
      positions = new Set();
      deletes.set(file, positions);
    }
    const size = positions.size;
    positions.add(position);
    return positions.size > size;
  };
  const counts: RowDeltaCounts = {
    inserts: 0,
    updates: 0,
    deletes: 0,
    absentDeletes: 0,
    stale: 0,
    truncated: 0,
  };
  const truncated = new Set<string>();
  const removals: Removal[] = [];
  for (const at of truncates) {
    // The index parts held here forget their keys; every live row of the topic's
    // files (partitions owned elsewhere or not indexed yet included) goes by position.
    const home = ownIndex(index, at);
    for (const part of index.truncateScope(at.topic)) {
      const shadow = part.name === SHARED_INDEX;
      for (const [key, row] of part.live()) {
        if (truncated.has(key)) continue;
        truncated.add(key);
        if (deleteRow(row.file, row.position)) counts.truncated++;
        removals.push({ key, into: shadow ? home : part, shadow: shadow || index.sharedLive(key) });
      }
      if (shadow) continue;
      // Deleted keys remembered for their order value (order.by) forget it too:
      // after a truncate any version of a key is its row.
      for (const key of part.deleted()) {
        if (truncated.has(key)) continue;
        truncated.add(key);
        removals.push({ key, into: part, shadow: index.sharedLive(key) });
      }
    }
    for (const file of index.truncatedFiles(at.topic)) {
      for (let position = 0; position < file.recordCount; position++)
        if (!file.deleted.has(position) && deleteRow(file.path, position)) counts.truncated++;
    }
  }
  const rows: UpsertRow[] = [];
  for (const change of changes) {
    const hit = truncated.has(change.key) ? undefined : index.lookup(change.key, change.location);
    const current = hit?.found;
    const ordered = !(change.kind === 'upsert' && change.afterDelete === true);
    if (current !== undefined && ordered && !supersedes(change, current)) {
      counts.stale++;
      continue;
    }
    const live = current?.live === true ? current : undefined;
    if (live !== undefined) deleteRow(live.file, live.position);
    if (change.kind === 'delete') {
      if (live === undefined) counts.absentDeletes++;
      else counts.deletes++;
      // Also a key whose shared row an earlier batch deleted and whose later row this
      // deletes: the shared part still holds the first (index.sharedLive).
      const shadow = (hit !== undefined && hit.index.name === SHARED_INDEX) || index.sharedLive(change.key);
      removals.push({ key: change.key, into: ownIndex(index, change.location), order: change.order, shadow });
      continue;
    }
    if (live === undefined) counts.inserts++;
    else counts.updates++;
    rows.push({ key: change.key, row: change.row, order: change.order, location: change.location });
  }
  const positionDeletes = new Map<string, number[]>();
  for (const [file, positions] of deletes)
    positionDeletes.set(
      file,
      [...positions].sort((a, b) => a - b),
    );
  return { rows, positionDeletes, counts, removals };
}

/**
 * Stages the plan's index updates: each written row's new place (`written[i]`
 * is where `plan.rows[i]` landed) and the removals. Commit every returned stage
 * after the table commit succeeded, discard them all otherwise.
 */
export function stageIndex(
  plan: RowDeltaPlan,
  index: TableKeyIndex,
  written: ReadonlyArray<{ readonly file: string; readonly position: number }>,
): IndexStage[] {
  if (written.length !== plan.rows.length) {
    throw new Error(`stageIndex: ${written.length} written places for ${plan.rows.length} rows`);
  }
  const stages = new Map<PartitionKeyIndex, IndexStage>();
  const stageOf = (part: PartitionKeyIndex): IndexStage => {
    let stage = stages.get(part);
    if (stage === undefined) {
      stage = part.stage();
      stages.set(part, stage);
    }
    return stage;
  };
  for (const removal of plan.removals)
    stageOf(removal.into).remove(removal.key, removal.order, removal.shadow);
  plan.rows.forEach((row, i) => {
    const place = written[i]!;
    stageOf(ownIndex(index, row.location)).put(row.key, place.file, place.position, row.order);
  });
  return [...stages.values()];
}

function ownIndex(index: TableKeyIndex, at: ChangeLocation): PartitionKeyIndex {
  const part = index.partition(at.topic, at.partition);
  if (part === undefined)
    throw new Error(`no key index for ${at.topic}[${at.partition}] (the partition is not assigned here)`);
  return part;
}
