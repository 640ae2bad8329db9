// Which table format versions floe writes. It reads v1, v2 and v3, but writing
// v3 needs row lineage (spec: "Row Lineage"): every snapshot carries
// first-row-id and added-rows, manifests and data files carry first_row_id, and
// the table's next-row-id advances. floe produces none of that yet, so a v3
// table would get snapshots that v3 readers reject or misnumber.
import { UnsupportedError, ValidationError } from '../errors.ts';
import type { FormatVersion, TableMetadata } from './table-metadata.ts';

export const WRITABLE_FORMAT_VERSIONS: readonly FormatVersion[] = [1, 2];

/** Reserved table property choosing a new table's format version (spec: "Reserved table properties"). */
export const FORMAT_VERSION_PROPERTY = 'format-version';

/**
 * The format version a create-table's properties ask for; undefined when they
 * do not say. Throws ValidationError for anything but 1, 2 or 3.
 */
export function requestedFormatVersion(
  properties: Readonly<Record<string, string>> | undefined,
  tableName: string,
): FormatVersion | undefined {
  const text = properties?.[FORMAT_VERSION_PROPERTY];
  if (text === undefined) return undefined;
  if (text === '1' || text === '2' || text === '3') return Number(text) as FormatVersion;
  throw new ValidationError(
    `table ${tableName}: property ${FORMAT_VERSION_PROPERTY} must be 1, 2 or 3, got '${text}'`,
    { table: tableName },
  );
}

/**
 * Throws UnsupportedError naming the table when floe cannot write its format
 * version: call it before creating a table and before writing to an existing one.
 */
export function assertWritableFormatVersion(
  metadata: Pick<TableMetadata, 'formatVersion'>,
  tableName: string,
): void {
  if (WRITABLE_FORMAT_VERSIONS.includes(metadata.formatVersion)) return;
  throw new UnsupportedError(
    `table ${tableName} is format version ${metadata.formatVersion}; floe writes only versions ` +
      `${WRITABLE_FORMAT_VERSIONS.join(' and ')} (v3 needs row lineage: first-row-id and added-rows, which floe does not write yet)`,
    { table: tableName, formatVersion: metadata.formatVersion },
  );
}
