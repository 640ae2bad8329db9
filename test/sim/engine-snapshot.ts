// The second engine's snapshots (second-engine.ts): one manifest listing the
// data files a change adds (new), keeps (existing) and removes (deleted), and a
// manifest list on main's head that carries the parent's manifests (an append
// keeps them all, a replace only the delete manifests, its data files listed
// anew), both v2 files written as the engine writes them; the snapshot's
// summary names the engine and carries no floe offsets.
import { randomBytes } from 'node:crypto';
import type { DataFile } from '../../src/iceberg/data-file.ts';
import { encodeManifest } from '../../src/iceberg/manifest.ts';
import { ENTRY_STATUS, type ManifestEntry } from '../../src/iceberg/manifest-entry.ts';
import {
  decodeManifestList,
  encodeManifestList,
  type ManifestFile,
  summarizePartitions,
} from '../../src/iceberg/manifest-list.ts';
import type { Snapshot } from '../../src/iceberg/snapshot.ts';
import { branchHead, currentSchema, specById, type TableMetadata } from '../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../src/io/file-io.ts';

/** What one engine snapshot changes; an append without removals keeps the parent's manifests. */
export interface EngineChange {
  readonly operation: 'append' | 'replace';
  readonly added: readonly DataFile[];
  readonly kept: readonly ManifestEntry[];
  readonly removed: readonly ManifestEntry[];
}

/** A commit with no data: a snapshot an engine makes without adding rows. */
export const EMPTY_APPEND: EngineChange = { operation: 'append', added: [], kept: [], removed: [] };

/**
 * Writes the manifest (when the change lists any file) and the manifest list of
 * `change` on main's head of `metadata`, and returns the snapshot to add; `now`
 * is read once both are written.
 */
export async function writeEngineSnapshot(
  io: FileIO,
  metadata: TableMetadata,
  change: EngineChange,
  now: () => number,
): Promise<Snapshot> {
  const { operation, added, kept, removed } = change;
  const head = branchHead(metadata, 'main');
  const snapshotId = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  const sequenceNumber = metadata.lastSequenceNumber + 1;
  const schema = currentSchema(metadata);
  const spec = specById(metadata, metadata.defaultSpecId);
  const base = `${metadata.location.replace(/\/+$/, '')}/metadata/engine-${snapshotId}`;
  const entries: ManifestEntry[] = [
    ...added.map((dataFile) => ({
      status: ENTRY_STATUS.ADDED,
      snapshotId,
      sequenceNumber: null,
      fileSequenceNumber: null,
      dataFile,
    })),
    ...kept.map((e) => ({ ...e, status: ENTRY_STATUS.EXISTING })),
    ...removed.map((e) => ({ ...e, status: ENTRY_STATUS.DELETED, snapshotId })),
  ];
  const manifests: ManifestFile[] = [];
  if (entries.length > 0) {
    const bytes = encodeManifest(entries, {
      schema,
      spec,
      formatVersion: 2,
      content: 'data',
      syncMarker: randomBytes(16),
    });
    await io.write(`${base}-m0.avro`, bytes);
    const count = (s: number) => entries.filter((e) => e.status === s);
    const rows = (s: number) => count(s).reduce((n, e) => n + e.dataFile.recordCount, 0);
    manifests.push({
      manifestPath: `${base}-m0.avro`,
      manifestLength: bytes.length,
      partitionSpecId: spec.specId,
      content: 0,
      sequenceNumber,
      minSequenceNumber: Math.min(
        sequenceNumber,
        ...[...kept, ...removed].map((e) => e.sequenceNumber ?? sequenceNumber),
      ),
      addedSnapshotId: snapshotId,
      addedFilesCount: count(ENTRY_STATUS.ADDED).length,
      existingFilesCount: count(ENTRY_STATUS.EXISTING).length,
      deletedFilesCount: count(ENTRY_STATUS.DELETED).length,
      addedRowsCount: rows(ENTRY_STATUS.ADDED),
      existingRowsCount: rows(ENTRY_STATUS.EXISTING),
      deletedRowsCount: rows(ENTRY_STATUS.DELETED),
      partitions: summarizePartitions(
        spec,
        schema,
        entries.map((e) => e.dataFile),
      ),
    });
  }
  // An append keeps every manifest; a replace lists the data files anew and keeps the deletes.
  const parents = head ? decodeManifestList(await io.read(head.manifestList)) : [];
  const carried = parents.filter((m) => operation === 'append' || m.content !== 0);
  const listPath = `${base}-list.avro`;
  await io.write(
    listPath,
    encodeManifestList([...manifests, ...carried], {
      snapshotId,
      parentSnapshotId: head?.snapshotId ?? null,
      sequenceNumber,
      formatVersion: 2,
      syncMarker: randomBytes(16),
    }),
  );
  return {
    snapshotId,
    ...(head ? { parentSnapshotId: head.snapshotId } : {}),
    sequenceNumber,
    timestampMs: now(),
    manifestList: listPath,
    summary: {
      operation,
      'engine-id': 'sim-engine',
      'added-data-files': String(added.length),
      'added-records': String(added.reduce((n, f) => n + f.recordCount, 0)),
    },
    schemaId: schema.schemaId,
  };
}
