// One compaction run of one table: plan on main's head, rewrite the groups (on
// this thread, or on the compaction thread: `rewrite`), commit them as one
// replace snapshot, on this thread either way. A stale plan (files replaced or removed meanwhile,
// deletes added) is re-planned on the new state, a few times at most; the files
// it wrote are deleted unless a commit outcome was unknown (then orphan cleanup
// takes them). Each step is a function of its own so a scheduler can run it in
// the background.
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import type { Snapshot } from '../iceberg/snapshot.ts';
import { branchHead, sortOrderById, type TableMetadata } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { type Logger, silentLogger } from '../log.ts';
import { parquetWritePropertiesFromTable } from '../parquet/parquet-write-properties.ts';
import { vectorKey } from '../sink/deletion-vector-lookup.ts';
import type { TableLocks } from '../sink/table-locks.ts';
import { commitRewrite, type RewriteCommitOptions } from './compaction-commit.ts';
import { mayApply } from './compaction-deletes.ts';
import {
  liveData,
  liveDeletes,
  type PlannedFiles,
  planFiles,
  readSnapshotFiles,
  type SnapshotFiles,
} from './compaction-files.ts';
import {
  COMPACTION_DEFAULTS,
  type CompactionGroup,
  type CompactionPlanOptions,
  planCompaction,
} from './compaction-plan.ts';
import { COMPACTION_PROPERTIES, compactionSettings } from './compaction-properties.ts';
import { type GroupRewrite, rewriteGroup } from './compaction-rewrite.ts';

export interface CompactionOptions extends Omit<CompactionPlanOptions, 'targetFileSizeBytes' | 'nowMs'> {
  /** Overrides the table's write.target-file-size-bytes. */
  readonly targetFileSizeBytes?: number;
  /** How often a stale plan is made again before the run gives up (default 3). */
  readonly maxReplans?: number;
  readonly now?: () => number;
  readonly log?: Logger;
  readonly commit?: RewriteCommitOptions;
  /** The process's table locks: the replace commit runs holding the table's (never the rewrite). */
  readonly locks?: TableLocks;
  /** Compacts even when the table's floe.compaction.enabled is false. */
  readonly force?: boolean;
  /**
   * Stops between groups (the worker is shutting down), and within one when the
   * rewrite runs on the compaction thread.
   */
  readonly signal?: AbortSignal;
  /**
   * How a group is rewritten: on this thread (rewriteGroup, the default) or on the
   * compaction thread (rewriteGroupOffThread, the worker's background maintenance).
   */
  readonly rewrite?: GroupRewrite;
}

/** Input bytes one run reads at most (the rewrite streams, so this bounds work, not memory): 128 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 128 * 1024 * 1024;

/**
 * The same for a table with a sort order, whose group's decoded Arrow data is held
 * whole to be sorted (several times its compressed bytes, 10-40x for small wide
 * files): 16 MiB.
 */
export const DEFAULT_SORTED_MAX_INPUT_BYTES = 16 * 1024 * 1024;

export interface CompactionResult {
  readonly table: string;
  /** Why nothing was done, when nothing was. */
  readonly skipped?: string;
  readonly snapshotId?: bigint;
  readonly groups: number;
  readonly filesRewritten: number;
  readonly filesAdded: number;
  readonly bytesRewritten: number;
  readonly bytesWritten: number;
  /** Position-delete files removed with the files they referenced. */
  readonly deleteFilesRemoved?: number;
  /** Rows written (deleted rows left out). */
  readonly records: number;
  readonly replans: number;
  /** The table's bound on small files of a partition receiving data (when it is compacted at all). */
  readonly activeBound?: number | undefined;
}

export async function compactTable(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  options: CompactionOptions = {},
): Promise<CompactionResult> {
  const table = formatTableIdentifier(id);
  const log = (options.log ?? silentLogger).child({ table });
  const now = options.now ?? Date.now;
  const maxReplans = options.maxReplans ?? 3;
  const rewrite = options.rewrite ?? rewriteGroup;
  const nothing = {
    table,
    groups: 0,
    filesRewritten: 0,
    filesAdded: 0,
    bytesRewritten: 0,
    bytesWritten: 0,
    records: 0,
  };
  let activeBound: number | undefined;
  for (let replans = 0; replans <= maxReplans; replans++) {
    const { metadata } = await catalog.loadTable(id);
    const plan = await planTableCompaction(io, metadata, table, { ...options, nowMs: now() });
    activeBound = plan.activeBound;
    if (plan.skipped !== undefined)
      return {
        ...nothing,
        replans,
        ...(plan.activeBound === undefined ? {} : { activeBound }),
        skipped: plan.skipped,
      };
    const { head, files, planned, groups } = plan;
    const entries = new Map(liveData(files).map((e) => [e.dataFile.filePath, e]));
    const byPath = new Map([...entries].map(([path, e]) => [path, e.dataFile]));
    const replaced: DataFile[] = [];
    const added: DataFile[] = [];
    const removedDeletes: DataFile[] = [];
    let records = 0;
    try {
      for (const group of groups) {
        if (options.signal?.aborted) break;
        const applying = new Map<string, DataFile[]>();
        for (const f of group.files) {
          const scoped = planned.deletes.fileScoped.get(f.path) ?? [];
          const entry = entries.get(f.path)!;
          applying.set(
            f.path,
            scoped.filter((d) => mayApply(d, entry)).map((d) => d.dataFile),
          );
          // Every delete file naming only this file goes with it, applying or not.
          removedDeletes.push(...scoped.map((d) => d.dataFile));
        }
        const rewritten = await rewrite(io, metadata, group, byPath, applying, options.signal);
        for (const f of group.files) replaced.push(byPath.get(f.path)!);
        added.push(...rewritten.added);
        records += rewritten.rows;
      }
    } catch (error) {
      await deleteAll(io, added);
      // The compaction thread stops mid-group; the rewrite's own files are gone already.
      if (options.signal?.aborted) return { ...nothing, replans, activeBound, skipped: 'stopped' };
      throw error;
    }
    if (options.signal?.aborted) {
      await deleteAll(io, added);
      return { ...nothing, replans, activeBound, skipped: 'stopped' };
    }
    const knownDeletes = new Set(liveDeletes(files).map((e) => vectorKey(e.dataFile)));
    const commit = () =>
      commitRewrite(
        catalog,
        io,
        { id, startSnapshot: head, replaced, added, removedDeletes, knownDeletes },
        { now, ...options.commit, log },
      );
    const outcome = await (options.locks ? options.locks.withTables([id], commit) : commit());
    if (outcome.kind === 'stale') {
      log.info('compaction plan is stale; planning again', { reason: outcome.reason, replans });
      if (!outcome.mayHaveLanded) await deleteAll(io, added);
      continue;
    }
    const result: CompactionResult = {
      table,
      snapshotId: outcome.snapshotId,
      groups: groups.length,
      filesRewritten: replaced.length,
      filesAdded: added.length,
      bytesRewritten: replaced.reduce((n, f) => n + f.fileSizeInBytes, 0),
      bytesWritten: added.reduce((n, f) => n + f.fileSizeInBytes, 0),
      deleteFilesRemoved: removedDeletes.length,
      records,
      replans,
      activeBound,
    };
    log.info('compacted', { ...result, snapshotId: outcome.snapshotId.toString() });
    return result;
  }
  return {
    ...nothing,
    replans: maxReplans,
    activeBound,
    skipped: `the plan went stale ${maxReplans + 1} times`,
  };
}

/** What one run would rewrite on `metadata` (main's head), or why it would do nothing. */
export type TableCompactionPlan =
  | {
      readonly skipped: string;
      /** The table's bound on small files of a partition receiving data (when it is compacted at all). */
      readonly activeBound?: number;
    }
  | {
      readonly skipped?: undefined;
      readonly activeBound: number;
      readonly head: Snapshot;
      readonly files: SnapshotFiles;
      readonly planned: PlannedFiles;
      readonly groups: readonly CompactionGroup[];
    };

/**
 * Plans a compaction of the table as it is in `metadata`: its properties and
 * `options` (which win), no I/O but reading main's manifests. `floe maintain
 * --dry-run` prints this plan; compactTable carries it out.
 */
export async function planTableCompaction(
  io: FileIO,
  metadata: TableMetadata,
  table: string,
  options: CompactionOptions & { readonly nowMs: number },
): Promise<TableCompactionPlan> {
  // v1 has no sequence numbers (a rewrite's files could not keep theirs).
  if (metadata.formatVersion < 2)
    return { skipped: `format version ${metadata.formatVersion}: only v2 and v3 tables are compacted` };
  const head = branchHead(metadata, 'main');
  if (head === undefined) return { skipped: 'no snapshot' };
  const fromTable = compactionSettings(metadata.properties, table);
  if (!fromTable.enabled && options.force !== true)
    return { skipped: `${COMPACTION_PROPERTIES.enabled} is false` };
  const activeBound =
    options.maxFilesPerActivePartition ??
    fromTable.maxFilesPerActivePartition ??
    COMPACTION_DEFAULTS.maxFilesPerActivePartition;
  const files = await readSnapshotFiles(io, metadata, head);
  const target =
    options.targetFileSizeBytes ?? parquetWritePropertiesFromTable(metadata.properties).targetFileSizeBytes;
  // Explicit options (tests, a one-off command) win over the table's properties.
  const planned = planFiles(metadata, files);
  const groups = planCompaction(planned.files, {
    ...fromTable,
    ...options,
    maxInputBytes: options.maxInputBytes ?? fromTable.maxInputBytes ?? defaultMaxInputBytes(metadata),
    targetFileSizeBytes: target,
  });
  if (groups.length === 0) return { activeBound, skipped: 'no partition needs compaction' };
  return { activeBound, head, files, planned, groups };
}

function defaultMaxInputBytes(metadata: TableMetadata): number {
  const sorted = sortOrderById(metadata, metadata.defaultSortOrderId).fields.length > 0;
  return sorted ? DEFAULT_SORTED_MAX_INPUT_BYTES : DEFAULT_MAX_INPUT_BYTES;
}

async function deleteAll(io: FileIO, files: readonly DataFile[]): Promise<void> {
  for (const file of files) await io.delete(file.filePath).catch(() => undefined);
}
