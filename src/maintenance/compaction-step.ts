// Compaction as a step of the worker's maintenance scheduler: each run plans on
// the table's current state, rewrites what the plan picked and commits it as a
// replace snapshot holding the table's lock only for the commit (the ingest
// path's commits to the table wait for that, never for the rewrite).
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import type { FileIO } from '../io/file-io.ts';
import type { TableLocks } from '../sink/table-locks.ts';
import { type CompactionOptions, compactTable } from './compaction-run.ts';
import type { MaintenanceStep } from './maintenance-scheduler.ts';

export class Compaction implements MaintenanceStep {
  readonly name = 'compact';
  readonly #catalog: Catalog;
  readonly #io: FileIO;
  readonly #options: CompactionOptions;

  constructor(
    catalog: Catalog,
    io: FileIO,
    options: CompactionOptions & { readonly locks?: TableLocks } = {},
  ) {
    this.#catalog = catalog;
    this.#io = io;
    this.#options = options;
  }

  async run(id: TableIdentifier, signal: AbortSignal): Promise<Readonly<Record<string, number>>> {
    const result = await compactTable(this.#catalog, this.#io, id, { ...this.#options, signal });
    // "Nothing to do" is the common case; any other reason is worth a line (a v1 table, disabled, stale).
    if (result.skipped !== undefined && result.groups === 0 && !result.skipped.startsWith('no '))
      this.#options.log?.info('compaction skipped', { table: result.table, reason: result.skipped });
    return {
      groups: result.groups,
      filesRewritten: result.filesRewritten,
      filesAdded: result.filesAdded,
      bytesRewritten: result.bytesRewritten,
      bytesWritten: result.bytesWritten,
      records: result.records,
      replans: result.replans,
    };
  }
}
