// The Iceberg side of the CDC chain test: how far a floe connector's table has
// committed its topic (the offsets in its snapshot summary), and what files the
// table's current snapshot holds (data, position-delete and equality-delete files).
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { decodeManifest } from '../../src/iceberg/manifest.ts';
import { ENTRY_STATUS } from '../../src/iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import { branchHead, specById, type TableMetadata } from '../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import type { WorkerProcess } from './worker-process.ts';

export interface CdcTarget {
  /** The floe connector (its file name). */
  readonly connector: string;
  readonly topic: string;
  readonly table: string;
}

/** The next offset the table records for the topic (partitions summed); 0 before its first commit. */
export async function committedOffset(catalog: Catalog, target: CdcTarget): Promise<number> {
  try {
    const { metadata } = await catalog.loadTable(parseTableIdentifier(target.table));
    const offsets = committedOffsets(metadata, target.connector).get(target.topic) ?? new Map();
    return [...offsets.values()].reduce((n, o) => n + Number(o), 0);
  } catch {
    return 0;
  }
}

/** Waits until every table records at least its offset in `atLeast`; throws when the worker exits or time runs out. */
export async function waitForCommitted(
  catalog: Catalog,
  atLeast: ReadonlyMap<CdcTarget, number>,
  worker: WorkerProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const have = await Promise.all([...atLeast.keys()].map((t) => committedOffset(catalog, t)));
    if ([...atLeast.values()].every((n, i) => have[i]! >= n)) return;
    if (worker.child.exitCode !== null || worker.child.signalCode !== null)
      throw new Error(`the floe worker exited:\n${worker.lines.slice(-30).join('\n')}`);
    if (Date.now() > deadline) {
      const lines = [...atLeast].map(([t, n], i) => `${t.table}: offset ${have[i]} of ${n}`);
      throw new Error(
        `floe did not commit the topics in ${timeoutMs} ms:\n  ${lines.join('\n  ')}\n` +
          `last worker lines:\n${worker.lines.slice(-15).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface TableFiles {
  readonly snapshots: number;
  readonly dataFiles: number;
  readonly positionDeleteFiles: number;
  readonly equalityDeleteFiles: number;
  /** Snapshots whose summary says they added equality-delete files. */
  readonly snapshotsAddingEqualityDeletes: number;
  /** Snapshots whose summary says they added position-delete files. */
  readonly snapshotsAddingPositionDeletes: number;
  /** Snapshots of operation replace (compaction: floe run's table maintenance, or another engine's). */
  readonly replaceSnapshots: number;
}

/** The live files of the table's main branch, by content, and its snapshot count. */
export async function tableFiles(io: FileIO, metadata: TableMetadata): Promise<TableFiles> {
  const counts = { dataFiles: 0, positionDeleteFiles: 0, equalityDeleteFiles: 0 };
  const head = branchHead(metadata, 'main');
  if (head !== undefined) {
    for (const manifest of decodeManifestList(await io.read(head.manifestList))) {
      const spec = specById(metadata, manifest.partitionSpecId);
      for (const entry of decodeManifest(await io.read(manifest.manifestPath), spec).entries) {
        if (entry.status === ENTRY_STATUS.DELETED) continue;
        const content = entry.dataFile.content;
        if (content === 0) counts.dataFiles++;
        else if (content === 1) counts.positionDeleteFiles++;
        else counts.equalityDeleteFiles++;
      }
    }
  }
  return {
    snapshots: metadata.snapshots.length,
    ...counts,
    snapshotsAddingEqualityDeletes: metadata.snapshots.filter(
      (s) => Number(s.summary['added-equality-delete-files'] ?? 0) > 0,
    ).length,
    snapshotsAddingPositionDeletes: metadata.snapshots.filter(
      (s) => Number(s.summary['added-position-delete-files'] ?? 0) > 0,
    ).length,
    replaceSnapshots: metadata.snapshots.filter((s) => s.summary.operation === 'replace').length,
  };
}
