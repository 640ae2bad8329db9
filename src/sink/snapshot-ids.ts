// Fresh identifiers for snapshots, commits and files. Snapshot ids are positive
// 63-bit integers (spec: "Snapshots"), random so that concurrent writers never
// pick the same one; the table is checked for a collision anyway.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TableMetadata } from '../iceberg/table-metadata.ts';

export function newSnapshotId(metadata?: TableMetadata): bigint {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
    if (id === 0n) continue;
    if (metadata?.snapshots.some((s) => s.snapshotId === id)) continue;
    return id;
  }
}

export function newCommitId(): string {
  return randomUUID();
}

/** 16 random bytes for an Avro container file's sync marker. */
export function newSyncMarker(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}
