// Row lineage through a rewrite (spec: "Row Lineage", v3 tables). A row's id is
// its `_row_id` column when the file stores one, else its data file's
// first_row_id plus its position; its `_last_updated_sequence_number` is the
// stored value, else the file's data sequence number. Rows a compaction moves
// keep both: it reads them as a reader would and writes them as columns of the
// new files (Java's rewrite does the same), so the new files' own inherited
// first_row_id never renumbers a moved row.
import { type NestedField, primitive, type Row, type Schema } from '../iceberg/types.ts';

export const ROW_ID_FIELD: NestedField = {
  id: 2147483540,
  name: '_row_id',
  required: false,
  type: primitive('long'),
};

export const LAST_UPDATED_SEQUENCE_NUMBER_FIELD: NestedField = {
  id: 2147483539,
  name: '_last_updated_sequence_number',
  required: false,
  type: primitive('long'),
};

/** The table's schema with the two lineage columns after its own. */
export function withLineageColumns(schema: Schema): Schema {
  return { ...schema, fields: [...schema.fields, ROW_ID_FIELD, LAST_UPDATED_SEQUENCE_NUMBER_FIELD] };
}

/**
 * Fills a row read (with withLineageColumns) from a data file whose
 * first_row_id and data sequence number are given: the values a reader sees.
 * A file without first_row_id (written before the table was v3) has no ids yet:
 * they stay null, and the new file's inherited range assigns them.
 */
export function lineageFill(firstRowId: bigint | undefined, dataSequenceNumber: number) {
  const sequence = BigInt(dataSequenceNumber);
  return (row: Row, position: number): Row => {
    const stored = row[ROW_ID_FIELD.name];
    if (stored === null || stored === undefined)
      row[ROW_ID_FIELD.name] = firstRowId === undefined ? null : firstRowId + BigInt(position);
    const updated = row[LAST_UPDATED_SEQUENCE_NUMBER_FIELD.name];
    if (updated === null || updated === undefined) row[LAST_UPDATED_SEQUENCE_NUMBER_FIELD.name] = sequence;
    return row;
  };
}
