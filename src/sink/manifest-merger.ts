// Writes the merged manifests an append's manifest list needs (the bins of
// iceberg/manifest-merge.ts), so the list stays bounded however many commits a
// table has. A merged manifest depends only on the manifests of its bin, never
// on the attempt's sequence number (the new snapshot's own entries keep
// inheriting theirs), so a retry on a new base reuses the ones it can.
import { decodeManifest, encodeManifest } from '../iceberg/manifest.ts';
import { inheritManifestMetadata, type ManifestEntry } from '../iceberg/manifest-entry.ts';
import { describeManifest, type ManifestFile } from '../iceberg/manifest-list.ts';
import { manifestMergeSettings, mergedEntries, planManifestMerge } from '../iceberg/manifest-merge.ts';
import { inheritFirstRowIds } from '../iceberg/row-lineage.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { currentSchema, specById } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { newSyncMarker } from './snapshot-ids.ts';
import { metadataDirectory } from './table-paths.ts';

/** Merged manifests written for one append, by the paths of their bin (kept across attempts). */
export type MergedManifests = Map<string, ManifestFile>;

/**
 * The manifest list of the new snapshot `snapshotId`: `manifests` (its own, then
 * the parent's) with the bins the table's merge settings ask for merged.
 * On v3 tables the entries a merge copies keep their row ids (written out
 * explicitly, row-lineage.ts); the merged manifest gets a new range when listed.
 */
export async function mergeManifestList(
  io: FileIO,
  metadata: TableMetadata,
  manifests: readonly ManifestFile[],
  args: { snapshotId: bigint; commitId: string; merged: MergedManifests },
): Promise<ManifestFile[]> {
  const bins = planManifestMerge(manifests, manifestMergeSettings(metadata.properties));
  const list: ManifestFile[] = [];
  for (const bin of bins) {
    if (bin.kind === 'keep') {
      list.push(bin.manifest);
      continue;
    }
    const key = bin.manifests.map((m) => m.manifestPath).join('\n');
    let merged = args.merged.get(key);
    if (merged === undefined) {
      merged = await writeMerged(io, metadata, bin.specId, bin.manifests, args, args.merged.size);
      args.merged.set(key, merged);
    }
    list.push(merged);
  }
  return list;
}

/** Merged manifests of `merged` that `committed` does not list: never referenced, safe to delete. */
export function unusedMerged(merged: MergedManifests, committed: readonly ManifestFile[]): string[] {
  const listed = new Set(committed.map((m) => m.manifestPath));
  return [...merged.values()].map((m) => m.manifestPath).filter((path) => !listed.has(path));
}

async function writeMerged(
  io: FileIO,
  metadata: TableMetadata,
  specId: number,
  bin: readonly ManifestFile[],
  args: { snapshotId: bigint; commitId: string },
  index: number,
): Promise<ManifestFile> {
  const spec = specById(metadata, specId);
  const schema = currentSchema(metadata);
  const entries: ManifestEntry[] = [];
  for (const manifest of bin) {
    const decoded = decodeManifest(await io.read(manifest.manifestPath), spec);
    const own = manifest.addedSnapshotId === args.snapshotId;
    // The new snapshot's own manifests have no first_row_id yet: their files keep inheriting.
    for (const entry of inheritFirstRowIds(decoded.entries, manifest)) {
      // The new snapshot's entries keep inheriting (their sequence number is the attempt's).
      entries.push(
        own
          ? { ...entry, snapshotId: entry.snapshotId ?? args.snapshotId }
          : inheritManifestMetadata(entry, manifest),
      );
    }
  }
  const kept = mergedEntries(entries, args.snapshotId);
  const bytes = encodeManifest(kept, {
    schema,
    spec,
    formatVersion: metadata.formatVersion,
    content: 'data',
    syncMarker: newSyncMarker(),
  });
  const manifestPath = `${metadataDirectory(metadata)}/${args.commitId}-merged-m${index}.avro`;
  await io.write(manifestPath, bytes);
  return describeManifest(kept, {
    manifestPath,
    manifestLength: bytes.length,
    spec,
    schema,
    content: 0,
    snapshotId: args.snapshotId,
  });
}
