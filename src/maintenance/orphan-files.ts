// Orphan files: files under a table's location that no metadata reaches. What
// is reachable is everything any retained metadata file names (the current one
// and every one in its metadata log that still exists): the metadata files
// themselves, every snapshot's manifest list (all snapshots, so every branch and
// tag), every manifest in those lists, every data and delete file in those
// manifests (entries of any status), and statistics files. A file is removed
// only when nothing reaches it AND it is older than the safety age: a writer
// that has uploaded files but not committed yet (or whose commit outcome is
// still unknown) is protected by that age, never by a guess. A table with
// gc.enabled=false is refused (as Iceberg's DeleteOrphanFiles does): it shares
// its files with another table. The metadata files, manifest lists and
// manifests are read, and the orphans deleted, a bounded number at a time
// (concurrent-map.ts).
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import { FloeError } from '../errors.ts';
import { decodeManifest } from '../iceberg/manifest.ts';
import { decodeManifestList } from '../iceberg/manifest-list.ts';
import { GC_ENABLED_PROPERTY, gcEnabled } from '../iceberg/snapshot-expiry.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { parseTableMetadata } from '../iceberg/table-metadata-json.ts';
import { type FileInfo, type FileIO, isNotFound } from '../io/file-io.ts';
import { type Logger, silentLogger } from '../log.ts';
import { forEachConcurrently, MAINTENANCE_IO_CONCURRENCY, mapConcurrently } from './concurrent-map.ts';

export const DEFAULT_ORPHAN_AGE_MS = 3 * 24 * 3_600_000;

export interface OrphanOptions {
  /** Only files last modified longer ago than this are removed (default 3 days). */
  readonly olderThanMs?: number;
  /** List them, remove nothing. */
  readonly dryRun?: boolean;
  readonly now?: () => number;
  readonly log?: Logger;
  /** Files read, and orphans deleted, at once (default MAINTENANCE_IO_CONCURRENCY; 1: one at a time). */
  readonly concurrency?: number;
}

export interface OrphanResult {
  readonly table: string;
  readonly location: string;
  /** Files listed under the location. */
  readonly listed: number;
  readonly reachable: number;
  /** Unreachable and older than the safety age (removed unless dry run). */
  readonly orphans: readonly FileInfo[];
  /** Unreachable but younger than the safety age: kept. */
  readonly tooYoung: number;
  readonly removed: number;
  readonly dryRun: boolean;
}

export async function removeOrphanFiles(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  options: OrphanOptions = {},
): Promise<OrphanResult> {
  const table = formatTableIdentifier(id);
  const log = (options.log ?? silentLogger).child({ table });
  const olderThanMs = options.olderThanMs ?? DEFAULT_ORPHAN_AGE_MS;
  const dryRun = options.dryRun ?? false;
  const concurrency = options.concurrency ?? MAINTENANCE_IO_CONCURRENCY;
  // The cut-off is taken before anything is read: a file written after it is never a candidate.
  const cutoff = (options.now ?? Date.now)() - olderThanMs;
  const { metadata, metadataLocation } = await catalog.loadTable(id);
  if (!gcEnabled(metadata.properties)) {
    throw new FloeError(
      `table ${table}: orphan files are not removed: table property ${GC_ENABLED_PROPERTY} is '${metadata.properties[GC_ENABLED_PROPERTY]}' (its files may belong to another table)`,
      { table },
    );
  }
  const reachable = await reachableFiles(io, metadata, metadataLocation, concurrency);
  const location = metadata.location.replace(/\/+$/, '');
  const orphans: FileInfo[] = [];
  let listed = 0;
  let tooYoung = 0;
  for await (const file of io.list(`${location}/`)) {
    listed++;
    if (reachable.has(normalizePath(file.path))) continue;
    if (file.lastModifiedMs >= cutoff) tooYoung++;
    else orphans.push(file);
  }
  let removed = 0;
  if (!dryRun) {
    await forEachConcurrently(orphans, concurrency, async (file) => {
      await io.delete(file.path);
      removed++;
    });
  }
  log.info(dryRun ? 'orphan files found (dry run)' : 'orphan files removed', {
    listed,
    orphans: orphans.length,
    removed,
    tooYoung,
  });
  return { table, location, listed, reachable: reachable.size, orphans, tooYoung, removed, dryRun };
}

/** Every path the table's retained metadata reaches, normalized (normalizePath). */
export async function reachableFiles(
  io: FileIO,
  metadata: TableMetadata,
  metadataLocation: string,
  concurrency = MAINTENANCE_IO_CONCURRENCY,
): Promise<Set<string>> {
  const reached = new Set<string>();
  const add = (path: string) => reached.add(normalizePath(path));
  add(metadataLocation);
  for (const entry of metadata.metadataLog) add(entry.metadataFile);
  const logged = await mapConcurrently(metadata.metadataLog, concurrency, async (entry) => {
    const text = await readIfExists(io, entry.metadataFile);
    return text === undefined ? undefined : parseTableMetadata(new TextDecoder().decode(text));
  });
  const versions = [metadata, ...logged.filter((v) => v !== undefined)];
  // A file the current metadata names must exist: a table missing one is broken,
  // and what only that file reaches would look orphaned. Older versions' files
  // may have been expired.
  const current = new Set(metadata.snapshots.map((s) => s.manifestList));
  const lists = new Set<string>();
  for (const version of versions) {
    for (const snapshot of version.snapshots) lists.add(snapshot.manifestList);
    for (const stats of [...version.statistics, ...version.partitionStatistics]) {
      const path = stats.json['statistics-path'];
      if (typeof path === 'string') add(path);
    }
  }
  const manifests = new Set<string>();
  const currentManifests = new Set<string>();
  const listed = await mapConcurrently(lists, concurrency, async (list) => {
    const bytes = await readIfExists(io, list);
    if (bytes === undefined) {
      if (current.has(list)) throw missing(list, metadataLocation);
      return [];
    }
    return decodeManifestList(bytes).map((m) => m.manifestPath);
  });
  for (const [i, list] of [...lists].entries()) {
    add(list);
    for (const manifest of listed[i] ?? []) {
      manifests.add(manifest);
      if (current.has(list)) currentManifests.add(manifest);
    }
  }
  await forEachConcurrently(manifests, concurrency, async (path) => {
    add(path);
    const bytes = await readIfExists(io, path);
    if (bytes === undefined) {
      if (currentManifests.has(path)) throw missing(path, metadataLocation);
      return;
    }
    for (const entry of decodeManifest(bytes).entries) add(entry.dataFile.filePath);
  });
  return reached;
}

function missing(path: string, metadataLocation: string): FloeError {
  return new FloeError(
    `${metadataLocation} references ${path}, which does not exist: no orphan is removed from a table missing a file`,
    { path, metadataLocation },
  );
}

async function readIfExists(io: FileIO, path: string): Promise<Uint8Array | undefined> {
  try {
    return await io.read(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * One spelling per file: s3a:// and s3n:// as s3://, file:// URIs and plain
 * absolute paths as the plain path, repeated slashes collapsed.
 */
export function normalizePath(path: string): string {
  let p = path.replace(/^s3[an]:\/\//, 's3://');
  if (p.startsWith('file:')) p = p.replace(/^file:(\/\/)?/, '');
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(p)?.[0] ?? '';
  return scheme + p.slice(scheme.length).replace(/\/{2,}/g, '/');
}
