// Which deletes are live on main for given data files of a v3 table, found
// through the delete manifests of main's current snapshot: each data file's
// deletion vector (at most one may be live, spec: "Deletion Vectors") and the
// position-delete files kept from before an upgrade to v3 that may apply to
// it. A row delta merges all of them with the new positions into the file's
// new vector (spec: such files "must be merged into the DV for a data file
// when one is created"), removes the vector and the file-scoped ones, keeps
// files that may hold other data files' deletes, and at every commit attempt
// checks that the vector and file-scoped files are still the ones it merged
// (staleVectors).
import { ValidationError } from '../errors.ts';
import { type DataFile, POSITION_DELETE_FILE_PATH_ID } from '../iceberg/data-file.ts';
import { decodeManifest } from '../iceberg/manifest.ts';
import { ENTRY_STATUS } from '../iceberg/manifest-entry.ts';
import { decodeManifestList } from '../iceberg/manifest-list.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { branchHead, specById } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { readParquetRows } from '../parquet/parquet-row-reader.ts';
import { isDeletionVector, readDeletionVector } from './deletion-vector-files.ts';
import { POSITION_DELETE_SCHEMA } from './position-delete-writer.ts';

/** The live deletes of one data file on main. */
export interface FileDeletes {
  /** Its deletion vector, if any. */
  vector?: DataFile;
  /** Position-delete files for it alone (referenced_data_file set): merged into the new vector, removed. */
  readonly fileScoped: DataFile[];
  /** Position-delete files whose path bounds may include it among others: merged, kept. */
  readonly shared: DataFile[];
}

/** A vector entry's identity: several vectors share a Puffin file, each at its own offset. */
export function vectorKey(vector: DataFile): string {
  return `${vector.filePath}@${vector.contentOffset ?? '-'}`;
}

/**
 * Calls `visit` with every live content file of main's current snapshot in
 * the manifests of `content` (0 data, 1 deletes), manifest by manifest, until
 * it returns true (done; any other result goes on). Nothing when the table has no snapshot.
 */
export async function visitLiveFiles(
  io: FileIO,
  metadata: TableMetadata,
  content: 0 | 1,
  visit: (file: DataFile) => unknown,
): Promise<void> {
  const head = branchHead(metadata, 'main');
  if (head === undefined) return;
  for (const manifest of decodeManifestList(await io.read(head.manifestList))) {
    if (manifest.content !== content) continue;
    const decoded = decodeManifest(
      await io.read(manifest.manifestPath),
      specById(metadata, manifest.partitionSpecId),
    );
    let done = false;
    for (const entry of decoded.entries) {
      if (entry.status !== ENTRY_STATUS.DELETED) done = visit(entry.dataFile) === true || done;
    }
    if (done) return;
  }
}

/**
 * The live deletes of each of `paths` that has any, on main of `metadata`.
 * Throws when a data file has two live vectors.
 */
export async function liveDeletes(
  io: FileIO,
  metadata: TableMetadata,
  paths: ReadonlySet<string>,
): Promise<Map<string, FileDeletes>> {
  const found = new Map<string, FileDeletes>();
  if (paths.size === 0) return found;
  const of = (path: string): FileDeletes => {
    let deletes = found.get(path);
    if (deletes === undefined) {
      deletes = { fileScoped: [], shared: [] };
      found.set(path, deletes);
    }
    return deletes;
  };
  await visitLiveFiles(io, metadata, 1, (file) => {
    const target = file.referencedDataFile;
    if (file.content !== 1) return;
    if (isDeletionVector(file)) {
      if (target === undefined || !paths.has(target)) return;
      const deletes = of(target);
      if (deletes.vector !== undefined && vectorKey(deletes.vector) !== vectorKey(file)) {
        throw new ValidationError(
          `${metadata.location}: data file ${target} has two live deletion vectors (${vectorKey(deletes.vector)}, ${vectorKey(file)})`,
        );
      }
      deletes.vector = file;
    } else if (target !== undefined) {
      if (paths.has(target)) of(target).fileScoped.push(file);
    } else {
      for (const path of paths) if (mayReference(file, path)) of(path).shared.push(file);
    }
  });
  return found;
}

/** The positions `deletes` remove from the data file `path`, ascending. */
export async function deletedPositions(io: FileIO, deletes: FileDeletes, path: string): Promise<number[]> {
  const positions = new Set<number>();
  if (deletes.vector !== undefined)
    for (const p of await readDeletionVector(io, deletes.vector)) positions.add(p);
  for (const file of [...deletes.fileScoped, ...deletes.shared]) {
    if (file.fileFormat !== 'PARQUET') {
      throw new ValidationError(
        `position-delete file ${file.filePath}: merging ${file.fileFormat} position deletes into a deletion vector is not supported (Parquet only)`,
      );
    }
    for (const row of readParquetRows(await io.read(file.filePath), POSITION_DELETE_SCHEMA, file.filePath)) {
      if (row.file_path === path) positions.add(Number(row.pos));
    }
  }
  return [...positions].sort((a, b) => a - b);
}

/** What a new vector for the file replaces: its vector and its file-scoped position-delete files. */
export function replacedBy(deletes: FileDeletes): DataFile[] {
  return [...(deletes.vector === undefined ? [] : [deletes.vector]), ...deletes.fileScoped];
}

/**
 * The data files, among those `vectors` reference, whose live vector or
 * file-scoped position-delete files on `metadata` are not the ones the new
 * vector replaces (`replaced`): another writer added, replaced or removed them since.
 */
export async function staleVectors(
  io: FileIO,
  metadata: TableMetadata,
  vectors: readonly DataFile[],
  replaced: readonly DataFile[],
): Promise<string[]> {
  const targets = new Set(vectors.map((v) => v.referencedDataFile ?? v.filePath));
  if (targets.size === 0) return [];
  const keys = (files: readonly DataFile[]) => files.map(vectorKey).sort().join('\n');
  const live = await liveDeletes(io, metadata, targets);
  return [...targets].filter((path) => {
    const now = live.get(path);
    const expected = replaced.filter((f) => f.referencedDataFile === path);
    return keys(now === undefined ? [] : replacedBy(now)) !== keys(expected);
  });
}

/** Whether a position-delete file's file_path bounds (when it has them) admit `path`. */
function mayReference(file: DataFile, path: string): boolean {
  const lower = file.lowerBounds?.get(POSITION_DELETE_FILE_PATH_ID);
  const upper = file.upperBounds?.get(POSITION_DELETE_FILE_PATH_ID);
  const bytes = Buffer.from(path, 'utf8');
  return (
    (lower === undefined || Buffer.compare(Buffer.from(lower), bytes) <= 0) &&
    (upper === undefined || Buffer.compare(bytes, Buffer.from(upper)) <= 0)
  );
}
