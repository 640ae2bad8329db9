// The table side of a row delta (REST/Java: RowDelta): data files and deletes
// added in one snapshot. On v2 tables the deletes are file-scoped
// position-delete files (position-delete-writer.ts); on v3 tables deletion
// vectors (deletion-vector-files.ts), one per data file touched, each merged
// with the file's live vector, which the same snapshot removes
// (deletion-vector-manifests.ts). writeRowDeltaDeletes writes either kind.
// SnapshotProducer commits the delta like an append (same fence, same
// `decide`, same offsets in the summary); this module holds what differs: the
// validation run on the fresh table at every attempt (every data file a new
// delete references must still be live on main: compaction or another engine
// may have rewritten it meanwhile, and a delete against a removed file would
// silently delete nothing, resurrecting the old row in the rewritten file; on
// v3 each file's live vector must still be the one merged with), the
// snapshot's operation, and the delete counts of its summary as Java computes them.
import { ValidationError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { mergePositions, sortedPositions } from '../iceberg/deletion-vector.ts';
import type { SnapshotOperation } from '../iceberg/snapshot.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { isDeletionVector, writeDeletionVectors } from './deletion-vector-files.ts';
import {
  deletedPositions,
  liveDeletes,
  replacedBy,
  staleVectors,
  visitLiveFiles,
} from './deletion-vector-lookup.ts';
import { writePositionDeleteFile } from './position-delete-writer.ts';

/**
 * Why a row delta was aborted: its deletes no longer fit the table. A data file
 * they reference is no longer live on main, or (v3) a data file's deletion
 * vector is no longer the one the new vector was merged with (another writer
 * deleted rows of it meanwhile). Either way: rebuild the key index, re-read the batch.
 */
export const DATA_FILES_GONE = 'data-files-gone';

/** The referenced data file of a position-delete file or deletion vector (its field 143). */
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
  const vectors = deleteFiles.filter(isDeletionVector).length;
  if (vectors < deleteFiles.length && metadata.formatVersion !== 2) {
    // v3 tables take deletion vectors only (spec: no new position-delete files); v1 has no deletes
    throw new ValidationError(
      `${metadata.location}: position-delete files are committed to v2 tables only (v${metadata.formatVersion})`,
    );
  }
  if (vectors > 0 && metadata.formatVersion < 3) {
    throw new ValidationError(
      `${metadata.location}: deletion vectors are committed to v3 tables only (v${metadata.formatVersion})`,
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
  if (paths.size === 0) return found;
  await visitLiveFiles(io, metadata, 0, (file) => {
    if (paths.has(file.filePath)) found.set(file.filePath, file);
    return found.size === paths.size;
  });
  return found;
}

/**
 * Why the row delta cannot commit on `metadata` (the freshly loaded table), or
 * undefined: a referenced data file is gone, or (v3) a vector to replace is not
 * the live one any more. The producer aborts with DATA_FILES_GONE then.
 */
export async function rowDeltaConflict(
  io: FileIO,
  metadata: TableMetadata,
  deleteFiles: readonly DataFile[],
  replaced: readonly DataFile[],
): Promise<string | undefined> {
  const gone = await missingReferencedFiles(io, metadata, deleteFiles);
  if (gone.length > 0) {
    return `${gone.length} data file(s) the row delta deletes from are no longer live: ${gone.slice(0, 3).join(', ')}`;
  }
  const stale = await staleVectors(io, metadata, deleteFiles.filter(isDeletionVector), replaced);
  if (stale.length > 0) {
    return `the deletion vector of ${stale.length} data file(s) changed since it was merged: ${stale.slice(0, 3).join(', ')}`;
  }
  return undefined;
}

/** The deletes of a row delta, written for the table's format version. */
export interface RowDeltaDeletes {
  /** v2: one position-delete file per data file; v3: one deletion vector per data file (all in one Puffin file). */
  readonly deleteFiles: readonly DataFile[];
  /**
   * v3: what the new vectors were merged with and replace, removed by the same snapshot
   * (TableAppend.replacedDeleteFiles): each file's live vector and file-scoped
   * position-delete files kept from before an upgrade to v3.
   */
  readonly replacedDeleteFiles: readonly DataFile[];
  /** Data files not live on main of `metadata`: then nothing is written; abort as DATA_FILES_GONE. */
  readonly gone: readonly string[];
}

/**
 * Writes the deletes of `positionDeletes` (data file path -> row positions)
 * against `metadata`, the table the positions were planned on. v3: each data
 * file's vector is the union of the new positions and its live deletes: its
 * vector (read back from its blob) and any position-delete files from before
 * an upgrade to v3 that name it (deletion-vector-lookup.ts); the commit checks
 * that the vector and the file-scoped ones did not change.
 */
export async function writeRowDeltaDeletes(
  io: FileIO,
  metadata: TableMetadata,
  positionDeletes: ReadonlyMap<string, Iterable<number>>,
): Promise<RowDeltaDeletes> {
  const paths = new Set(positionDeletes.keys());
  const live = await liveDataFiles(io, metadata, paths);
  const gone = [...paths].filter((path) => !live.has(path));
  if (gone.length > 0) return { deleteFiles: [], replacedDeleteFiles: [], gone };
  // in the order given
  const targets = [...paths].flatMap((path) => live.get(path) ?? []);
  if (metadata.formatVersion < 3) {
    const deleteFiles: DataFile[] = [];
    for (const dataFile of targets) {
      deleteFiles.push(
        await writePositionDeleteFile(io, metadata, {
          dataFile,
          positions: positionDeletes.get(dataFile.filePath)!,
        }),
      );
    }
    return { deleteFiles, replacedDeleteFiles: [], gone: [] };
  }
  const existing = await liveDeletes(io, metadata, new Set(live.keys()));
  const vectors = [];
  for (const dataFile of targets) {
    const fresh = sortedPositions(
      positionDeletes.get(dataFile.filePath)!,
      `deletes for ${dataFile.filePath}`,
    );
    const old = existing.get(dataFile.filePath);
    const positions =
      old === undefined ? fresh : mergePositions(await deletedPositions(io, old, dataFile.filePath), fresh);
    vectors.push({ dataFile, positions });
  }
  const deleteFiles = await writeDeletionVectors(io, metadata, vectors);
  return { deleteFiles, replacedDeleteFiles: [...existing.values()].flatMap(replacedBy), gone: [] };
}

/** Java's operation of a row delta: `delete` when it adds delete files only, else `overwrite`; appends stay `append`. */
export function commitOperation(files: readonly DataFile[]): SnapshotOperation {
  const deletes = files.some((f) => f.content !== 0);
  if (!deletes) return 'append';
  return files.some((f) => f.content === 0) ? 'overwrite' : 'delete';
}

/** The delete part of the snapshot summary's counts (Java: SnapshotSummary). */
export interface AddedDeletes {
  readonly deleteFiles: number;
  /** Position-delete files (v2). */
  readonly positionDeleteFiles: number;
  /** Deletion vectors (v3). */
  readonly deletionVectors: number;
  readonly positionDeletes: number;
  /** File sizes; a deletion vector counts its blob (content size), as Java does. */
  readonly bytes: number;
}

export function addedDeletes(files: readonly DataFile[]): AddedDeletes {
  const deletes = files.filter((f) => f.content !== 0);
  if (deletes.some((f) => f.content === 2)) {
    throw new ValidationError('floe never writes equality-delete files');
  }
  const vectors = deletes.filter(isDeletionVector).length;
  return {
    deleteFiles: deletes.length,
    positionDeleteFiles: deletes.length - vectors,
    deletionVectors: vectors,
    positionDeletes: deletes.reduce((n, f) => n + f.recordCount, 0),
    bytes: deletes.reduce((n, f) => n + deleteFileBytes(f), 0),
  };
}

/** A delete file's size as the summary counts it: a vector's blob, else the file. */
export function deleteFileBytes(file: DataFile): number {
  return isDeletionVector(file) ? (file.contentSizeInBytes ?? file.fileSizeInBytes) : file.fileSizeInBytes;
}
