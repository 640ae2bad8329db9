// Snapshot expiry of one table (plan: iceberg/snapshot-expiry.ts). Under the
// table's lock: load, plan, and commit `remove-snapshot-ref` / `remove-snapshots`
// with the requirements that every ref still points where the plan saw it (a
// concurrent commit re-plans). Only AFTER the commit succeeded are the files
// deleted that the removed snapshots reached and no snapshot of the committed
// table does: data and delete files, then manifests, then manifest lists and
// statistics files. A crash anywhere leaves unreferenced files (orphans), never
// a referenced one missing. An unknown commit outcome deletes nothing: the
// next run plans again, and what it cannot see any more is left to orphan cleanup.
// Manifest lists and manifests are read, and the files deleted (one kind after
// the other), a bounded number at a time (concurrent-map.ts): a run with a cold
// cache reads every retained snapshot's manifest list and manifests.
//
// A table with gc.enabled=false is left alone (as Iceberg's RemoveSnapshots
// refuses it): it shares its files with another table.
//
// The offsets floe keeps survive: main's current snapshot is never removed,
// and when the retained history no longer holds a snapshot with them, readers
// take the table property floe.offsets.<connector> (worker/commit/table-offsets.ts).
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { crashPoint } from '../crash-points.ts';
import { CommitConflictError } from '../errors.ts';
import { applyUpdates } from '../iceberg/apply-updates.ts';
import type { Snapshot } from '../iceberg/snapshot.ts';
import {
  type ExpiryPlan,
  type ExpiryPolicy,
  expiredContentFiles,
  expiredManifests,
  expiredStatistics,
  expiryPolicy,
  expiryUpdates,
  GC_ENABLED_PROPERTY,
  gcEnabled,
  planSnapshotExpiry,
  type SnapshotManifests,
} from '../iceberg/snapshot-expiry.ts';
import { branchHead, type TableMetadata } from '../iceberg/table-metadata.ts';
import type { TableRequirement, TableUpdate } from '../iceberg/table-update.ts';
import type { FileIO } from '../io/file-io.ts';
import { backoffDelayMs, type RetryPolicy, sleepMs } from '../io/retry.ts';
import { type Logger, silentLogger } from '../log.ts';
import { TableLocks } from '../sink/table-locks.ts';
import { forEachConcurrently, MAINTENANCE_IO_CONCURRENCY } from './concurrent-map.ts';
import { ManifestCache } from './manifest-cache.ts';

/** The table after the run. */
export interface TableHealth {
  readonly snapshots: number;
  /** Manifests in the current snapshot's manifest list. */
  readonly manifests: number;
  /** Live data files of the current snapshot, when its summary says. */
  readonly dataFiles?: number;
}

export interface ExpiryResult extends TableHealth {
  readonly snapshotsRemoved: number;
  readonly refsRemoved: number;
  readonly contentFilesDeleted: number;
  readonly manifestsDeleted: number;
  readonly manifestListsDeleted: number;
  readonly statisticsFilesDeleted: number;
}

export interface SnapshotExpiryOptions {
  readonly locks?: TableLocks;
  readonly log?: Logger;
  readonly now?: () => number;
  /** Overrides of the table's history.expire.* properties (floe maintain's flags). */
  readonly policy?: Partial<ExpiryPolicy>;
  readonly conflictRetry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Files read, and files deleted, at once (default MAINTENANCE_IO_CONCURRENCY; 1: one at a time). */
  readonly concurrency?: number;
}

const CONFLICT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

/** Expires one table's snapshots; reusable across runs (it caches what immutable manifests name). */
export class SnapshotExpiry {
  readonly name = 'expire-snapshots';
  readonly #catalog: Catalog;
  readonly #io: FileIO;
  readonly #options: SnapshotExpiryOptions;
  readonly #locks: TableLocks;
  readonly #cache: ManifestCache;
  readonly #concurrency: number;

  constructor(catalog: Catalog, io: FileIO, options: SnapshotExpiryOptions = {}) {
    this.#catalog = catalog;
    this.#io = io;
    this.#options = options;
    this.#locks = options.locks ?? new TableLocks();
    this.#concurrency = options.concurrency ?? MAINTENANCE_IO_CONCURRENCY;
    this.#cache = new ManifestCache(io, undefined, this.#concurrency);
  }

  /** The maintenance step: figures for the log. */
  async run(id: TableIdentifier): Promise<Readonly<Record<string, number>>> {
    return { ...(await this.expire(id)) };
  }

  async expire(id: TableIdentifier): Promise<ExpiryResult> {
    const retry = this.#options.conflictRetry ?? CONFLICT_RETRY;
    const log = this.#options.log ?? silentLogger;
    for (let attempt = 1; ; attempt++) {
      try {
        const { after, removal } = await this.#locks.withTables([id], () => this.#commit(id));
        const done = removal ? await this.#deleteFiles(removal.base, after, removal.refsRemoved) : nothing;
        return { ...done, ...(await this.#health(after)) };
      } catch (error) {
        if (!(error instanceof CommitConflictError) || attempt >= retry.maxAttempts) throw error;
        log.info('snapshot expiry conflicted with another commit; planning again', { attempt });
        await (this.#options.sleep ?? sleepMs)(backoffDelayMs(attempt - 1, retry));
      }
    }
  }

  async #commit(id: TableIdentifier): Promise<{
    after: TableMetadata;
    removal?: { readonly base: TableMetadata; readonly refsRemoved: number };
  }> {
    const { metadata } = await this.#catalog.loadTable(id);
    if (!gcEnabled(metadata.properties)) {
      (this.#options.log ?? silentLogger).info(
        `snapshots not expired: table property ${GC_ENABLED_PROPERTY} is false (its files may belong to another table)`,
      );
      return { after: metadata };
    }
    const { plan, updates } = this.#plan(metadata);
    if (updates.length === 0) return { after: metadata };
    const requirements: TableRequirement[] = [
      { type: 'assert-table-uuid', uuid: metadata.tableUuid },
      ...Object.entries(metadata.refs).map(
        ([ref, { snapshotId }]): TableRequirement => ({ type: 'assert-ref-snapshot-id', ref, snapshotId }),
      ),
    ];
    const loaded = await this.#catalog.commitTable(id, requirements, updates);
    crashPoint('after-expiry-commit');
    return { after: loaded.metadata, removal: { base: metadata, refsRemoved: plan.removedRefs.length } };
  }

  #plan(metadata: TableMetadata): { plan: ExpiryPlan; updates: TableUpdate[] } {
    const policy = { ...expiryPolicy(metadata.properties), ...this.#options.policy };
    const plan = planSnapshotExpiry(metadata, (this.#options.now ?? Date.now)(), policy);
    return { plan, updates: expiryUpdates(plan) };
  }

  /**
   * What expire() would do to the table now, changing nothing (floe maintain
   * --dry-run): the snapshots and refs it would remove, the files it would
   * delete, the table after.
   */
  async preview(id: TableIdentifier): Promise<ExpiryResult> {
    const { metadata } = await this.#catalog.loadTable(id);
    if (!gcEnabled(metadata.properties)) return { ...nothing, ...(await this.#health(metadata)) };
    const { plan, updates } = this.#plan(metadata);
    if (updates.length === 0) return { ...nothing, ...(await this.#health(metadata)) };
    const after = applyUpdates(metadata, updates, { nowMs: (this.#options.now ?? Date.now)() });
    const files = await this.#expiredFiles(metadata, after);
    return {
      snapshotsRemoved: plan.removed.length,
      refsRemoved: plan.removedRefs.length,
      contentFilesDeleted: files.contentFiles.length,
      manifestsDeleted: files.manifests.length,
      manifestListsDeleted: files.manifestLists.length,
      statisticsFilesDeleted: files.statistics.length,
      ...(await this.#health(after)),
    };
  }

  /** How the table looks now (for the table health metrics). */
  async #health(metadata: TableMetadata): Promise<TableHealth> {
    const head = branchHead(metadata, 'main');
    const manifests = head ? (await this.#cache.manifestList(head.manifestList)).length : 0;
    const dataFiles = Number(head?.summary['total-data-files'] ?? Number.NaN);
    return {
      snapshots: metadata.snapshots.length,
      manifests,
      ...(Number.isFinite(dataFiles) ? { dataFiles } : {}),
    };
  }

  /** Deletes what the snapshots gone between `base` and `after` reached and no snapshot of `after` does. */
  async #deleteFiles(
    base: TableMetadata,
    after: TableMetadata,
    refsRemoved: number,
  ): Promise<Omit<ExpiryResult, keyof TableHealth>> {
    const { removed, contentFiles, manifests, manifestLists, statistics } = await this.#expiredFiles(
      base,
      after,
    );
    let deleted = 0;
    const remove = async (path: string) => {
      await this.#io.delete(path);
      this.#cache.forget(path);
      if (++deleted === 1) crashPoint('during-expiry-delete');
    };
    // Each kind once the kind it names is gone, as one at a time did.
    await forEachConcurrently(contentFiles, this.#concurrency, remove);
    await forEachConcurrently(manifests, this.#concurrency, remove);
    await forEachConcurrently([...manifestLists, ...statistics], this.#concurrency, remove);
    return {
      snapshotsRemoved: removed.length,
      refsRemoved,
      contentFilesDeleted: contentFiles.length,
      manifestsDeleted: manifests.length,
      manifestListsDeleted: manifestLists.length,
      statisticsFilesDeleted: statistics.length,
    };
  }

  /** What the snapshots gone between `base` and `after` reached and no snapshot of `after` does. */
  async #expiredFiles(
    base: TableMetadata,
    after: TableMetadata,
  ): Promise<{
    removed: Snapshot[];
    contentFiles: string[];
    manifests: string[];
    manifestLists: string[];
    statistics: string[];
  }> {
    const kept = new Set(after.snapshots.map((s) => s.snapshotId));
    const removed = base.snapshots.filter((s) => !kept.has(s.snapshotId));
    // Another engine's expiry may have deleted some of the removed snapshots' files already.
    const removedLists = await this.#lists(removed, true);
    const retainedLists = await this.#lists(after.snapshots, false);
    const { manifestLists, manifests } = expiredManifests(removedLists, retainedLists);
    const named = (await this.#cache.manifests(manifests, true)).flatMap((m) => m.all);
    // Which of them a retained manifest still has live: every retained manifest is read, unless none is named.
    const live = new Set<string>();
    const retainedManifests = named.length === 0 ? [] : new Set(retainedLists.flatMap((l) => l.manifests));
    for (const { live: files } of await this.#cache.manifests(retainedManifests))
      for (const file of files) live.add(file);
    const contentFiles = expiredContentFiles(named, live);
    return { removed, contentFiles, manifests, manifestLists, statistics: expiredStatistics(base, after) };
  }

  async #lists(snapshots: readonly Snapshot[], missingOk: boolean): Promise<SnapshotManifests[]> {
    const paths = snapshots.map((s) => s.manifestList);
    const manifests = await this.#cache.manifestLists(paths, missingOk);
    return paths.map((manifestList, i) => ({ manifestList, manifests: manifests[i] ?? [] }));
  }
}

const nothing: Omit<ExpiryResult, keyof TableHealth> = {
  snapshotsRemoved: 0,
  refsRemoved: 0,
  contentFilesDeleted: 0,
  manifestsDeleted: 0,
  manifestListsDeleted: 0,
  statisticsFilesDeleted: 0,
};
