// Table metadata (spec: "Table Metadata", "Table Metadata Fields") and read-only
// helpers over it. JSON lives in table-metadata-json.ts, changes in apply-updates.ts.

import { ValidationError } from '../errors.ts';
import type { PartitionSpec } from './partition-spec.ts';
import { MAIN_BRANCH, type Snapshot, type SnapshotRef } from './snapshot.ts';
import type { SortOrder } from './sort-order.ts';
import type { Schema } from './types.ts';

export type FormatVersion = 1 | 2 | 3;
export const SUPPORTED_FORMAT_VERSIONS: readonly FormatVersion[] = [1, 2, 3];

export interface SnapshotLogEntry {
  readonly timestampMs: number;
  readonly snapshotId: bigint;
}

export interface MetadataLogEntry {
  readonly timestampMs: number;
  readonly metadataFile: string;
}

/**
 * A table or partition statistics file (spec: "Table Statistics", "Partition
 * Statistics"). floe does not read them; it keeps each one verbatim (`json`) so
 * that a commit does not drop statistics other engines wrote.
 */
export interface StatisticsFileRef {
  readonly snapshotId: bigint;
  readonly json: Readonly<Record<string, unknown>>;
}

export interface TableMetadata {
  readonly formatVersion: FormatVersion;
  readonly tableUuid: string;
  readonly location: string;
  /** 0 for v1 tables. */
  readonly lastSequenceNumber: number;
  readonly lastUpdatedMs: number;
  readonly lastColumnId: number;
  readonly schemas: readonly Schema[];
  readonly currentSchemaId: number;
  readonly partitionSpecs: readonly PartitionSpec[];
  readonly defaultSpecId: number;
  readonly lastPartitionId: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly currentSnapshotId: bigint | null;
  readonly snapshots: readonly Snapshot[];
  readonly snapshotLog: readonly SnapshotLogEntry[];
  /** Previous metadata files; appending to it on each commit is the catalog's job. */
  readonly metadataLog: readonly MetadataLogEntry[];
  readonly sortOrders: readonly SortOrder[];
  readonly defaultSortOrderId: number;
  readonly refs: Readonly<Record<string, SnapshotRef>>;
  readonly statistics: readonly StatisticsFileRef[];
  readonly partitionStatistics: readonly StatisticsFileRef[];
  /** v3 only (spec: "Row Lineage"): the next snapshot's first-row-id. */
  readonly nextRowId?: bigint;
  /**
   * Top-level keys floe does not model (other writers' and vendors' fields),
   * kept verbatim so that a catalog rewriting the file does not drop them.
   */
  readonly extraFields?: Readonly<Record<string, unknown>>;
}

export function schemaById(metadata: TableMetadata, schemaId: number): Schema {
  const schema = metadata.schemas.find((s) => s.schemaId === schemaId);
  if (!schema) throw new ValidationError(`table ${metadata.location} has no schema with id ${schemaId}`);
  return schema;
}

export function currentSchema(metadata: TableMetadata): Schema {
  return schemaById(metadata, metadata.currentSchemaId);
}

export function specById(metadata: TableMetadata, specId: number): PartitionSpec {
  const spec = metadata.partitionSpecs.find((s) => s.specId === specId);
  if (!spec) throw new ValidationError(`table ${metadata.location} has no partition spec with id ${specId}`);
  return spec;
}

export function defaultSpec(metadata: TableMetadata): PartitionSpec {
  return specById(metadata, metadata.defaultSpecId);
}

export function snapshotById(metadata: TableMetadata, snapshotId: bigint): Snapshot | undefined {
  return metadata.snapshots.find((s) => s.snapshotId === snapshotId);
}

export function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  return metadata.currentSnapshotId === null ? undefined : snapshotById(metadata, metadata.currentSnapshotId);
}

/** The snapshot a branch points at; undefined when the branch does not exist (e.g. a new table). */
export function branchHead(metadata: TableMetadata, branch: string = MAIN_BRANCH): Snapshot | undefined {
  const ref = metadata.refs[branch];
  if (ref === undefined) return undefined;
  if (ref.type !== 'branch') throw new ValidationError(`ref ${branch} of ${metadata.location} is a tag`);
  const snapshot = snapshotById(metadata, ref.snapshotId);
  if (!snapshot) {
    throw new ValidationError(
      `branch ${branch} of ${metadata.location} points at missing snapshot ${ref.snapshotId}`,
    );
  }
  return snapshot;
}

/**
 * The snapshot and its ancestors, newest first, following parent ids until one
 * is missing (expired) or absent.
 */
export function ancestors(metadata: TableMetadata, snapshotId: bigint): Snapshot[] {
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  const chain: Snapshot[] = [];
  const seen = new Set<bigint>();
  let next: bigint | undefined = snapshotId;
  while (next !== undefined && !seen.has(next)) {
    const snapshot = byId.get(next);
    if (!snapshot) break;
    seen.add(next);
    chain.push(snapshot);
    next = snapshot.parentSnapshotId;
  }
  return chain;
}

export function sortOrderById(metadata: TableMetadata, orderId: number): SortOrder {
  const order = metadata.sortOrders.find((o) => o.orderId === orderId);
  if (!order) throw new ValidationError(`table ${metadata.location} has no sort order with id ${orderId}`);
  return order;
}
