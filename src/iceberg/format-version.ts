// Which table format versions floe writes: v1, v2 and v3. v3 tables get row
// lineage (spec: "Row Lineage"; row-lineage.ts): snapshots with first-row-id and
// added-rows, manifest lists with first_row_id, the table's next-row-id advanced
// in the same commit. The check stays for versions floe reads but cannot write
// (a future v4 in the type).
import { UnsupportedError, ValidationError } from '../errors.ts';
import type { FormatVersion, TableMetadata } from './table-metadata.ts';

export const WRITABLE_FORMAT_VERSIONS: readonly FormatVersion[] = [1, 2, 3];

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
      `${WRITABLE_FORMAT_VERSIONS.join(', ')}`,
    { table: tableName, formatVersion: metadata.formatVersion },
  );
}
