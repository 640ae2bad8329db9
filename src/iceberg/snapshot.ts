// Snapshots and snapshot references (spec: "Snapshots", "Snapshot References").

export const MAIN_BRANCH = 'main';

export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface Snapshot {
  readonly snapshotId: bigint;
  readonly parentSnapshotId?: bigint;
  /** 0 for snapshots of v1 tables. */
  readonly sequenceNumber: number;
  readonly timestampMs: number;
  readonly manifestList: string;
  /** String summary; always includes 'operation'. */
  readonly summary: Readonly<Record<string, string>>;
  readonly schemaId?: number;
  /** v3 row lineage (spec: "Snapshot Row IDs"). */
  readonly firstRowId?: bigint;
  readonly addedRows?: bigint;
  /** Keys of the snapshot's JSON that floe does not model, kept verbatim and written back. */
  readonly extraFields?: Readonly<Record<string, unknown>>;
}

export type SnapshotRefType = 'branch' | 'tag';

export interface SnapshotRef {
  readonly snapshotId: bigint;
  readonly type: SnapshotRefType;
  readonly minSnapshotsToKeep?: number;
  readonly maxSnapshotAgeMs?: number;
  readonly maxRefAgeMs?: number;
  /** Keys of the ref's JSON in table metadata that floe does not model, kept verbatim and written back. */
  readonly extraFields?: Readonly<Record<string, unknown>>;
}

export interface AddedFiles {
  readonly files: number;
  readonly records: number;
  readonly bytes: number;
  /** Distinct partitions touched; written as 'changed-partition-count' when given. */
  readonly changedPartitions?: number;
  /** Position-delete files of a row delta (their bytes are in `bytes`, as Java counts them). */
  readonly positionDeleteFiles?: number;
  /** Rows of those files: the positions they delete. */
  readonly positionDeletes?: number;
  /** 'append' unless given (a row delta is 'overwrite' or 'delete'). */
  readonly operation?: SnapshotOperation;
}

const SUMMARY_OPERATION = 'operation';
const TOTALS: readonly (readonly [total: string, added: string | undefined])[] = [
  ['total-records', 'added-records'],
  ['total-files-size', 'added-files-size'],
  ['total-data-files', 'added-data-files'],
  ['total-delete-files', 'added-delete-files'],
  ['total-position-deletes', 'added-position-deletes'],
  ['total-equality-deletes', undefined],
];

/**
 * The summary of a fast append (or a row delta) on top of `previous`, the parent snapshot's
 * summary (undefined or {} for the first snapshot). Like the reference
 * implementation, totals start at 0 without a parent, and a total the parent does
 * not carry is left out rather than guessed (spec: Appendix F, "Optional
 * Snapshot Summary Fields").
 */
export function updateSnapshotSummary(
  previous: Readonly<Record<string, string>> | undefined,
  added: AddedFiles,
): Record<string, string> {
  const first = previous === undefined || Object.keys(previous).length === 0;
  const summary: Record<string, string> = {
    [SUMMARY_OPERATION]: added.operation ?? 'append',
    'added-files-size': String(added.bytes),
    'added-data-files': String(added.files),
    'added-records': String(added.records),
  };
  if (added.positionDeleteFiles !== undefined && added.positionDeleteFiles > 0) {
    // As Java's SnapshotSummary: every position-delete file is a delete file (no DVs on v2).
    summary['added-delete-files'] = String(added.positionDeleteFiles);
    summary['added-position-delete-files'] = String(added.positionDeleteFiles);
    summary['added-position-deletes'] = String(added.positionDeletes ?? 0);
  }
  if (added.changedPartitions !== undefined) {
    summary['changed-partition-count'] = String(added.changedPartitions);
  }
  for (const [totalKey, addedKey] of TOTALS) {
    const before = first ? 0n : parseCount(previous[totalKey]);
    if (before === undefined) continue;
    const increment = addedKey === undefined ? 0n : BigInt(summary[addedKey] ?? '0');
    summary[totalKey] = String(before + increment);
  }
  return summary;
}

function parseCount(text: string | undefined): bigint | undefined {
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
}

/** The snapshot's 'operation' summary entry. */
export function snapshotOperation(snapshot: Snapshot): string | undefined {
  return snapshot.summary[SUMMARY_OPERATION];
}
