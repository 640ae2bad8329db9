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
  /** Deletion vectors added (v3; their content sizes are in `bytes`, as Java counts them). */
  readonly deletionVectors?: number;
  /** Rows of the position-delete files and vectors: the positions they delete. */
  readonly positionDeletes?: number;
  /** Delete files the snapshot removes (v3: the deletion vectors a row delta replaced). */
  readonly removedDeletes?: RemovedDeletes;
  /** 'append' unless given (a row delta is 'overwrite' or 'delete'). */
  readonly operation?: SnapshotOperation;
}

export interface RemovedDeletes {
  /** Position-delete files and deletion vectors removed. */
  readonly deleteFiles: number;
  /** Of those, deletion vectors. */
  readonly deletionVectors: number;
  /** Of those, position-delete files (v2 files dropped when merged into a vector on v3). */
  readonly positionDeleteFiles: number;
  readonly positionDeletes: number;
  /** Bytes (a vector's content size, as Java counts them). */
  readonly bytes: number;
}

const SUMMARY_OPERATION = 'operation';
const TOTALS: readonly (readonly [total: string, added: string | undefined, removed?: string])[] = [
  ['total-records', 'added-records'],
  ['total-files-size', 'added-files-size', 'removed-files-size'],
  ['total-data-files', 'added-data-files'],
  ['total-delete-files', 'added-delete-files', 'removed-delete-files'],
  ['total-position-deletes', 'added-position-deletes', 'removed-position-deletes'],
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
  // As Java's SnapshotSummary: position-delete files and deletion vectors are both delete files;
  // a count of 0 is left out.
  const files = added.positionDeleteFiles ?? 0;
  const vectors = added.deletionVectors ?? 0;
  const removed = added.removedDeletes;
  const counts: readonly (readonly [string, number])[] = [
    ['added-delete-files', files + vectors],
    ['added-position-delete-files', files],
    ['added-dvs', vectors],
    ['added-position-deletes', files + vectors > 0 ? (added.positionDeletes ?? 0) : 0],
    ['removed-files-size', removed?.bytes ?? 0],
    ['removed-delete-files', removed?.deleteFiles ?? 0],
    ['removed-position-delete-files', removed?.positionDeleteFiles ?? 0],
    ['removed-dvs', removed?.deletionVectors ?? 0],
    ['removed-position-deletes', removed?.positionDeletes ?? 0],
  ];
  for (const [key, count] of counts) if (count > 0) summary[key] = String(count);
  if (added.changedPartitions !== undefined) {
    summary['changed-partition-count'] = String(added.changedPartitions);
  }
  for (const [totalKey, addedKey, removedKey] of TOTALS) {
    const before = first ? 0n : parseCount(previous[totalKey]);
    if (before === undefined) continue;
    const increment = addedKey === undefined ? 0n : BigInt(summary[addedKey] ?? '0');
    const decrement = removedKey === undefined ? 0n : BigInt(summary[removedKey] ?? '0');
    summary[totalKey] = String(before + increment - decrement);
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
