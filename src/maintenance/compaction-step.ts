// Compaction as a step of the worker's maintenance scheduler: each run plans on
// the table's current state, rewrites what the plan picked and commits it as a
// replace snapshot holding the table's lock only for the commit (the ingest
// path's commits to the table wait for that, never for the rewrite). Besides the
// interval, it runs once a table received as many commits as its bound on the
// small files of a partition receiving data (floe.compaction.max-files-per-active-partition):
// a commit adds at most one small file to each partition it writes, so a busy
// partition holds about that many new files at most between two runs. The
// rewrite runs on the compaction thread (compaction-thread.ts) unless `rewrite`
// says otherwise, so the worker's JS thread goes on consuming meanwhile.
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import type { FileIO } from '../io/file-io.ts';
import type { TableLocks } from '../sink/table-locks.ts';
import { COMPACTION_DEFAULTS } from './compaction-plan.ts';
import { type CompactionOptions, compactTable } from './compaction-run.ts';
import { rewriteGroupOffThread } from './compaction-thread.ts';
import type { MaintenanceStep } from './maintenance-scheduler.ts';

export class Compaction implements MaintenanceStep {
  readonly name = 'compact';
  readonly #catalog: Catalog;
  readonly #io: FileIO;
  readonly #options: CompactionOptions;
  /** Per table: its bound as the last run read it; undefined once a run found it not compacted (v1, disabled). */
  readonly #bounds = new Map<string, number | undefined>();

  constructor(
    catalog: Catalog,
    io: FileIO,
    options: CompactionOptions & { readonly locks?: TableLocks } = {},
  ) {
    this.#catalog = catalog;
    this.#io = io;
    this.#options = { rewrite: rewriteGroupOffThread, ...options };
  }

  async run(id: TableIdentifier, signal: AbortSignal): Promise<Readonly<Record<string, number>>> {
    const result = await compactTable(this.#catalog, this.#io, id, { ...this.#options, signal });
    this.#bounds.set(formatTableIdentifier(id), result.activeBound);
    // "Nothing to do" is the common case; any other reason is worth a line (a v1 table, disabled, stale).
    if (result.skipped !== undefined && result.groups === 0 && !result.skipped.startsWith('no '))
      this.#options.log?.info('compaction skipped', { table: result.table, reason: result.skipped });
    return {
      groups: result.groups,
      filesRewritten: result.filesRewritten,
      filesAdded: result.filesAdded,
      bytesRewritten: result.bytesRewritten,
      bytesWritten: result.bytesWritten,
      deleteFilesRemoved: result.deleteFilesRemoved ?? 0,
      records: result.records,
      replans: result.replans,
    };
  }

  commitsBetweenRuns(table: string): number | undefined {
    if (!this.#bounds.has(table))
      return this.#options.maxFilesPerActivePartition ?? COMPACTION_DEFAULTS.maxFilesPerActivePartition;
    return this.#bounds.get(table);
  }
}
