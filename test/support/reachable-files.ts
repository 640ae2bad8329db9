// Every file a table's metadata reaches (each snapshot's manifest list, every
// manifest in them, every data and delete file in those), and which of them are
// missing: after maintenance, none may be.

import { decodeManifest } from '../../src/iceberg/manifest.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import type { TableMetadata } from '../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../src/io/file-io.ts';

export async function reachableFiles(io: FileIO, metadata: TableMetadata): Promise<Set<string>> {
  const reached = new Set<string>();
  for (const snapshot of metadata.snapshots) {
    reached.add(snapshot.manifestList);
    if (!(await io.exists(snapshot.manifestList))) continue;
    for (const manifest of decodeManifestList(await io.read(snapshot.manifestList))) {
      if (reached.has(manifest.manifestPath)) continue;
      reached.add(manifest.manifestPath);
      if (!(await io.exists(manifest.manifestPath))) continue;
      for (const entry of decodeManifest(await io.read(manifest.manifestPath)).entries)
        if (entry.status !== 2) reached.add(entry.dataFile.filePath);
    }
  }
  return reached;
}

/** The reached files that do not exist. */
export async function missingFiles(io: FileIO, metadata: TableMetadata): Promise<string[]> {
  const missing: string[] = [];
  for (const path of await reachableFiles(io, metadata)) if (!(await io.exists(path))) missing.push(path);
  return missing.sort();
}
