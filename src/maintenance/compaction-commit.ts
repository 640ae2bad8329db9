// The replace snapshot of a compaction (spec: "Snapshots", operation `replace`;
// "Sequence Numbers"). Every attempt starts from the freshly loaded table and
// validates, as Iceberg's RewriteFiles does, that every file being replaced (and
// every delete file removed with them) is still live on main and that no delete
// file that may apply to a replaced file arrived since the plan's snapshot;
// otherwise the rewrite is stale (the caller re-plans) and nothing of it lands,
// so a file removed meanwhile is never resurrected and a row deleted meanwhile
// never comes back. The file-scoped position-delete files of the replaced files
// (their rows were left out of the new files) are removed in the same snapshot.
// Manifests holding replaced or removed files are rewritten (those entries DELETED, the rest EXISTING with their
// snapshot ids and sequence numbers); the others are carried as they are. The
// new files keep the data sequence number of the plan's snapshot, so deletes
// committed after it still apply to their rows. The offsets floe keeps in
// snapshot summaries (`floe.offsets.*`) are carried onto the replace snapshot, so
// main's newest snapshot always has them; table properties are left as they are.
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { crashPoint } from '../crash-points.ts';
import { CommitConflictError, CommitStateUnknownError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { encodeManifest } from '../iceberg/manifest.ts';
import { ENTRY_STATUS, type ManifestEntry } from '../iceberg/manifest-entry.ts';
import { describeManifest, encodeManifestList, type ManifestFile } from '../iceberg/manifest-list.ts';
import { assignRowIds } from '../iceberg/row-lineage.ts';
import type { Snapshot } from '../iceberg/snapshot.ts';
import {
  ancestors,
  branchHead,
  currentSchema,
  specById,
  type TableMetadata,
} from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { backoffDelayMs, type RetryPolicy, sleepMs } from '../io/retry.ts';
import { type Logger, silentLogger } from '../log.ts';
import { vectorKey } from '../sink/deletion-vector-lookup.ts';
import { newCommitId, newSnapshotId, newSyncMarker } from '../sink/snapshot-ids.ts';
import { COMMIT_ID_PROPERTY, findCommit } from '../sink/snapshot-producer.ts';
import { metadataDirectory } from '../sink/table-paths.ts';
import { readSnapshotFiles } from './compaction-files.ts';
import { replaceSummary } from './compaction-summary.ts';
import { type RewriteToValidate, staleReason } from './compaction-validation.ts';

/** Summary keys floe's offsets live under; carried onto every replace snapshot. */
export const CARRIED_SUMMARY_PREFIX = 'floe.offsets.';

export interface RewriteCommit extends RewriteToValidate {
  readonly id: TableIdentifier;
  /** New data files (they get the sequence number of startSnapshot, the snapshot the plan read). */
  readonly added: readonly DataFile[];
}

export type RewriteOutcome =
  | {
      readonly kind: 'committed';
      readonly snapshotId: bigint;
      readonly metadata: TableMetadata;
      readonly attempts: number;
    }
  | {
      readonly kind: 'stale';
      readonly reason: string;
      readonly attempts: number;
      /** An earlier attempt's outcome was unknown: keep its files (orphan cleanup takes them after the safety age). */
      readonly mayHaveLanded: boolean;
    };

export interface RewriteCommitOptions {
  readonly retry?: RetryPolicy;
  readonly log?: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5_000 };

export async function commitRewrite(
  catalog: Catalog,
  io: FileIO,
  request: RewriteCommit,
  options: RewriteCommitOptions = {},
): Promise<RewriteOutcome> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const log = options.log ?? silentLogger;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepMs;
  const commitId = newCommitId();
  let unknown = false;
  let lastError: unknown;
  let added: { manifests: ManifestFile[]; snapshotId: bigint } | undefined;
  for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
    const metadata = (await catalog.loadTable(request.id)).metadata;
    if (unknown) {
      const landed = findCommit(metadata, commitId);
      if (landed !== undefined) return { kind: 'committed', snapshotId: landed, metadata, attempts: attempt };
    }
    const head = branchHead(metadata, 'main');
    if (head === undefined)
      return {
        kind: 'stale',
        reason: 'the table has no snapshot on main',
        attempts: attempt,
        mayHaveLanded: unknown,
      };
    const files = await readSnapshotFiles(io, metadata, head);
    const stale = staleReason(files.manifests, request);
    if (stale !== undefined) {
      // Nothing of this commit landed (else it was found above): its manifests are garbage.
      if (!unknown) await deleteQuietly(io, added?.manifests.map((m) => m.manifestPath) ?? []);
      return { kind: 'stale', reason: stale, attempts: attempt, mayHaveLanded: unknown };
    }

    const snapshotId = added?.snapshotId ?? newSnapshotId(metadata);
    added ??= {
      manifests: await writeAddedManifests(io, metadata, request, snapshotId, commitId),
      snapshotId,
    };
    // By file and blob: one Puffin file holds the vectors of several data files,
    // and only those of the files rewritten here go (the others stay live).
    const removedPaths = new Set([...request.replaced, ...(request.removedDeletes ?? [])].map(vectorKey));
    const list: ManifestFile[] = [...added.manifests];
    const rewritten: string[] = [];
    for (const [index, { manifest, live }] of files.manifests.entries()) {
      if (!live.some((e) => removedPaths.has(vectorKey(e.dataFile)))) {
        list.push(manifest);
        continue;
      }
      const entries: ManifestEntry[] = live.map((e) =>
        removedPaths.has(vectorKey(e.dataFile))
          ? { ...e, status: ENTRY_STATUS.DELETED, snapshotId }
          : { ...e, status: ENTRY_STATUS.EXISTING },
      );
      const path = `${metadataDirectory(metadata)}/${commitId}-a${attempt}-r${index}.avro`;
      const content = manifest.content === 0 ? 'data' : 'deletes';
      list.push(
        await writeManifest(io, metadata, path, entries, manifest.partitionSpecId, snapshotId, content),
      );
      rewritten.push(path);
    }
    const sequenceNumber = metadata.lastSequenceNumber + 1;
    const listPath = `${metadataDirectory(metadata)}/snap-${snapshotId}-${attempt}-${commitId}.avro`;
    // v3: the new and rewritten data manifests get row-id ranges; the moved rows keep theirs
    // (written as columns), the files copied into rewritten manifests theirs (explicit first_row_id).
    const lineage = metadata.formatVersion >= 3 ? assignRowIds(list, metadata.nextRowId ?? 0n) : undefined;
    await io.write(
      listPath,
      encodeManifestList(lineage?.manifests ?? list, {
        snapshotId,
        parentSnapshotId: head.snapshotId,
        sequenceNumber,
        formatVersion: metadata.formatVersion,
        ...(lineage ? { firstRowId: lineage.firstRowId } : {}),
        syncMarker: newSyncMarker(),
      }),
    );
    const snapshot: Snapshot = {
      snapshotId,
      parentSnapshotId: head.snapshotId,
      sequenceNumber,
      timestampMs: now(),
      manifestList: listPath,
      summary: {
        ...replaceSummary(head.summary, request.replaced, request.added, request.removedDeletes ?? []),
        ...carriedSummary(metadata, head),
        [COMMIT_ID_PROPERTY]: commitId,
      },
      schemaId: currentSchema(metadata).schemaId,
      ...(lineage ? { firstRowId: lineage.firstRowId, addedRows: lineage.addedRows } : {}),
    };
    try {
      crashPoint('before-compaction-commit');
      const loaded = await catalog.commitTable(
        request.id,
        [
          { type: 'assert-table-uuid', uuid: metadata.tableUuid },
          { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: head.snapshotId },
        ],
        [
          { action: 'add-snapshot', snapshot },
          { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId },
        ],
      );
      return { kind: 'committed', snapshotId, metadata: loaded.metadata, attempts: attempt };
    } catch (error) {
      lastError = error;
      if (error instanceof CommitConflictError) {
        // This attempt's list and rewritten manifests are garbage (the next one writes its own).
        if (!unknown) await deleteQuietly(io, [listPath, ...rewritten]);
        log.info('compaction commit conflict; validating again on the new table state', {
          attempt,
          reason: error.message,
        });
      } else if (error instanceof CommitStateUnknownError) {
        unknown = true;
        log.warn('compaction commit outcome unknown; will look for it before retrying', {
          attempt,
          err: error,
        });
      } else throw error;
      await sleep(backoffDelayMs(attempt - 1, retry));
    }
  }
  throw new CommitConflictError(
    `gave up committing a compaction after ${retry.maxAttempts} attempts`,
    { commitId },
    { cause: lastError },
  );
}

async function deleteQuietly(io: FileIO, paths: readonly string[]): Promise<void> {
  for (const path of paths) await io.delete(path).catch(() => undefined);
}

/** Each `floe.offsets.*` key from the newest ancestor of main that carries it. */
function carriedSummary(metadata: TableMetadata, head: Snapshot): Record<string, string> {
  const carried: Record<string, string> = {};
  for (const snapshot of ancestors(metadata, head.snapshotId)) {
    for (const [key, value] of Object.entries(snapshot.summary)) {
      if (key.startsWith(CARRIED_SUMMARY_PREFIX) && !(key in carried)) carried[key] = value;
    }
  }
  return carried;
}

/** One manifest per partition spec of the new files; written once, reused by every attempt. */
async function writeAddedManifests(
  io: FileIO,
  metadata: TableMetadata,
  request: RewriteCommit,
  snapshotId: bigint,
  commitId: string,
): Promise<ManifestFile[]> {
  const bySpec = new Map<number, ManifestEntry[]>();
  for (const dataFile of request.added) {
    const entry: ManifestEntry = {
      status: ENTRY_STATUS.ADDED,
      snapshotId,
      sequenceNumber: request.startSnapshot.sequenceNumber,
      fileSequenceNumber: null,
      dataFile,
    };
    bySpec.set(dataFile.specId, [...(bySpec.get(dataFile.specId) ?? []), entry]);
  }
  const manifests: ManifestFile[] = [];
  for (const [specId, entries] of bySpec) {
    const path = `${metadataDirectory(metadata)}/${commitId}-m${manifests.length}.avro`;
    manifests.push(await writeManifest(io, metadata, path, entries, specId, snapshotId));
  }
  return manifests;
}

async function writeManifest(
  io: FileIO,
  metadata: TableMetadata,
  path: string,
  entries: readonly ManifestEntry[],
  specId: number,
  snapshotId: bigint,
  content: 'data' | 'deletes' = 'data',
): Promise<ManifestFile> {
  const spec = specById(metadata, specId);
  const schema = currentSchema(metadata);
  const bytes = encodeManifest(entries, {
    schema,
    spec,
    formatVersion: metadata.formatVersion,
    content,
    syncMarker: newSyncMarker(),
  });
  await io.write(path, bytes);
  return describeManifest(entries, {
    manifestPath: path,
    manifestLength: bytes.length,
    spec,
    schema,
    content: content === 'data' ? 0 : 1,
    snapshotId,
  });
}
