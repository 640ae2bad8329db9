// The table side of a row delta (REST/Java: RowDelta) on v2 tables: data files
// and position-delete files added in one snapshot. SnapshotProducer commits it
// like an append (same fence, same `decide`, same offsets in the summary); this
// module holds what differs: the validation run on the fresh table at every
// attempt (every data file a new delete file references must still be live on
// main: compaction or another engine may have rewritten it meanwhile, and a
// delete against a removed file would silently delete nothing, resurrecting the
// old row in the rewritten file), the snapshot's operation, and the
// delete-file counts of its summary as Java computes them.
import { ValidationError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { decodeManifest } from '../iceberg/manifest.ts';
import { ENTRY_STATUS } from '../iceberg/manifest-entry.ts';
import { decodeManifestList } from '../iceberg/manifest-list.ts';
import type { SnapshotOperation } from '../iceberg/snapshot.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { branchHead, specById } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';

/** Why a row delta was aborted: a data file its deletes reference is no longer live on main. */
export const DATA_FILES_GONE = 'data-files-gone';

/** The referenced data file of a position-delete file (its field 143, else equal path bounds). */
export function referencedDataFile(deleteFile: DataFile): string {
  if (deleteFile.content !== 1 || deleteFile.referencedDataFile === undefined) {
    throw new ValidationError(
      `${deleteFile.filePath}: floe commits file-scoped position deletes only (content 1 with referenced_data_file)`,
    );
  }
  return deleteFile.referencedDataFile;
}

/**
 * The data files referenced by `deleteFiles` that are not live on main of
 * `metadata` (absent, or removed by a later snapshot), in the order given.
 */
export async function missingReferencedFiles(
  io: FileIO,
  metadata: TableMetadata,
  deleteFiles: readonly DataFile[],
): Promise<string[]> {
  if (deleteFiles.length > 0 && metadata.formatVersion !== 2) {
    // v3 tables take deletion vectors only (spec: no new position-delete files); v1 has no deletes
    throw new ValidationError(
      `${metadata.location}: position-delete files are committed to v2 tables only (v${metadata.formatVersion})`,
    );
  }
  const wanted = new Set(deleteFiles.map(referencedDataFile));
  if (wanted.size === 0) return [];
  const live = await liveDataFiles(io, metadata, wanted);
  return [...wanted].filter((path) => !live.has(path));
}

/**
 * The live data files on main among `paths`, as their manifest entries record
 * them (what writePositionDeleteFile needs: spec, partition, record count).
 * Reads the current snapshot's data manifests, stopping once all are found.
 */
export async function liveDataFiles(
  io: FileIO,
  metadata: TableMetadata,
  paths: ReadonlySet<string>,
): Promise<Map<string, DataFile>> {
  const found = new Map<string, DataFile>();
  const head = branchHead(metadata, 'main');
  if (head === undefined || paths.size === 0) return found;
  for (const manifest of decodeManifestList(await io.read(head.manifestList))) {
    if (manifest.content !== 0) continue;
    const decoded = decodeManifest(
      await io.read(manifest.manifestPath),
      specById(metadata, manifest.partitionSpecId),
    );
    for (const entry of decoded.entries) {
      const file = entry.dataFile;
      if (entry.status !== ENTRY_STATUS.DELETED && paths.has(file.filePath)) found.set(file.filePath, file);
    }
    if (found.size === paths.size) break;
  }
  return found;
}

/** Java's operation of a row delta: `delete` when it adds delete files only, else `overwrite`; appends stay `append`. */
export function commitOperation(files: readonly DataFile[]): SnapshotOperation {
  const deletes = files.some((f) => f.content !== 0);
  if (!deletes) return 'append';
  return files.some((f) => f.content === 0) ? 'overwrite' : 'delete';
}

/** The position-delete part of the snapshot summary's counts (Java: SnapshotSummary). */
export interface AddedDeletes {
  readonly deleteFiles: number;
  readonly positionDeleteFiles: number;
  readonly positionDeletes: number;
  readonly bytes: number;
}

export function addedDeletes(files: readonly DataFile[]): AddedDeletes {
  const deletes = files.filter((f) => f.content !== 0);
  if (deletes.some((f) => f.content === 2)) {
    throw new ValidationError('floe never writes equality-delete files');
  }
  return {
    deleteFiles: deletes.length,
    positionDeleteFiles: deletes.length,
    positionDeletes: deletes.reduce((n, f) => n + f.recordCount, 0),
    bytes: deletes.reduce((n, f) => n + f.fileSizeInBytes, 0),
  };
}
