// Removing the deletion vectors a row delta replaces (and the file-scoped
// position-delete files from before an upgrade to v3 merged into them), in
// the same snapshot (spec: at most one live vector per data file): every delete manifest of the
// base that lists one is rewritten, its other live entries EXISTING with their
// snapshot id and sequence numbers kept, the replaced ones DELETED by the new
// snapshot, and DELETED entries of earlier snapshots dropped (as Java's
// manifest filter does). Delete manifests left without a live entry by an
// earlier snapshot are dropped from the list. Written per attempt: the base
// may change between attempts.
import { ValidationError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { decodeManifest, encodeManifest } from '../iceberg/manifest.ts';
import { ENTRY_STATUS, inheritManifestMetadata, type ManifestEntry } from '../iceberg/manifest-entry.ts';
import { describeManifest, type ManifestFile } from '../iceberg/manifest-list.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { currentSchema, specById } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { vectorKey } from './deletion-vector-lookup.ts';
import { newSyncMarker } from './snapshot-ids.ts';
import { metadataDirectory } from './table-paths.ts';

export interface ReplacedVectors {
  /** The base's manifests with the rewritten delete manifests in place of the originals. */
  readonly manifests: ManifestFile[];
  /** The removed vectors' entries as the base recorded them (for the summary's removed-* counts). */
  readonly removed: DataFile[];
}

export async function removeReplacedVectors(
  io: FileIO,
  metadata: TableMetadata,
  carried: readonly ManifestFile[],
  replaced: readonly DataFile[],
  ids: { snapshotId: bigint; commitId: string; attempt: number },
): Promise<ReplacedVectors> {
  if (replaced.length === 0) return { manifests: [...carried], removed: [] };
  const wanted = new Set(replaced.map(vectorKey));
  const removed: DataFile[] = [];
  const manifests: ManifestFile[] = [];
  for (const manifest of carried) {
    if (manifest.content !== 1) {
      manifests.push(manifest);
      continue;
    }
    if (
      manifest.addedFilesCount + manifest.existingFilesCount === 0 &&
      manifest.addedSnapshotId !== ids.snapshotId
    )
      continue;
    const spec = specById(metadata, manifest.partitionSpecId);
    const entries = decodeManifest(await io.read(manifest.manifestPath), spec).entries.map((e) =>
      inheritManifestMetadata(e, manifest),
    );
    const hit = entries.filter((e) => e.status !== ENTRY_STATUS.DELETED && wanted.has(vectorKey(e.dataFile)));
    if (hit.length === 0) {
      manifests.push(manifest);
      continue;
    }
    const kept: ManifestEntry[] = [];
    for (const entry of entries) {
      if (entry.status === ENTRY_STATUS.DELETED) continue;
      if (wanted.has(vectorKey(entry.dataFile))) {
        wanted.delete(vectorKey(entry.dataFile));
        removed.push(entry.dataFile);
        kept.push({ ...entry, status: ENTRY_STATUS.DELETED, snapshotId: ids.snapshotId });
      } else {
        kept.push({ ...entry, status: ENTRY_STATUS.EXISTING });
      }
    }
    const schema = currentSchema(metadata);
    const bytes = encodeManifest(kept, {
      schema,
      spec,
      formatVersion: metadata.formatVersion,
      content: 'deletes',
      syncMarker: newSyncMarker(),
    });
    const manifestPath = `${metadataDirectory(metadata)}/${ids.commitId}-dv${ids.attempt}-m${manifests.length}.avro`;
    await io.write(manifestPath, bytes);
    manifests.push(
      describeManifest(kept, {
        manifestPath,
        manifestLength: bytes.length,
        spec,
        schema,
        content: 1,
        snapshotId: ids.snapshotId,
      }),
    );
  }
  if (wanted.size > 0) {
    throw new ValidationError(
      `${metadata.location}: deletion vectors to replace are not live on main: ${[...wanted].slice(0, 3).join(', ')}`,
    );
  }
  return { manifests, removed };
}
