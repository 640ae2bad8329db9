// The validation of a compaction's replace commit on the freshly loaded table
// (as Iceberg's RewriteFiles validates): every data file it replaces and every
// delete file it removes must still be live on main, and no delete file that
// arrived since the plan may apply to a replaced file (its rows would come back
// in the new files). Deletes committed meanwhile against other files do not
// conflict: a keyed table gets them on every commit.

import type { DataFile } from '../iceberg/data-file.ts';
import type { ManifestEntry } from '../iceberg/manifest-entry.ts';
import type { ManifestFile } from '../iceberg/manifest-list.ts';
import type { Snapshot } from '../iceberg/snapshot.ts';
import { vectorKey } from '../sink/deletion-vector-lookup.ts';
import { mayApply } from './compaction-deletes.ts';

/** What of a rewrite the validation looks at (compaction-commit.ts's RewriteCommit). */
export interface RewriteToValidate {
  /** The snapshot the plan read. */
  readonly startSnapshot: Snapshot;
  readonly replaced: readonly DataFile[];
  /** Position-delete files and deletion vectors that named replaced files only: removed with them. */
  readonly removedDeletes?: readonly DataFile[];
  /** The delete files live when the plan was made (vectorKey: file and blob); without it, any newer than startSnapshot counts as new. */
  readonly knownDeletes?: ReadonlySet<string>;
}

/** Why the rewrite can no longer be committed on this state, or undefined when it can. */
export function staleReason(
  manifests: ReadonlyArray<{ manifest: ManifestFile; live: readonly ManifestEntry[] }>,
  request: RewriteToValidate,
): string | undefined {
  const data = new Map<string, ManifestEntry>();
  const deletes: ManifestEntry[] = [];
  for (const { manifest, live } of manifests) {
    if (manifest.content === 0) for (const e of live) data.set(e.dataFile.filePath, e);
    else deletes.push(...live);
  }
  const missing = request.replaced.filter((f) => !data.has(f.filePath));
  if (missing.length > 0)
    return `${missing.length} file(s) to replace are no longer live (e.g. ${missing[0]!.filePath})`;
  const liveDeletes = new Set(deletes.map((e) => vectorKey(e.dataFile)));
  const gone = (request.removedDeletes ?? []).find((f) => !liveDeletes.has(vectorKey(f)));
  if (gone !== undefined) return `delete file ${gone.filePath} to remove is no longer live`;
  const replaced = request.replaced.map((f) => data.get(f.filePath)!);
  const known = request.knownDeletes;
  for (const del of deletes) {
    // Without the plan's list, any delete file newer than the planned snapshot counts as new.
    const isNew =
      known === undefined
        ? (del.fileSequenceNumber ?? del.sequenceNumber ?? 0) > request.startSnapshot.sequenceNumber
        : !known.has(vectorKey(del.dataFile));
    const target = isNew ? replaced.find((e) => mayApply(del, e)) : undefined;
    if (target !== undefined)
      return `delete file ${del.dataFile.filePath} committed after snapshot ${request.startSnapshot.snapshotId} may apply to ${target.dataFile.filePath}`;
  }
  return undefined;
}
