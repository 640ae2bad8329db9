// The summary of a replace snapshot (spec: Appendix F, "Optional Snapshot
// Summary Fields"): what it added and removed, and the totals carried from the
// parent (a total the parent does not carry is left out rather than guessed).
import type { DataFile } from '../iceberg/data-file.ts';

const REPLACE_TOTALS: ReadonlyArray<readonly [total: string, added: string, removed: string]> = [
  ['total-records', 'added-records', 'deleted-records'],
  ['total-files-size', 'added-files-size', 'removed-files-size'],
  ['total-data-files', 'added-data-files', 'deleted-data-files'],
];

export function replaceSummary(
  parent: Readonly<Record<string, string>>,
  replaced: readonly DataFile[],
  added: readonly DataFile[],
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
  for (const key of ['total-delete-files', 'total-position-deletes', 'total-equality-deletes']) {
    const before = parent[key];
    if (before !== undefined) summary[key] = before;
  }
  return summary;
}
