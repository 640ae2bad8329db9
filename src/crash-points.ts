// Named points where a test can make the process die as if killed -9, to prove
// that no record is lost or duplicated whatever the moment of the crash.
// Off unless FLOE_CRASH_POINT=<point>:<n> is set (die on the n-th visit).

export type CrashPoint =
  /** A data file of a batch (append or keyed) finished in the object store. */
  | 'after-data-file-write'
  /** The batch's manifests and manifest list written, before the catalog commit (append and row delta). */
  | 'before-catalog-commit'
  /** The catalog commit landed; nothing after it done (a keyed batch's index updates not applied). */
  | 'after-catalog-commit'
  /** Keyed batch: its data files and position-delete files (v2) or deletion vectors (v3) written, no manifest yet. */
  | 'after-row-delta-write'
  /** Key index rebuild: the first live data file of a part read into it, the next not (visited per further file). */
  | 'during-key-index-rebuild'
  /** Inside a SQL catalog's multi-table commit transaction, after one table's row swap and before the next. */
  | 'between-table-commits'
  /** Compaction: the new data files are written, nothing is committed yet. */
  | 'after-compaction-write'
  /** Compaction: manifests and manifest list of the replace snapshot written, before the catalog commit. */
  | 'before-compaction-commit'
  /** Snapshot expiry: its catalog commit landed, no file deleted yet. */
  | 'after-expiry-commit'
  /** Snapshot expiry: the first file of the expired snapshots deleted, those in flight with it (up to 15) perhaps, the rest not. */
  | 'during-expiry-delete';

const setting = process.env.FLOE_CRASH_POINT;
const [armedPoint, armedVisit] = setting
  ? (setting.split(':') as [string, string | undefined])
  : [undefined, undefined];
let visits = 0;

export function crashPoint(point: CrashPoint): void {
  if (armedPoint !== point) return;
  visits++;
  if (visits >= Number(armedVisit ?? '1')) {
    process.stderr.write(`floe: crash point ${point} reached (FLOE_CRASH_POINT); killing the process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
