// Row lineage of v3 tables (spec: "Row Lineage"). Every row has a row id: its
// data file's first_row_id plus its position. Ids are handed out in ranges:
// - a snapshot's first-row-id is the table's next-row-id when it is written;
// - writing its manifest list gives each data manifest that has no first_row_id
//   yet (its own new manifests, merged manifests, manifests from before an
//   upgrade to v3) the next range, as long as its added and existing rows;
// - inside a manifest, a data file without first_row_id inherits the manifest's
//   plus the record counts of the files before it that had none;
// - the snapshot's added-rows is the total of the ranges handed out, and the
//   table's next-row-id becomes first-row-id + added-rows when it commits.
// Manifests already listed keep their first_row_id: ids never move and never
// overlap. Pure functions; the sink calls them when it writes a v3 list.
import { ValidationError } from '../errors.ts';
import type { ManifestEntry } from './manifest-entry.ts';
import type { ManifestFile } from './manifest-list.ts';

export interface AssignedRowIds {
  /** The manifests in the same order, every data manifest with a firstRowId. */
  readonly manifests: ManifestFile[];
  /** The snapshot's first-row-id: the table's next-row-id before the commit. */
  readonly firstRowId: bigint;
  /** The snapshot's added-rows: the ids handed out (next-row-id advances by this much). */
  readonly addedRows: bigint;
}

/**
 * First row ids for the data manifests of a new manifest list that have none,
 * handed out from `nextRowId` (the table's next-row-id) in list order.
 */
export function assignRowIds(manifests: readonly ManifestFile[], nextRowId: bigint): AssignedRowIds {
  if (nextRowId < 0n) throw new ValidationError(`next-row-id ${nextRowId} is negative`);
  let next = nextRowId;
  const assigned = manifests.map((manifest): ManifestFile => {
    if (manifest.content !== 0 || manifest.firstRowId !== undefined) return manifest;
    const firstRowId = next;
    next += BigInt(manifest.addedRowsCount + manifest.existingRowsCount);
    return { ...manifest, firstRowId };
  });
  return { manifests: assigned, firstRowId: nextRowId, addedRows: next - nextRowId };
}

/**
 * The entries of a data manifest with first_row_id filled in where it is null
 * (spec: "First Row ID Inheritance"), as a reader sees them. Entries of a
 * manifest without first_row_id (written before the table was v3) stay as they
 * are: their rows have no ids yet. A merge writes the result, so the files it
 * copies keep their ids explicitly and the merged manifest's new range (which
 * covers all its rows) never renumbers them.
 */
export function inheritFirstRowIds(
  entries: readonly ManifestEntry[],
  manifest: Pick<ManifestFile, 'content' | 'firstRowId' | 'manifestPath'>,
): ManifestEntry[] {
  if (manifest.firstRowId === undefined) return [...entries];
  if (manifest.content !== 0) {
    throw new ValidationError(`manifest ${manifest.manifestPath}: a delete manifest has no first_row_id`);
  }
  let next = manifest.firstRowId;
  return entries.map((entry) => {
    const file = entry.dataFile;
    if (file.content !== 0 || file.firstRowId !== undefined) return entry;
    const firstRowId = next;
    next += BigInt(file.recordCount);
    return { ...entry, dataFile: { ...file, firstRowId } };
  });
}
