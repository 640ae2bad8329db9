// Which delete files may apply to which data files, as compaction needs it
// (spec: "Scan Planning", "Position Delete Files", "Equality Delete Files").
// A file-scoped position-delete file (referenced_data_file set, or the lower and
// upper bounds of its file_path column equal, as Java writes them) applies to one
// data file, and so does a deletion vector (v3): compaction can rewrite that
// file with the deleted positions left out and drop the delete file (or vector)
// in the same replace snapshot. Every other delete may apply to many files and
// is not applied by floe: equality deletes, position-delete files spanning
// several data files, and delete files in a format floe does not read (Avro,
// ORC); the data files they may apply to (same
// partition, or any partition for an unpartitioned delete file, and a data
// sequence number the spec's rule lets them reach) are blocked: left as they are.
import { type DataFile, POSITION_DELETE_FILE_PATH_ID } from '../iceberg/data-file.ts';
import type { ManifestEntry } from '../iceberg/manifest-entry.ts';
import { isDeletionVector } from '../sink/deletion-vector-files.ts';
import { partitionKey } from '../sink/partitioner.ts';

export interface DeleteScope {
  /** Per data file path: the file-scoped position-delete files naming it (whether or not they apply). */
  readonly fileScoped: ReadonlyMap<string, readonly ManifestEntry[]>;
  /** Data files a delete file that floe does not apply may apply to. */
  readonly blocked: ReadonlySet<string>;
}

/** The one data file a position-delete file refers to, or undefined (it may refer to several, or is not one). */
export function fileScopedTarget(deleteFile: DataFile): string | undefined {
  if (deleteFile.content !== 1) return undefined;
  if (deleteFile.referencedDataFile !== undefined) return deleteFile.referencedDataFile;
  const lower = deleteFile.lowerBounds?.get(POSITION_DELETE_FILE_PATH_ID);
  const upper = deleteFile.upperBounds?.get(POSITION_DELETE_FILE_PATH_ID);
  if (lower === undefined || upper === undefined || !sameBytes(lower, upper)) return undefined;
  return new TextDecoder().decode(lower);
}

/** A file-scoped delete floe can read and apply: a Parquet position-delete file, or a deletion vector. */
export function appliedByFloe(deleteFile: DataFile): boolean {
  if (fileScopedTarget(deleteFile) === undefined) return false;
  if (isDeletionVector(deleteFile)) return deleteFile.contentOffset !== undefined;
  return deleteFile.fileFormat === 'PARQUET' && deleteFile.contentOffset === undefined;
}

/** The partition a delete's reach is scoped to; GLOBAL for an unpartitioned delete file. */
export function partitionScope(file: DataFile): string {
  return file.partition.length === 0 ? GLOBAL : `${file.specId}:${partitionKey(file.partition)}`;
}

export const GLOBAL = '(unpartitioned)';

/**
 * Whether `del` may apply to `data` by the spec's rules, from the manifests only:
 * position deletes reach data files of a data sequence number up to theirs,
 * equality deletes only those below theirs; both only in their partition (or
 * anywhere, unpartitioned); a file-scoped one only its file.
 */
export function mayApply(del: ManifestEntry, data: ManifestEntry): boolean {
  const deleteSeq = del.sequenceNumber ?? 0;
  const dataSeq = data.sequenceNumber ?? 0;
  const file = del.dataFile;
  if (file.content === 2 ? dataSeq >= deleteSeq : dataSeq > deleteSeq) return false;
  const target = fileScopedTarget(file);
  if (target !== undefined) return target === data.dataFile.filePath;
  const scope = partitionScope(file);
  return scope === GLOBAL || scope === partitionScope(data.dataFile);
}

/** The scope of every live delete file over the live data files of one snapshot. */
export function scopeDeletes(deletes: readonly ManifestEntry[], data: readonly ManifestEntry[]): DeleteScope {
  const fileScoped = new Map<string, ManifestEntry[]>();
  const wide: ManifestEntry[] = [];
  const blocked = new Set<string>();
  const dataByPath = new Map(data.map((e) => [e.dataFile.filePath, e]));
  for (const del of deletes) {
    const target = fileScopedTarget(del.dataFile);
    if (target === undefined) {
      wide.push(del);
      continue;
    }
    if (appliedByFloe(del.dataFile)) fileScoped.set(target, [...(fileScoped.get(target) ?? []), del]);
    else {
      const entry = dataByPath.get(target);
      if (entry !== undefined && mayApply(del, entry)) blocked.add(target);
    }
  }
  if (wide.length > 0) {
    // By partition scope, each data file checked against the wide deletes of its partition and the global ones.
    const byScope = new Map<string, ManifestEntry[]>();
    for (const del of wide) {
      const scope = partitionScope(del.dataFile);
      byScope.set(scope, [...(byScope.get(scope) ?? []), del]);
    }
    const global = byScope.get(GLOBAL) ?? [];
    for (const entry of data) {
      const candidates = [...(byScope.get(partitionScope(entry.dataFile)) ?? []), ...global];
      if (candidates.some((del) => mayApply(del, entry))) blocked.add(entry.dataFile.filePath);
    }
  }
  return { fileScoped, blocked };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
