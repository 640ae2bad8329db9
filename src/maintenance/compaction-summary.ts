// The summary of a replace snapshot (spec: Appendix F, "Optional Snapshot
// Summary Fields"): what it added and removed (data files, and the position-delete
// files removed with the files they referenced), and the totals carried from the
// parent (a total the parent does not carry is left out rather than guessed).
import type { DataFile } from '../iceberg/data-file.ts';
import { isDeletionVector } from '../sink/deletion-vector-files.ts';
import { deleteFileBytes } from '../sink/row-delta.ts';

const REPLACE_TOTALS: ReadonlyArray<readonly [total: string, added: string, removed: string]> = [
  ['total-records', 'added-records', 'deleted-records'],
  ['total-files-size', 'added-files-size', 'removed-files-size'],
  ['total-data-files', 'added-data-files', 'deleted-data-files'],
];

export function replaceSummary(
  parent: Readonly<Record<string, string>>,
  replaced: readonly DataFile[],
  added: readonly DataFile[],
  removedDeletes: readonly DataFile[] = [],
): Record<string, string> {
  const count = (files: readonly DataFile[], of: (f: DataFile) => number): bigint =>
    files.reduce((n, f) => n + BigInt(of(f)), 0n);
  const changes: Record<string, bigint> = {
    'added-records': count(added, (f) => f.recordCount),
    'deleted-records': count(replaced, (f) => f.recordCount),
    'added-files-size': count(added, (f) => f.fileSizeInBytes),
    'removed-files-size': count(replaced, (f) => f.fileSizeInBytes),
    'added-data-files': BigInt(added.length),
    'deleted-data-files': BigInt(replaced.length),
  };
  const summary: Record<string, string> = { operation: 'replace' };
  for (const [key, value] of Object.entries(changes)) summary[key] = value.toString();
  for (const [total, plus, minus] of REPLACE_TOTALS) {
    const before = parent[total];
    if (before === undefined || !/^\d+$/.test(before)) continue;
    summary[total] = (BigInt(before) + changes[plus]! - changes[minus]!).toString();
  }
  const removedRows = count(removedDeletes, (f) => f.recordCount);
  if (removedDeletes.length > 0) {
    // As Java writes them: deletion vectors apart from position-delete files, both delete files.
    const vectors = removedDeletes.filter(isDeletionVector).length;
    summary['removed-delete-files'] = String(removedDeletes.length);
    if (removedDeletes.length > vectors)
      summary['removed-position-delete-files'] = String(removedDeletes.length - vectors);
    if (vectors > 0) summary['removed-dvs'] = String(vectors);
    summary['removed-position-deletes'] = removedRows.toString();
    // The delete files' bytes leave the table too (Java counts them in the files size; a vector its blob).
    const bytes = count(removedDeletes, deleteFileBytes);
    summary['removed-files-size'] = (changes['removed-files-size']! + bytes).toString();
    const total = parent['total-files-size'];
    if (total !== undefined && /^\d+$/.test(total))
      summary['total-files-size'] = (BigInt(summary['total-files-size'] ?? total) - bytes).toString();
  }
  const minus: Record<string, bigint> = {
    'total-delete-files': BigInt(removedDeletes.length),
    'total-position-deletes': removedRows,
    'total-equality-deletes': 0n,
  };
  for (const [key, removed] of Object.entries(minus)) {
    const before = parent[key];
    if (before === undefined) continue;
    summary[key] = /^\d+$/.test(before) ? (BigInt(before) - removed).toString() : before;
  }
  return summary;
}
