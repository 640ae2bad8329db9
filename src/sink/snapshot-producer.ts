// Fast append (spec: "Snapshots", "Manifest Lists"; REST: CommitTableRequest):
// new data files go into new manifests, the parent's manifests are carried
// forward, and the snapshot is committed with assert-table-uuid and
// assert-ref-snapshot-id(main = base). Conflicts rebase on the fresh table; an
// unknown outcome is reconciled by finding our commit id in main's ancestry
// before anything else, and its files are never deleted.
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { crashPoint } from '../crash-points.ts';
import { CommitConflictError, CommitStateUnknownError, NoSuchTableError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { ancestors, branchHead } from '../iceberg/table-metadata.ts';
import type { Schema } from '../iceberg/types.ts';
import type { FileIO } from '../io/file-io.ts';
import { backoffDelayMs, type RetryPolicy, sleepMs } from '../io/retry.ts';
import { type Logger, silentLogger } from '../log.ts';
import { type AppendAttempt, buildAppendAttempt, writeNewManifests } from './append-files.ts';
import { newCommitId, newSnapshotId } from './snapshot-ids.ts';

export const COMMIT_ID_PROPERTY = 'floe.commit-id';

/** What to do with the batch, decided on the freshly loaded table before every attempt. */
export type CommitDecision =
  | {
      readonly kind: 'commit';
      /** Extra snapshot summary properties (e.g. committed offsets). */
      readonly summary?: Readonly<Record<string, string>>;
      /** The schema the data files were written with, when it is not yet the table's current one. */
      readonly schema?: Schema;
    }
  /** The table already holds this batch. */
  | { readonly kind: 'skip'; readonly reason: string }
  /** The batch must never be committed (another writer owns its range now). */
  | { readonly kind: 'abort'; readonly reason: string };

export interface AppendRequest {
  readonly dataFiles: readonly DataFile[];
  readonly decide: (table: TableMetadata) => CommitDecision;
}

export type AppendResult =
  | {
      readonly kind: 'committed';
      readonly snapshotId: bigint;
      readonly commitId: string;
      readonly metadata: TableMetadata;
      readonly attempts: number;
    }
  | { readonly kind: 'skipped' | 'aborted'; readonly reason: string; readonly attempts: number };

export interface SnapshotProducerOptions {
  readonly conflictRetry?: RetryPolicy;
  /** How long to keep reloading when the catalog does not answer after an unknown outcome. */
  readonly reconcileTimeoutMs?: number;
  readonly log?: Logger;
  readonly now?: () => number;
}

const DEFAULT_CONFLICT_RETRY: RetryPolicy = { maxAttempts: 12, baseDelayMs: 50, maxDelayMs: 5_000 };

export class SnapshotProducer {
  readonly #catalog: Catalog;
  readonly #io: FileIO;
  readonly #retry: RetryPolicy;
  readonly #reconcileTimeoutMs: number;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(catalog: Catalog, io: FileIO, options: SnapshotProducerOptions = {}) {
    this.#catalog = catalog;
    this.#io = io;
    this.#retry = options.conflictRetry ?? DEFAULT_CONFLICT_RETRY;
    this.#reconcileTimeoutMs = options.reconcileTimeoutMs ?? 10 * 60_000;
    this.#log = options.log ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  async append(id: TableIdentifier, request: AppendRequest): Promise<AppendResult> {
    const commitId = newCommitId();
    const log = this.#log.child({ table: [...id.namespace, id.name].join('.'), commitId });
    let snapshotId: bigint | undefined;
    let manifests: Awaited<ReturnType<typeof writeNewManifests>> | undefined;
    let outcomeUnknown = false;
    let lastError: unknown;

    for (let attempt = 1; attempt <= this.#retry.maxAttempts; attempt++) {
      const metadata = await this.#reload(id, outcomeUnknown);
      if (outcomeUnknown) {
        const landed = findCommit(metadata, commitId);
        if (landed !== undefined) {
          log.info('commit outcome was unknown; found it committed', {
            snapshotId: landed.toString(),
            attempt,
          });
          return { kind: 'committed', snapshotId: landed, commitId, metadata, attempts: attempt };
        }
        outcomeUnknown = false;
      }
      const decision = request.decide(metadata);
      if (decision.kind !== 'commit') {
        log.info(`batch not committed: ${decision.reason}`, { decision: decision.kind, attempt });
        return {
          kind: decision.kind === 'skip' ? 'skipped' : 'aborted',
          reason: decision.reason,
          attempts: attempt,
        };
      }
      snapshotId ??= newSnapshotId(metadata);
      manifests ??= await writeNewManifests(this.#io, metadata, request.dataFiles, { snapshotId, commitId });
      let prepared: AppendAttempt | undefined;
      try {
        prepared = await buildAppendAttempt(this.#io, metadata, manifests, {
          snapshotId,
          commitId,
          attempt,
          nowMs: this.#now(),
          summary: { ...decision.summary, [COMMIT_ID_PROPERTY]: commitId },
          schema: decision.schema,
        });
        crashPoint('before-catalog-commit');
        const committed = await this.#catalog.commitTable(id, prepared.requirements, prepared.updates);
        crashPoint('after-catalog-commit');
        log.debug('snapshot committed', { snapshotId: snapshotId.toString(), attempt });
        return { kind: 'committed', snapshotId, commitId, metadata: committed.metadata, attempts: attempt };
      } catch (error) {
        lastError = error;
        if (error instanceof CommitConflictError) {
          // Definitively rejected: this attempt's manifest list is garbage.
          if (prepared) await this.#io.delete(prepared.manifestListPath).catch(() => undefined);
          log.info('commit conflict; rebasing on the new table state', { attempt, reason: error.message });
        } else if (error instanceof CommitStateUnknownError) {
          outcomeUnknown = true;
          log.warn('commit outcome unknown; will reconcile before retrying', { attempt, err: error });
        } else {
          throw error;
        }
        await sleepMs(backoffDelayMs(attempt - 1, this.#retry));
      }
    }
    throw new CommitConflictError(
      `gave up committing to ${[...id.namespace, id.name].join('.')} after ${this.#retry.maxAttempts} attempts`,
      { table: [...id.namespace, id.name].join('.'), commitId },
      { cause: lastError },
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
        await sleepMs(backoffDelayMs(retry, { maxAttempts: 0, baseDelayMs: 200, maxDelayMs: 10_000 }));
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
