// Manifest merging on append, as the reference implementation's MergeAppend
// does (table properties commit.manifest-merge.enabled,
// commit.manifest.min-count-to-merge, commit.manifest.target-size-bytes): the
// data manifests of the new snapshot (its own first, then the parent's) are
// grouped by partition spec, and each group is
// bin-packed by manifest length, packing from the end so that the bin left
// under-filled is the newest one, merged again by a later commit. A bin of one
// manifest is kept as it is; the bin holding the group's first manifest is
// merged only when it has at least min-count manifests, so a table merges every
// min-count commits, not on every one. Delete manifests (floe's row deltas and
// other engines') are kept as they are, after the data manifests: they are
// rewritten by delete-file maintenance, not on append (v3 deletion-vector fields
// are not modelled for writing yet, and a rewrite must not drop one). This module plans
// the bins and the merged entries; writing them is sink/manifest-merger.ts's.
import { ValidationError } from '../errors.ts';
import { ENTRY_STATUS, type ManifestEntry } from './manifest-entry.ts';
import type { ManifestFile } from './manifest-list.ts';

export const MANIFEST_MERGE_ENABLED_PROPERTY = 'commit.manifest-merge.enabled';
export const MANIFEST_MIN_COUNT_TO_MERGE_PROPERTY = 'commit.manifest.min-count-to-merge';
export const MANIFEST_TARGET_SIZE_BYTES_PROPERTY = 'commit.manifest.target-size-bytes';

export interface ManifestMergeSettings {
  readonly enabled: boolean;
  readonly minCountToMerge: number;
  readonly targetSizeBytes: number;
}

export const DEFAULT_MANIFEST_MERGE: ManifestMergeSettings = {
  enabled: true,
  minCountToMerge: 100,
  targetSizeBytes: 8 * 1024 * 1024,
};

/** The merge settings a table's properties ask for; a malformed value names its key. */
export function manifestMergeSettings(properties: Readonly<Record<string, string>>): ManifestMergeSettings {
  const enabled = properties[MANIFEST_MERGE_ENABLED_PROPERTY];
  if (enabled !== undefined && !/^(true|false)$/i.test(enabled)) {
    throw new ValidationError(
      `table property ${MANIFEST_MERGE_ENABLED_PROPERTY} must be true or false, got '${enabled}'`,
    );
  }
  return {
    enabled: enabled === undefined ? DEFAULT_MANIFEST_MERGE.enabled : enabled.toLowerCase() === 'true',
    minCountToMerge: integerProperty(
      properties,
      MANIFEST_MIN_COUNT_TO_MERGE_PROPERTY,
      DEFAULT_MANIFEST_MERGE.minCountToMerge,
    ),
    targetSizeBytes: integerProperty(
      properties,
      MANIFEST_TARGET_SIZE_BYTES_PROPERTY,
      DEFAULT_MANIFEST_MERGE.targetSizeBytes,
    ),
  };
}

function integerProperty(
  properties: Readonly<Record<string, string>>,
  key: string,
  fallback: number,
): number {
  const text = properties[key];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(value)) {
    throw new ValidationError(`table property ${key} must be an integer, got '${text}'`);
  }
  return value;
}

/** One output manifest of the new snapshot: an existing manifest kept, or a bin to merge into a new one. */
export type ManifestBin =
  | { readonly kind: 'keep'; readonly manifest: ManifestFile }
  | {
      readonly kind: 'merge';
      readonly specId: number;
      /** In list order; their entries are written in this order. */
      readonly manifests: readonly ManifestFile[];
    };

/**
 * The manifests of the new snapshot, as bins: data manifests first, in groups
 * by partition spec, highest spec id first (as the reference implementation
 * orders them), each in list order; then the delete manifests, kept. `manifests`
 * is the new snapshot's own manifests followed by its parent's.
 */
export function planManifestMerge(
  manifests: readonly ManifestFile[],
  settings: ManifestMergeSettings,
): ManifestBin[] {
  if (!settings.enabled) return manifests.map((manifest) => ({ kind: 'keep', manifest }));
  const deletes = manifests.filter((m) => m.content !== 0);
  return [
    ...planData(
      manifests.filter((m) => m.content === 0),
      settings,
    ),
    ...deletes.map((manifest): ManifestBin => ({ kind: 'keep', manifest })),
  ];
}

function planData(manifests: readonly ManifestFile[], settings: ManifestMergeSettings): ManifestBin[] {
  const first = manifests[0];
  if (first === undefined) return [];
  const groups = new Map<number, ManifestFile[]>();
  for (const manifest of manifests) {
    const group = groups.get(manifest.partitionSpecId);
    if (group) group.push(manifest);
    else groups.set(manifest.partitionSpecId, [manifest]);
  }
  const bins: ManifestBin[] = [];
  for (const specId of [...groups.keys()].sort((a, b) => b - a)) {
    for (const bin of packEnd(groups.get(specId)!, settings.targetSizeBytes)) {
      const only = bin[0]!;
      if (bin.length === 1) bins.push({ kind: 'keep', manifest: only });
      else if (bin.includes(first) && bin.length < settings.minCountToMerge)
        for (const manifest of bin) bins.push({ kind: 'keep', manifest });
      else bins.push({ kind: 'merge', specId, manifests: bin });
    }
  }
  return bins;
}

/**
 * Bins of consecutive manifests whose lengths add up to at most `target` (a
 * longer manifest is a bin of its own), filled from the end of the list with
 * one bin open at a time, so order is kept and only the first bin may be light.
 */
export function packEnd(manifests: readonly ManifestFile[], target: number): ManifestFile[][] {
  const bins: ManifestFile[][] = [];
  let open: ManifestFile[] = [];
  let weight = 0;
  for (let i = manifests.length - 1; i >= 0; i--) {
    const manifest = manifests[i]!;
    if (open.length > 0 && weight + manifest.manifestLength > target) {
      bins.push(open.reverse());
      open = [];
      weight = 0;
    }
    open.push(manifest);
    weight += manifest.manifestLength;
  }
  if (open.length > 0) bins.push(open.reverse());
  return bins.reverse();
}

/**
 * The entries of a merged manifest written by snapshot `snapshotId`, from the
 * bin's manifests' entries with inherited fields filled in (see
 * inheritManifestMetadata): entries the new snapshot added stay ADDED (their
 * sequence number still inherited from the merged manifest), every other live
 * entry becomes EXISTING with its snapshot id and sequence numbers kept, and
 * DELETED entries of earlier snapshots are dropped (spec: "Manifests": a
 * deleted entry is only needed in the snapshot that deleted the file).
 */
export function mergedEntries(entries: readonly ManifestEntry[], snapshotId: bigint): ManifestEntry[] {
  const merged: ManifestEntry[] = [];
  for (const entry of entries) {
    const path = entry.dataFile.filePath;
    if (entry.snapshotId === null) {
      throw new ValidationError(`manifest entry for ${path}: snapshot id not inherited before merging`);
    }
    const ownSnapshot = entry.snapshotId === snapshotId;
    if (entry.status === ENTRY_STATUS.DELETED) {
      if (ownSnapshot) merged.push(entry);
    } else if (entry.status === ENTRY_STATUS.ADDED && ownSnapshot) {
      merged.push(entry);
    } else {
      if (entry.sequenceNumber === null) {
        throw new ValidationError(`manifest entry for ${path}: sequence number not inherited before merging`);
      }
      merged.push({ ...entry, status: ENTRY_STATUS.EXISTING });
    }
  }
  return merged;
}
