// Deleting a dropped table's files (drop with purge): every metadata file the
// current one knows of, each snapshot's manifest list, the manifests, and the
// data and delete files they reference. Best effort: a file that cannot be read
// or deleted is logged and skipped, because the table is already gone from the
// catalog and nothing can retry the drop.
import { decodeManifest } from '../../iceberg/manifest.ts';
import { decodeManifestList } from '../../iceberg/manifest-list.ts';
import type { TableMetadata } from '../../iceberg/table-metadata.ts';
import type { FileIO } from '../../io/file-io.ts';
import type { Logger } from '../../log.ts';

export async function purgeTableFiles(
  io: FileIO,
  metadata: TableMetadata,
  metadataLocation: string,
  logger: Logger,
): Promise<void> {
  const doomed = new Set<string>();
  const manifests = new Set<string>();
  for (const snapshot of metadata.snapshots) {
    doomed.add(snapshot.manifestList);
    const list = await readOrWarn(io, snapshot.manifestList, logger);
    if (list === undefined) continue;
    try {
      for (const manifest of decodeManifestList(list)) manifests.add(manifest.manifestPath);
    } catch (err) {
      logger.warn('purge: cannot decode manifest list; its manifests stay', {
        err,
        path: snapshot.manifestList,
      });
    }
  }
  for (const manifestPath of manifests) {
    doomed.add(manifestPath);
    const bytes = await readOrWarn(io, manifestPath, logger);
    if (bytes === undefined) continue;
    try {
      for (const entry of decodeManifest(bytes).entries) doomed.add(entry.dataFile.filePath);
    } catch (err) {
      logger.warn('purge: cannot decode manifest; its data files stay', { err, path: manifestPath });
    }
  }
  for (const entry of metadata.metadataLog) doomed.add(entry.metadataFile);
  // the current metadata file goes last: while it exists, the files above can still be found from it
  doomed.delete(metadataLocation);
  for (const path of doomed) await deleteOrWarn(io, path, logger);
  await deleteOrWarn(io, metadataLocation, logger);
}

async function readOrWarn(io: FileIO, path: string, logger: Logger): Promise<Uint8Array | undefined> {
  try {
    return await io.read(path);
  } catch (err) {
    logger.warn('purge: cannot read file; the files it references stay', { err, path });
    return undefined;
  }
}

async function deleteOrWarn(io: FileIO, path: string, logger: Logger): Promise<void> {
  try {
    await io.delete(path);
  } catch (err) {
    logger.warn('purge: cannot delete file', { err, path });
  }
}
