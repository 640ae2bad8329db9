// The live data file entries of a snapshot, with the snapshot ids and sequence
// numbers they inherit from their manifests filled in (what a rewrite carries over).
import { decodeManifest } from '../../src/iceberg/manifest.ts';
import {
  ENTRY_STATUS,
  inheritManifestMetadata,
  type ManifestEntry,
} from '../../src/iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import type { Snapshot } from '../../src/iceberg/snapshot.ts';
import type { FileIO } from '../../src/io/file-io.ts';

export async function liveEntries(io: FileIO, snapshot: Snapshot): Promise<Array<{ entry: ManifestEntry }>> {
  const out: Array<{ entry: ManifestEntry }> = [];
  for (const manifest of decodeManifestList(await io.read(snapshot.manifestList))) {
    if (manifest.content !== 0) continue;
    for (const entry of decodeManifest(await io.read(manifest.manifestPath)).entries) {
      if (entry.status === ENTRY_STATUS.DELETED) continue;
      out.push({ entry: inheritManifestMetadata(entry, manifest) });
    }
  }
  return out;
}
