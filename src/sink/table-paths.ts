// Where a table's files go: write.data.path / write.metadata.path when set
// (Iceberg table properties), else <location>/data and <location>/metadata.
import type { TableMetadata } from '../iceberg/table-metadata.ts';

const trimSlash = (path: string): string => path.replace(/\/+$/, '');

export function dataDirectory(metadata: TableMetadata): string {
  return trimSlash(metadata.properties['write.data.path'] ?? `${trimSlash(metadata.location)}/data`);
}

export function metadataDirectory(metadata: TableMetadata): string {
  return trimSlash(metadata.properties['write.metadata.path'] ?? `${trimSlash(metadata.location)}/metadata`);
}
