// The live files of a snapshot, read from its manifest list and manifests, with
// what their entries inherit filled in (spec: "Sequence Number Inheritance"):
// what compaction plans on, and what its replace commit rewrites.
import { ValidationError } from '../errors.ts';
import { decodeManifest } from '../iceberg/manifest.ts';
import { ENTRY_STATUS, inheritManifestMetadata, type ManifestEntry } from '../iceberg/manifest-entry.ts';
import { decodeManifestList, type ManifestFile } from '../iceberg/manifest-list.ts';
import { inheritFirstRowIds } from '../iceberg/row-lineage.ts';
import type { Snapshot } from '../iceberg/snapshot.ts';
import { specById, type TableMetadata } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { partitionKey } from '../sink/partitioner.ts';
import { attributionSuffix } from './compaction-attribution.ts';
import { type DeleteScope, mayApply, scopeDeletes } from './compaction-deletes.ts';
import type { PlanFile } from './compaction-plan.ts';

export interface LiveManifest {
  readonly manifest: ManifestFile;
  /** ADDED and EXISTING entries, inherited values filled in. */
  readonly live: ManifestEntry[];
}

export interface SnapshotFiles {
  readonly snapshot: Snapshot;
  readonly manifests: LiveManifest[];
}

/** Every manifest of the snapshot with its live entries. */
export async function readSnapshotFiles(
  io: FileIO,
  metadata: TableMetadata,
  snapshot: Snapshot,
): Promise<SnapshotFiles> {
  const list = decodeManifestList(await io.read(snapshot.manifestList));
  const manifests: LiveManifest[] = [];
  for (const manifest of list) {
    const decoded = decodeManifest(
      await io.read(manifest.manifestPath),
      specById(metadata, manifest.partitionSpecId),
    );
    // v3: each data file's first_row_id as a reader inherits it (row-lineage.ts), so a rewrite keeps the ids.
    const live = inheritFirstRowIds(decoded.entries, manifest)
      .filter((e) => e.status !== ENTRY_STATUS.DELETED)
      .map((e) => inheritManifestMetadata(e, manifest));
    manifests.push({ manifest, live });
  }
  return { snapshot, manifests };
}

/** The live delete entries of the snapshot (inherited values filled in). */
export function liveDeletes(files: SnapshotFiles): ManifestEntry[] {
  return files.manifests.filter((m) => m.manifest.content === 1).flatMap((m) => m.live);
}

/** The live data entries of the snapshot. */
export function liveData(files: SnapshotFiles): ManifestEntry[] {
  return files.manifests.filter((m) => m.manifest.content === 0).flatMap((m) => m.live);
}

export interface PlannedFiles {
  readonly files: PlanFile[];
  readonly deletes: DeleteScope;
}

/**
 * The data files of the snapshot as compaction plans them, with the deletes
 * that may apply to each (compaction-deletes.ts): blocked by a delete floe does
 * not apply, or the file-scoped position deletes a rewrite applies, counted.
 */
export function planFiles(metadata: TableMetadata, files: SnapshotFiles): PlannedFiles {
  const addedAt = new Map(metadata.snapshots.map((s) => [s.snapshotId, s.timestampMs]));
  const data = liveData(files);
  const deletes = scopeDeletes(liveDeletes(files), data);
  const result: PlanFile[] = [];
  for (const entry of data) {
    const file = entry.dataFile;
    const sequenceNumber = entry.sequenceNumber;
    if (sequenceNumber === null)
      throw new ValidationError(`manifest entry for ${file.filePath} has no data sequence number`);
    const applying = (deletes.fileScoped.get(file.filePath) ?? []).filter((d) => mayApply(d, entry));
    const attribution = attributionSuffix(file.filePath);
    result.push({
      path: file.filePath,
      specId: file.specId,
      partitionKey: partitionKey(file.partition),
      sizeBytes: file.fileSizeInBytes,
      recordCount: file.recordCount,
      dataSequenceNumber: sequenceNumber,
      // A snapshot expired since: the file is old enough to count as quiet.
      addedAtMs: addedAt.get(entry.snapshotId ?? -1n) ?? 0,
      blocked: deletes.blocked.has(file.filePath),
      deleteFiles: applying.length,
      deletedRecords: Math.min(
        file.recordCount,
        applying.reduce((n, d) => n + d.dataFile.recordCount, 0),
      ),
      ...(attribution === undefined ? {} : { attribution }),
    });
  }
  return { files: result, deletes };
}
