// What a key index part's entries were made from (docs/upsert.md, "After a
// compaction"): the live data files attributed to its partition, each with the
// delete files that apply to it (PartitionKeyIndex.sources). A part's entries
// are a function of these: built from them, then following this worker's
// commits (followCommitFiles). When a batch was fenced or failed, the parts are
// not thrown away: each is compared with the table (sourcesChange) before its
// next use. Unchanged, it is used as it is; when its only change is data files
// replaced by new files of the same partition (a compaction keeping the
// attribution), its entries are re-pointed from the new files
// (key-index-rebuild.ts, repointPartitionIndex); anything else (another
// writer's deletes, rows moved to another engine's files) rebuilds the part.
import type { DataFile } from '../../iceberg/data-file.ts';
import { fileAttribution } from './file-attribution.ts';
import type { PartitionKeyIndex, TableKeyIndex } from './key-index.ts';
import { deleteFileIdentity, type LiveFile } from './table-live-files.ts';

export type SourcesChange =
  | { readonly kind: 'same' }
  /** Data files gone, new ones added, the others' deletes the same: a rewrite of the partition's files. */
  | { readonly kind: 'rewritten'; readonly removed: readonly string[]; readonly added: readonly LiveFile[] }
  /** Anything else: the part is rebuilt. */
  | { readonly kind: 'changed'; readonly reason: string };

/** How the partition's live files in the table (`files`, attributed to the part) differ from the part's sources. */
export function sourcesChange(part: PartitionKeyIndex, files: readonly LiveFile[]): SourcesChange {
  const live = new Set<string>();
  const added: LiveFile[] = [];
  for (const file of files) {
    live.add(file.path);
    const known = part.sources.get(file.path);
    if (known === undefined) added.push(file);
    else if (!sameSet(known, file.deletes)) return { kind: 'changed', reason: `deletes of ${file.path}` };
  }
  const removed = [...part.sources.keys()].filter((path) => !live.has(path));
  if (removed.length === 0 && added.length === 0) return { kind: 'same' };
  if (removed.length === 0) return { kind: 'changed', reason: `${added.length} data file(s) added` };
  if (added.length === 0) return { kind: 'changed', reason: `${removed.length} data file(s) removed` };
  return { kind: 'rewritten', removed, added };
}

/** The part's sources are now `files` (built, or re-pointed). */
export function setSources(part: PartitionKeyIndex, files: readonly LiveFile[]): void {
  part.sources.clear();
  for (const file of files) part.sources.set(file.path, new Set(file.deletes));
}

/**
 * After one of this worker's commits to the table landed (its staged entries
 * applied): the data files it added become sources of their partitions' parts,
 * and the delete files it added (and the deletion vectors it replaced, v3)
 * change the sources they reference, in whichever part holds them.
 */
export function followCommitFiles(
  index: TableKeyIndex,
  files: readonly DataFile[],
  replaced: readonly DataFile[],
): void {
  const parts = [...index.parts()];
  const referenced = (file: DataFile) => file.referencedDataFile ?? '';
  for (const file of replaced) {
    for (const part of parts) {
      const known = part.sources.get(referenced(file));
      // A vector the part never saw (another writer's deletes, merged into ours):
      // its entries miss those deletes, so the next comparison must rebuild it.
      if (known !== undefined && !known.delete(deleteFileIdentity(file))) known.add(UNSEEN_DELETES);
    }
  }
  for (const file of files) {
    if (file.content === 0) {
      const owner = fileAttribution(file.filePath);
      if (owner !== undefined)
        index.partition(owner.topic, owner.partition)?.sources.set(file.filePath, new Set());
      continue;
    }
    for (const part of parts) part.sources.get(referenced(file))?.add(deleteFileIdentity(file));
  }
}

/** Never a delete file's identity: marks a data file whose deletes the part did not apply. */
const UNSEEN_DELETES = '(deletes this part never applied)';

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
