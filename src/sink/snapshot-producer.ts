// Fast append (spec: "Snapshots", "Manifest Lists"; REST: CommitTableRequest,
// CommitTransactionRequest) to one table, or to several in one atomic catalog
// commit. Every attempt starts from freshly loaded tables: the caller's
// `decide` fences each one, the parents' manifests are carried forward, and the
// snapshots are committed with assert-table-uuid and
// assert-ref-snapshot-id(main = base). Conflicts rebase on the fresh tables; an
// unknown outcome is reconciled by finding our commit id in main's ancestry
// before anything else, and its files are never deleted. Every append merges
// the table's manifests as MergeAppend does (manifest-merger.ts). An append with
// position-delete files (v2) or deletion vectors (v3) is a row delta
// (row-delta.ts): validated on the fresh table at every attempt, aborted with
// conflict DATA_FILES_GONE when a data file its deletes reference is no longer
// live or, on v3, a data file's vector is no longer the one merged with.
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import { crashPoint } from '../crash-points.ts';
import { CommitConflictError, CommitStateUnknownError, NoSuchTableError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { ancestors, branchHead } from '../iceberg/table-metadata.ts';
import type { Schema } from '../iceberg/types.ts';
import { type FileIO, isNotFound } from '../io/file-io.ts';
import { backoffDelayMs, type RetryPolicy, sleepMs } from '../io/retry.ts';
import { type Logger, silentLogger } from '../log.ts';
import {
  type AppendAttempt,
  buildAppendAttempt,
  type NewManifest,
  writeNewManifests,
} from './append-files.ts';
import { type MergedManifests, unusedMerged } from './manifest-merger.ts';
import { DATA_FILES_GONE, rowDeltaConflict } from './row-delta.ts';
import { newCommitId, newSnapshotId } from './snapshot-ids.ts';
import type { TableLocks } from './table-locks.ts';

export const COMMIT_ID_PROPERTY = 'floe.commit-id';

/** What to do with the batch, decided on the freshly loaded table before every attempt. */
export type CommitDecision =
  | {
      readonly kind: 'commit';
      /** Extra snapshot summary properties (e.g. committed offsets). */
      readonly summary?: Readonly<Record<string, string>>;
      /** The table schema to make current with this snapshot, derived from the fresh table (field ids included). */
      readonly schema?: Schema;
      /** Table properties to set in the same commit. */
      readonly properties?: Readonly<Record<string, string>>;
    }
  /** The table already holds this batch. */
  | { readonly kind: 'skip'; readonly reason: string }
  /** The batch must never be committed (another writer owns its range now). */
  | { readonly kind: 'abort'; readonly reason: string };

export interface TableAppend {
  readonly id: TableIdentifier;
  readonly dataFiles: readonly DataFile[];
  /**
   * File-scoped position-delete files (v2) or deletion vectors (v3): with them the
   * commit is a row delta (row-delta.ts; writeRowDeltaDeletes writes either).
   */
  readonly deleteFiles?: readonly DataFile[];
  /** v3: the live deletion vectors the new ones were merged with, removed by the same snapshot. */
  readonly replacedDeleteFiles?: readonly DataFile[];
  /** The schema the data files were written with, for their manifests (default: the table's current one). */
  readonly fileSchema?: Schema;
  readonly decide: (table: TableMetadata) => CommitDecision;
}

export type TableOutcome =
  | { readonly kind: 'committed'; readonly snapshotId: bigint; readonly metadata: TableMetadata }
  | { readonly kind: 'skipped'; readonly reason: string; readonly metadata: TableMetadata };

export type CommitResult =
  | {
      readonly kind: 'done';
      readonly commitId: string;
      /** In the order of the appends. */
      readonly tables: readonly TableOutcome[];
      readonly attempts: number;
    }
  | {
      readonly kind: 'aborted';
      readonly reason: string;
      readonly attempts: number;
      /** Set when a row delta's referenced data files are gone (rebuild the key index, re-read the batch). */
      readonly conflict?: typeof DATA_FILES_GONE;
    };

/** The result of a single-table append. */
export type AppendResult =
  | {
      readonly kind: 'committed';
      readonly snapshotId: bigint;
      readonly commitId: string;
      readonly metadata: TableMetadata;
      readonly attempts: number;
    }
  | { readonly kind: 'skipped'; readonly reason: string; readonly attempts: number }
  | (CommitResult & { readonly kind: 'aborted' });

export interface SnapshotProducerOptions {
  readonly conflictRetry?: RetryPolicy;
  /** How long to keep reloading when the catalog does not answer after an unknown outcome. */
  readonly reconcileTimeoutMs?: number;
  readonly log?: Logger;
  readonly now?: () => number;
  /** Waits between attempts (default: a real timer); the simulation passes one that costs no time. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Held for the tables of a commit while it runs (shared with this process's maintenance). */
  readonly locks?: TableLocks;
  /** Told of every table a commit landed in (e.g. to schedule its maintenance). */
  readonly onCommitted?: (id: TableIdentifier) => void;
}

const DEFAULT_CONFLICT_RETRY: RetryPolicy = { maxAttempts: 12, baseDelayMs: 50, maxDelayMs: 5_000 };

interface Pending {
  readonly append: TableAppend;
  readonly index: number;
  snapshotId?: bigint;
  manifests?: NewManifest[];
  prepared?: AppendAttempt | undefined;
  /** Merged manifests written by this append's attempts (see manifest-merger.ts). */
  readonly merged: MergedManifests;
}

export class SnapshotProducer {
  readonly #catalog: Catalog;
  readonly #io: FileIO;
  readonly #retry: RetryPolicy;
  readonly #reconcileTimeoutMs: number;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #options: SnapshotProducerOptions;

  constructor(catalog: Catalog, io: FileIO, options: SnapshotProducerOptions = {}) {
    this.#catalog = catalog;
    this.#io = io;
    this.#retry = options.conflictRetry ?? DEFAULT_CONFLICT_RETRY;
    this.#reconcileTimeoutMs = options.reconcileTimeoutMs ?? 10 * 60_000;
    this.#log = options.log ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleepMs;
    this.#options = options;
  }

  /** Appends to one table. */
  async append(id: TableIdentifier, request: Omit<TableAppend, 'id'>): Promise<AppendResult> {
    const result = await this.commit([{ id, ...request }]);
    if (result.kind === 'aborted') return result;
    const outcome = result.tables[0]!;
    if (outcome.kind === 'skipped')
      return { kind: 'skipped', reason: outcome.reason, attempts: result.attempts };
    const { snapshotId, metadata } = outcome;
    return { kind: 'committed', snapshotId, commitId: result.commitId, metadata, attempts: result.attempts };
  }

  /**
   * Commits every append, all in one catalog commit when there are several
   * (the catalog must support multi-table commits then). An abort of any table
   * aborts all that have not landed.
   */
  async commit(appends: readonly TableAppend[]): Promise<CommitResult> {
    const locks = this.#options.locks;
    const result = locks
      ? await locks.withTables(
          appends.map((a) => a.id),
          () => this.#commit(appends),
        )
      : await this.#commit(appends);
    if (result.kind === 'done' && this.#options.onCommitted) {
      for (const [i, outcome] of result.tables.entries())
        if (outcome.kind === 'committed') this.#options.onCommitted(appends[i]!.id);
    }
    return result;
  }

  async #commit(appends: readonly TableAppend[]): Promise<CommitResult> {
    const commitId = newCommitId();
    const names = appends.map((a) => formatTableIdentifier(a.id)).join(', ');
    const log = this.#log.child({ table: names, commitId });
    const outcomes: Array<TableOutcome | undefined> = appends.map(() => undefined);
    const pending: Pending[] = appends.map((append, index) => ({ append, index, merged: new Map() }));
    let outcomeUnknown = false;
    // Once an attempt's outcome was unknown it may land late: look for it on every reload.
    let everUnknown = false;
    let lastError: unknown;
    const done = (attempts: number): CommitResult => ({
      kind: 'done',
      commitId,
      tables: outcomes as TableOutcome[],
      attempts,
    });

    for (let attempt = 1; attempt <= this.#retry.maxAttempts; attempt++) {
      const live = pending.filter((p) => outcomes[p.index] === undefined);
      const fresh: TableMetadata[] = [];
      for (const p of live) fresh.push(await this.#reload(p.append.id, outcomeUnknown));
      // A file of a fresh load gone: main moved on since and snapshot expiry deleted what
      // only that snapshot reached. A conflict, rebased on the next load (as in #build).
      let stale: unknown;
      const toCommit: Array<{
        p: Pending;
        metadata: TableMetadata;
        decision: CommitDecision & { kind: 'commit' };
      }> = [];
      for (const [i, p] of live.entries()) {
        const metadata = fresh[i]!;
        if (everUnknown) {
          const landed = findCommit(metadata, commitId);
          if (landed !== undefined) {
            log.info('commit outcome was unknown; found it committed', {
              snapshotId: landed.toString(),
              attempt,
            });
            outcomes[p.index] = { kind: 'committed', snapshotId: landed, metadata };
            continue;
          }
        }
        const decision = p.append.decide(metadata);
        if (decision.kind === 'abort') {
          log.info(`batch not committed: ${decision.reason}`, { decision: decision.kind, attempt });
          return { kind: 'aborted', reason: decision.reason, attempts: attempt };
        }
        if (decision.kind === 'skip') {
          outcomes[p.index] = { kind: 'skipped', reason: decision.reason, metadata };
          continue;
        }
        const { deleteFiles = [], replacedDeleteFiles = [] } = p.append;
        const reason = await rowDeltaConflict(this.#io, metadata, deleteFiles, replacedDeleteFiles).catch(
          (error: unknown) => {
            if (!isNotFound(error)) throw error;
            stale = error;
            return undefined;
          },
        );
        if (stale !== undefined) break;
        if (reason !== undefined) {
          log.info(`batch not committed: ${reason}`, { conflict: DATA_FILES_GONE, attempt });
          return { kind: 'aborted', reason, attempts: attempt, conflict: DATA_FILES_GONE };
        }
        toCommit.push({ p, metadata, decision });
      }
      if (stale !== undefined) {
        lastError = stale;
        log.info('commit conflict; rebasing on the new table state', { attempt, reason: String(stale) });
        await this.#sleep(backoffDelayMs(attempt - 1, this.#retry));
        continue;
      }
      outcomeUnknown = false;
      if (toCommit.length === 0) return done(attempt);
      try {
        for (const { p, metadata, decision } of toCommit) {
          p.snapshotId ??= newSnapshotId(metadata);
          const files = [...p.append.dataFiles, ...(p.append.deleteFiles ?? [])];
          p.manifests ??= await writeNewManifests(this.#io, metadata, files, {
            snapshotId: p.snapshotId,
            commitId,
            schema: p.append.fileSchema,
          });
          p.prepared = await this.#build(metadata, p.manifests, {
            snapshotId: p.snapshotId,
            commitId,
            attempt,
            nowMs: this.#now(),
            summary: { ...decision.summary, [COMMIT_ID_PROPERTY]: commitId },
            schema: decision.schema,
            properties: decision.properties,
            merged: p.merged,
            replacedDeleteFiles: p.append.replacedDeleteFiles,
          });
        }
        crashPoint('before-catalog-commit');
        const loaded = await this.#send(toCommit.map(({ p }) => p));
        crashPoint('after-catalog-commit');
        for (const [i, { p }] of toCommit.entries()) {
          outcomes[p.index] = { kind: 'committed', snapshotId: p.snapshotId!, metadata: loaded[i]!.metadata };
        }
        // Merged manifests of earlier attempts that this list does not name were never committed,
        // unless an unknown outcome or a non-atomic server's multi-table 409 landed one: those are
        // left to orphan cleanup (as the manifest lists are).
        if (!everUnknown && appends.length === 1) await this.#deleteUnused(toCommit.map(({ p }) => p));
        log.debug('snapshots committed', { attempt, tables: toCommit.length });
        return done(attempt);
      } catch (error) {
        lastError = error;
        if (error instanceof CommitConflictError) {
          // A single table's 409 rejects the attempt: its manifest list is garbage. A
          // multi-table 409 may follow a partial apply (a non-atomic server), and an
          // earlier unknown outcome may land late: those lists are left to orphan cleanup.
          for (const { p } of toCommit) {
            if (p.prepared && toCommit.length === 1 && !everUnknown)
              await this.#io.delete(p.prepared.manifestListPath).catch(() => undefined);
            p.prepared = undefined;
          }
          log.info('commit conflict; rebasing on the new table state', { attempt, reason: error.message });
        } else if (error instanceof CommitStateUnknownError) {
          outcomeUnknown = true;
          everUnknown = true;
          log.warn('commit outcome unknown; will reconcile before retrying', { attempt, err: error });
        } else {
          throw error;
        }
        await this.#sleep(backoffDelayMs(attempt - 1, this.#retry));
      }
    }
    throw new CommitConflictError(
      `gave up committing to ${names} after ${this.#retry.maxAttempts} attempts`,
      { table: names, commitId },
      { cause: lastError },
    );
  }

  /**
   * The attempt on `metadata`. A manifest list or manifest of the base that is
   * gone means the base is stale (main moved on and snapshot expiry deleted the
   * files only older snapshots reached): a conflict, rebased on a fresh load.
   */
  async #build(
    metadata: TableMetadata,
    manifests: readonly NewManifest[],
    args: Parameters<typeof buildAppendAttempt>[3],
  ): Promise<AppendAttempt> {
    try {
      return await buildAppendAttempt(this.#io, metadata, manifests, args);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      throw new CommitConflictError(
        `a file of the base snapshot is gone (expired meanwhile?): ${(error as Error).message}`,
        { table: metadata.location },
        { cause: error },
      );
    }
  }

  async #deleteUnused(committed: readonly Pending[]): Promise<void> {
    for (const p of committed) {
      for (const path of unusedMerged(p.merged, p.prepared?.manifests ?? []))
        await this.#io.delete(path).catch(() => undefined);
    }
  }

  async #send(pending: readonly Pending[]): Promise<LoadedTable[]> {
    if (pending.length === 1) {
      const { append, prepared } = pending[0]!;
      return [await this.#catalog.commitTable(append.id, prepared!.requirements, prepared!.updates)];
    }
    return this.#catalog.commitTables(
      pending.map(({ append, prepared }) => ({
        identifier: append.id,
        requirements: prepared!.requirements,
        updates: prepared!.updates,
      })),
    );
  }

  /** Loads the table; after an unknown outcome keeps trying until the catalog answers. */
  async #reload(id: TableIdentifier, persistent: boolean): Promise<TableMetadata> {
    const deadline = this.#now() + this.#reconcileTimeoutMs;
    for (let retry = 0; ; retry++) {
      try {
        return (await this.#catalog.loadTable(id)).metadata;
      } catch (error) {
        if (error instanceof NoSuchTableError || (!persistent && retry >= 3) || this.#now() > deadline)
          throw error;
        this.#log.warn('catalog did not answer a table load; retrying', { err: error, retry });
        await this.#sleep(backoffDelayMs(retry, { maxAttempts: 0, baseDelayMs: 200, maxDelayMs: 10_000 }));
      }
    }
  }
}

/** The snapshot on main's ancestry whose summary carries `commitId`, if any. */
export function findCommit(metadata: TableMetadata, commitId: string): bigint | undefined {
  const head = branchHead(metadata, 'main');
  if (head === undefined) return undefined;
  for (const snapshot of ancestors(metadata, head.snapshotId)) {
    if (snapshot.summary[COMMIT_ID_PROPERTY] === commitId) return snapshot.snapshotId;
  }
  return undefined;
}
