// Snapshot expiry (spec: "Snapshot Retention Policy"; the reference
// implementation's RemoveSnapshots): which refs and snapshots go, and then which
// files only the removed snapshots reached. Pure: the caller passes the clock
// and the manifests' contents.
//
// A ref other than main expires when its snapshot is older than its
// max-ref-age-ms (the table's history.expire.max-ref-age-ms by default,
// forever without one). Every remaining branch keeps its head and ancestors
// while fewer than min-snapshots-to-keep are kept or while they are younger
// than max-snapshot-age-ms (the ref's own settings, else the table's
// history.expire.* properties: 1 snapshot, 5 days); a tag keeps its snapshot.
// A snapshot no remaining ref reaches is kept while younger than the table's
// max snapshot age. Everything else is removed; main's current snapshot never is.
import { ValidationError } from '../errors.ts';
import { MAIN_BRANCH, type Snapshot } from './snapshot.ts';
import type { TableMetadata } from './table-metadata.ts';
import { ancestors } from './table-metadata.ts';
import type { TableUpdate } from './table-update.ts';

export const MAX_SNAPSHOT_AGE_MS_PROPERTY = 'history.expire.max-snapshot-age-ms';
export const MIN_SNAPSHOTS_TO_KEEP_PROPERTY = 'history.expire.min-snapshots-to-keep';
export const MAX_REF_AGE_MS_PROPERTY = 'history.expire.max-ref-age-ms';
/** false: the table shares its files with another table; nothing may delete them (expiry, orphans). */
export const GC_ENABLED_PROPERTY = 'gc.enabled';

/** Whether files of the table may be garbage-collected: gc.enabled, read as Java's Boolean.parseBoolean (default true). */
export function gcEnabled(properties: Readonly<Record<string, string>>): boolean {
  const value = properties[GC_ENABLED_PROPERTY];
  return value === undefined || value.trim().toLowerCase() === 'true';
}

export interface ExpiryPolicy {
  readonly maxSnapshotAgeMs: number;
  readonly minSnapshotsToKeep: number;
  /** Infinity: refs never expire by age. */
  readonly maxRefAgeMs: number;
}

export const DEFAULT_EXPIRY_POLICY: ExpiryPolicy = {
  maxSnapshotAgeMs: 5 * 24 * 3_600_000,
  minSnapshotsToKeep: 1,
  maxRefAgeMs: Number.POSITIVE_INFINITY,
};

/** The table's history.expire.* properties over the defaults; a malformed value names its key. */
export function expiryPolicy(properties: Readonly<Record<string, string>>): ExpiryPolicy {
  const read = (key: string, fallback: number, least: number): number => {
    const text = properties[key];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < least) {
      throw new ValidationError(`table property ${key} must be an integer >= ${least}, got '${text}'`);
    }
    return value;
  };
  return {
    maxSnapshotAgeMs: read(MAX_SNAPSHOT_AGE_MS_PROPERTY, DEFAULT_EXPIRY_POLICY.maxSnapshotAgeMs, 0),
    minSnapshotsToKeep: read(MIN_SNAPSHOTS_TO_KEEP_PROPERTY, DEFAULT_EXPIRY_POLICY.minSnapshotsToKeep, 1),
    maxRefAgeMs: read(MAX_REF_AGE_MS_PROPERTY, DEFAULT_EXPIRY_POLICY.maxRefAgeMs, 0),
  };
}

export interface ExpiryPlan {
  /** Refs whose age passed their max-ref-age-ms (or whose snapshot is gone). */
  readonly removedRefs: readonly string[];
  readonly removed: readonly Snapshot[];
  readonly retained: readonly Snapshot[];
}

export function planSnapshotExpiry(metadata: TableMetadata, nowMs: number, policy: ExpiryPolicy): ExpiryPlan {
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  const removedRefs: string[] = [];
  const keep = new Set<bigint>();
  const reached = new Set<bigint>();
  for (const [name, ref] of Object.entries(metadata.refs)) {
    const snapshot = byId.get(ref.snapshotId);
    const maxRefAgeMs = ref.maxRefAgeMs ?? policy.maxRefAgeMs;
    if (name !== MAIN_BRANCH && (snapshot === undefined || nowMs - snapshot.timestampMs > maxRefAgeMs)) {
      removedRefs.push(name);
      continue;
    }
    if (snapshot === undefined) continue;
    if (ref.type === 'tag') {
      keep.add(snapshot.snapshotId);
      reached.add(snapshot.snapshotId);
      continue;
    }
    const olderThan = nowMs - (ref.maxSnapshotAgeMs ?? policy.maxSnapshotAgeMs);
    const minimum = Math.max(1, ref.minSnapshotsToKeep ?? policy.minSnapshotsToKeep);
    const chain = ancestors(metadata, snapshot.snapshotId);
    for (const ancestor of chain) reached.add(ancestor.snapshotId);
    // newest first, up to the first ancestor that is both old enough and beyond the minimum
    const cut = chain.findIndex((a, i) => i >= minimum && a.timestampMs < olderThan);
    for (const ancestor of cut === -1 ? chain : chain.slice(0, cut)) keep.add(ancestor.snapshotId);
  }
  const unreferencedOlderThan = nowMs - policy.maxSnapshotAgeMs;
  for (const snapshot of metadata.snapshots) {
    if (!reached.has(snapshot.snapshotId) && snapshot.timestampMs >= unreferencedOlderThan)
      keep.add(snapshot.snapshotId);
  }
  if (metadata.currentSnapshotId !== null) keep.add(metadata.currentSnapshotId);
  return {
    removedRefs: removedRefs.sort(),
    removed: metadata.snapshots.filter((s) => !keep.has(s.snapshotId)),
    retained: metadata.snapshots.filter((s) => keep.has(s.snapshotId)),
  };
}

/** The catalog changes of a plan: expired refs first, then the snapshots (nothing when nothing expires). */
export function expiryUpdates(plan: ExpiryPlan): TableUpdate[] {
  const updates: TableUpdate[] = plan.removedRefs.map((refName) => ({
    action: 'remove-snapshot-ref',
    refName,
  }));
  if (plan.removed.length > 0)
    updates.push({ action: 'remove-snapshots', snapshotIds: plan.removed.map((s) => s.snapshotId) });
  return updates;
}

/** The manifests of one snapshot's manifest list. */
export interface SnapshotManifests {
  readonly manifestList: string;
  readonly manifests: readonly string[];
}

/**
 * Manifest lists and manifests only removed snapshots reached: never one that a
 * retained snapshot's list names.
 */
export function expiredManifests(
  removed: readonly SnapshotManifests[],
  retained: readonly SnapshotManifests[],
): { manifestLists: string[]; manifests: string[] } {
  const keptLists = new Set(retained.map((s) => s.manifestList));
  const keptManifests = new Set(retained.flatMap((s) => s.manifests));
  const manifestLists = new Set(removed.map((s) => s.manifestList).filter((p) => !keptLists.has(p)));
  const manifests = new Set(removed.flatMap((s) => s.manifests).filter((p) => !keptManifests.has(p)));
  return { manifestLists: [...manifestLists], manifests: [...manifests] };
}

/**
 * Data and delete files named by the expired manifests (entries of any status)
 * that no live entry of a retained manifest names: what no retained snapshot
 * can read any more.
 */
export function expiredContentFiles(
  namedByExpired: Iterable<string>,
  liveInRetained: ReadonlySet<string>,
): string[] {
  return [...new Set(namedByExpired)].filter((path) => !liveInRetained.has(path));
}

/** Statistics files of removed snapshots that no statistics entry of `after` names. */
export function expiredStatistics(base: TableMetadata, after: TableMetadata): string[] {
  const path = (json: Readonly<Record<string, unknown>>) => json['statistics-path'];
  const keptPaths = new Set(
    [...after.statistics, ...after.partitionStatistics]
      .map((s) => path(s.json))
      .filter((p) => typeof p === 'string'),
  );
  const gone = [...base.statistics, ...base.partitionStatistics]
    .map((s) => path(s.json))
    .filter((p): p is string => typeof p === 'string' && !keptPaths.has(p));
  return [...new Set(gone)];
}
