// Another engine's `replace` on main, as a compaction that leaves floe's
// older files: a new snapshot whose manifest list keeps only the manifests the
// current snapshot added, so every file the earlier snapshots added is reached
// by them alone (what snapshot expiry then deletes).
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { decodeManifestList, encodeManifestList } from '../../src/iceberg/manifest-list.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../src/io/file-io.ts';

export async function commitForeignReplace(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  snapshot: { readonly snapshotId: bigint; readonly timestampMs: number },
): Promise<void> {
  const { metadata } = await catalog.loadTable(id);
  const head = branchHead(metadata)!;
  const own = decodeManifestList(await io.read(head.manifestList)).filter(
    (m) => m.addedSnapshotId === head.snapshotId,
  );
  const manifestList = `${metadata.location}/metadata/snap-replace-${snapshot.snapshotId}.avro`;
  const sequenceNumber = metadata.lastSequenceNumber + 1;
  await io.write(
    manifestList,
    encodeManifestList(own, {
      snapshotId: snapshot.snapshotId,
      parentSnapshotId: head.snapshotId,
      sequenceNumber,
      formatVersion: 2,
      syncMarker: new Uint8Array(16),
    }),
  );
  await catalog.commitTable(
    id,
    [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: head.snapshotId }],
    [
      {
        action: 'add-snapshot',
        snapshot: {
          snapshotId: snapshot.snapshotId,
          parentSnapshotId: head.snapshotId,
          sequenceNumber,
          timestampMs: snapshot.timestampMs,
          manifestList,
          summary: { operation: 'replace' },
        },
      },
      { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: snapshot.snapshotId },
    ],
  );
}
