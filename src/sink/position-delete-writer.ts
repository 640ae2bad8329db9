// Position-delete files (spec: "Position Delete Files") for v2 tables: one
// Parquet file per data file touched (file-scoped, as Java writes them), rows
// (file_path, pos) sorted by position, full metrics on both columns so the
// path's lower and upper bounds are the referenced data file (readers use that
// to apply the delete file to that data file only), and referenced_data_file
// set in its manifest entry. v3 tables get deletion vectors instead (see
// docs/upsert.md, "Deletion vectors").
import { ValidationError } from '../errors.ts';
import { type DataFile, POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from '../iceberg/data-file.ts';
import { partitionPath } from '../iceberg/partition-path.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { currentSchema, specById } from '../iceberg/table-metadata.ts';
import { primitive, type Schema } from '../iceberg/types.ts';
import type { FileIO } from '../io/file-io.ts';
import { writeParquetDataFile } from '../parquet/parquet-data-file-writer.ts';
import { parquetWritePropertiesFromTable } from '../parquet/parquet-write-properties.ts';
import { dataFileMetrics } from './data-file-metrics.ts';
import { newCommitId } from './snapshot-ids.ts';
import { dataDirectory } from './table-paths.ts';

/** The schema of a position-delete file without the deleted rows (spec: "Position Delete Files"). */
export const POSITION_DELETE_SCHEMA: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: POSITION_DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: primitive('string') },
    { id: POSITION_DELETE_POS_ID, name: 'pos', required: true, type: primitive('long') },
  ],
};

/** Java keeps full metrics on both columns of a position-delete file, whatever the table's metrics modes. */
const FULL_METRICS = { 'write.metadata.metrics.default': 'full' } as const;

/** Rows of one live data file to delete. */
export interface PositionDeletes {
  /** The data file as its manifest entry records it (path, partition spec and tuple). */
  readonly dataFile: DataFile;
  /** Row positions in the data file (0-based); any order, duplicates ignored. */
  readonly positions: Iterable<number>;
}

/**
 * Writes the delete file of `deletes` next to the data file's partition folder
 * and returns its manifest entry's content file (content 1, position deletes).
 */
export async function writePositionDeleteFile(
  io: FileIO,
  metadata: TableMetadata,
  deletes: PositionDeletes,
): Promise<DataFile> {
  const target = deletes.dataFile;
  const where = `position deletes for ${target.filePath}`;
  if (metadata.formatVersion !== 2) {
    throw new ValidationError(
      `${where}: position-delete files are written to v2 tables only (v${metadata.formatVersion})`,
    );
  }
  if (target.content !== 0)
    throw new ValidationError(`${where}: not a data file (content ${target.content})`);
  const positions = [...new Set(deletes.positions)].sort((a, b) => a - b);
  if (positions.length === 0) throw new ValidationError(`${where}: no positions`);
  const first = positions[0]!;
  const last = positions[positions.length - 1]!;
  if (!Number.isSafeInteger(first) || first < 0 || last >= target.recordCount) {
    throw new ValidationError(
      `${where}: positions must be within 0..${target.recordCount - 1}, got ${first}..${last}`,
    );
  }
  const rows = positions.map((pos) => ({ file_path: target.filePath, pos: BigInt(pos) }));
  const written = writeParquetDataFile(
    POSITION_DELETE_SCHEMA,
    rows,
    parquetWritePropertiesFromTable(metadata.properties),
  );
  const path = `${deleteFileDirectory(metadata, target)}/${newCommitId()}-deletes.parquet`;
  await io.write(path, written.bytes);
  return {
    content: 1,
    filePath: path,
    fileFormat: 'PARQUET',
    specId: target.specId,
    partition: target.partition,
    recordCount: written.recordCount,
    fileSizeInBytes: written.sizeBytes,
    ...dataFileMetrics(POSITION_DELETE_SCHEMA, written.columns, FULL_METRICS),
    splitOffsets: written.splitOffsets,
    referencedDataFile: target.filePath,
  };
}

/** The data folder of the target's partition (as the table writer names it). */
function deleteFileDirectory(metadata: TableMetadata, target: DataFile): string {
  const spec = specById(metadata, target.specId);
  const base = dataDirectory(metadata);
  return spec.fields.length === 0
    ? base
    : `${base}/${partitionPath(spec, currentSchema(metadata), target.partition)}`;
}
