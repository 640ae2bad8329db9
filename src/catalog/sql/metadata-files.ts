// Names and history of a catalog-owned table's metadata files: version
// `NNNNN-<uuid>.metadata.json` under the metadata directory, the previous file
// appended to metadata-log on every commit (spec: "Table Metadata Fields",
// metadata-log), trimmed as the table properties ask.
import type { MetadataLogEntry, TableMetadata } from '../../iceberg/table-metadata.ts';

/** Table properties of the reference implementation that a metadata-owning catalog honours. */
export const METADATA_PATH_PROPERTY = 'write.metadata.path';
export const PREVIOUS_VERSIONS_MAX_PROPERTY = 'write.metadata.previous-versions-max';
export const DELETE_AFTER_COMMIT_PROPERTY = 'write.metadata.delete-after-commit.enabled';
const DEFAULT_PREVIOUS_VERSIONS_MAX = 100;

const trimSlash = (path: string): string => path.replace(/\/+$/, '');

export function metadataDirectory(metadata: TableMetadata): string {
  return trimSlash(metadata.properties[METADATA_PATH_PROPERTY] ?? `${trimSlash(metadata.location)}/metadata`);
}

/** `<metadata dir>/00003-<uuid>.metadata.json` for version 3. */
export function metadataFileLocation(metadata: TableMetadata, version: number, uuid: string): string {
  return `${metadataDirectory(metadata)}/${String(version).padStart(5, '0')}-${uuid}.metadata.json`;
}

/** The version number in a metadata file's name; -1 when the name does not carry one. */
export function metadataFileVersion(location: string): number {
  const name = location.slice(location.lastIndexOf('/') + 1);
  const match = /^(\d+)-.*\.metadata\.json$/.exec(name);
  return match ? Number.parseInt(match[1] as string, 10) : -1;
}

/**
 * `next` with the file `base` was read from appended to its metadata-log, and
 * the oldest entries beyond write.metadata.previous-versions-max removed
 * (returned as `expired` so they can be deleted after the commit).
 */
export function appendMetadataLog(
  next: TableMetadata,
  base: TableMetadata,
  baseLocation: string,
): { metadata: TableMetadata; expired: MetadataLogEntry[] } {
  const log = [...next.metadataLog, { timestampMs: base.lastUpdatedMs, metadataFile: baseLocation }];
  const max = previousVersionsMax(next);
  const expired = log.length > max ? log.splice(0, log.length - max) : [];
  return { metadata: { ...next, metadataLog: log }, expired };
}

export function deletesExpiredMetadata(metadata: TableMetadata): boolean {
  return metadata.properties[DELETE_AFTER_COMMIT_PROPERTY]?.toLowerCase() === 'true';
}

function previousVersionsMax(metadata: TableMetadata): number {
  const text = metadata.properties[PREVIOUS_VERSIONS_MAX_PROPERTY];
  const value = text === undefined ? Number.NaN : Number(text);
  // the reference implementation keeps at least one previous file
  return Number.isInteger(value) ? Math.max(1, value) : DEFAULT_PREVIOUS_VERSIONS_MAX;
}
