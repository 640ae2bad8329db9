// Which deletes are live on main for given data files of a v3 table: each
// data file's deletion vector (at most one may be live, spec: "Deletion
// Vectors"), found through the delete manifests of main's current snapshot.
// A row delta merges the new positions into that vector and, at every commit
// attempt, checks that the vector is still the one it merged with
// (staleVectors). Position-delete files that may apply to a data file (kept
// from before an upgrade to v3) would have to be merged into its vector too,
// which floe does not do yet: such a file is refused, naming it.
import { ValidationError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { decodeManifest } from '../iceberg/manifest.ts';
import { ENTRY_STATUS } from '../iceberg/manifest-entry.ts';
import { decodeManifestList } from '../iceberg/manifest-list.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { branchHead, specById } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { isDeletionVector } from './deletion-vector-files.ts';

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
 * The live deletion vector of each of `paths` that has one, on main of
 * `metadata`. Throws when a data file has two, or when a live
 * position-delete file may apply to one of them (not merged by floe yet).
 */
export async function liveDeletionVectors(
  io: FileIO,
  metadata: TableMetadata,
  paths: ReadonlySet<string>,
): Promise<Map<string, DataFile>> {
  const found = new Map<string, DataFile>();
  if (paths.size === 0) return found;
  await visitLiveFiles(io, metadata, 1, (file) => {
    const target = file.referencedDataFile;
    if (file.content !== 1) return;
    if (!isDeletionVector(file)) {
      if (target === undefined || paths.has(target)) {
        throw new ValidationError(
          `${metadata.location}: position-delete file ${file.filePath} (from before the upgrade to v3) ` +
            `${target === undefined ? 'may apply to' : 'applies to'} data files floe is writing deletion vectors for; ` +
            'merging it into their vectors is not supported yet (rewrite the position deletes first)',
        );
      }
      return;
    }
    if (target === undefined || !paths.has(target)) return;
    const other = found.get(target);
    if (other !== undefined && vectorKey(other) !== vectorKey(file)) {
      throw new ValidationError(
        `${metadata.location}: data file ${target} has two live deletion vectors (${vectorKey(other)}, ${vectorKey(file)})`,
      );
    }
    found.set(target, file);
  });
  return found;
}

/**
 * The data files, among those `vectors` reference, whose live vector on
 * `metadata` is not the one the new vector replaces (`replaced`; none when
 * the file had none): another writer added, replaced or removed it since.
 */
export async function staleVectors(
  io: FileIO,
  metadata: TableMetadata,
  vectors: readonly DataFile[],
  replaced: readonly DataFile[],
): Promise<string[]> {
  const targets = new Set(vectors.map((v) => v.referencedDataFile ?? v.filePath));
  if (targets.size === 0) return [];
  const expected = new Map(replaced.map((v) => [v.referencedDataFile ?? v.filePath, vectorKey(v)]));
  const live = await liveDeletionVectors(io, metadata, targets);
  return [...targets].filter((path) => {
    const now = live.get(path);
    return (now === undefined ? undefined : vectorKey(now)) !== expected.get(path);
  });
}
