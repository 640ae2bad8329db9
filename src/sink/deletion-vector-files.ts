// Deletion vectors on storage (v3 tables; docs/upsert.md, "Deletion vectors"):
// writing one Puffin file that holds a deletion-vector-v1 blob per data file,
// and reading a vector back through its manifest entry (content_offset and
// content_size_in_bytes name the blob). Each entry is a position-delete entry
// (content 1) in the data file's partition, file format PUFFIN, record_count
// the vector's cardinality, as Java's BaseDVFileWriter makes them. The vectors
// of one file share its path and size and differ in offset.
import { ValidationError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import {
  CARDINALITY_PROPERTY,
  DELETION_VECTOR_BLOB_TYPE,
  decodeDeletionVector,
  encodeDeletionVector,
  REFERENCED_DATA_FILE_PROPERTY,
  ROW_POSITION_FIELD_ID,
} from '../iceberg/deletion-vector.ts';
import { encodePuffin, puffinBlobBytes } from '../iceberg/puffin-file.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { roaringCodec } from './deletion-vector-roaring.ts';
import { newCommitId } from './snapshot-ids.ts';
import { dataDirectory } from './table-paths.ts';

/** The whole vector of one live data file: every position it deletes (old and new). */
export interface DeletionVectorToWrite {
  /** The data file as its manifest entry records it (path, partition spec and tuple, record count). */
  readonly dataFile: DataFile;
  /** Ascending, distinct row positions (iceberg/deletion-vector.ts sortedPositions, mergePositions). */
  readonly positions: readonly number[];
}

/** Is this delete-file entry a deletion vector (a blob in a Puffin file)? */
export function isDeletionVector(file: DataFile): boolean {
  return file.content === 1 && file.fileFormat === 'PUFFIN';
}

/**
 * Writes the vectors into one Puffin file (in the table's data folder) and
 * returns their manifest entries' content files, in the order given.
 */
export async function writeDeletionVectors(
  io: FileIO,
  metadata: TableMetadata,
  vectors: readonly DeletionVectorToWrite[],
): Promise<DataFile[]> {
  if (metadata.formatVersion < 3) {
    throw new ValidationError(
      `${metadata.location}: deletion vectors are written to v3 tables only (v${metadata.formatVersion})`,
    );
  }
  if (vectors.length === 0) return [];
  const seen = new Set<string>();
  const blobs = vectors.map(({ dataFile, positions }) => {
    const where = `deletion vector for ${dataFile.filePath}`;
    if (dataFile.content !== 0)
      throw new ValidationError(`${where}: not a data file (content ${dataFile.content})`);
    if (seen.has(dataFile.filePath)) throw new ValidationError(`${where}: two vectors for one data file`);
    seen.add(dataFile.filePath);
    const last = positions[positions.length - 1];
    if (last === undefined) throw new ValidationError(`${where}: no positions`);
    if (positions[0]! < 0 || last >= dataFile.recordCount) {
      throw new ValidationError(
        `${where}: positions must be within 0..${dataFile.recordCount - 1}, got ${positions[0]}..${last}`,
      );
    }
    return {
      type: DELETION_VECTOR_BLOB_TYPE,
      fields: [ROW_POSITION_FIELD_ID],
      // inherited from the manifest entry (Puffin spec: -1 in blob metadata)
      snapshotId: -1,
      sequenceNumber: -1,
      properties: {
        [REFERENCED_DATA_FILE_PROPERTY]: dataFile.filePath,
        [CARDINALITY_PROPERTY]: String(positions.length),
      },
      data: encodeDeletionVector(positions, roaringCodec),
    };
  });
  const puffin = encodePuffin(blobs, { 'created-by': 'floe' });
  const path = `${dataDirectory(metadata)}/${newCommitId()}-deletes.puffin`;
  await io.write(path, puffin.bytes);
  return vectors.map(({ dataFile, positions }, i) => ({
    content: 1,
    filePath: path,
    fileFormat: 'PUFFIN',
    specId: dataFile.specId,
    partition: dataFile.partition,
    recordCount: positions.length,
    fileSizeInBytes: puffin.bytes.length,
    referencedDataFile: dataFile.filePath,
    contentOffset: puffin.blobs[i]!.offset,
    contentSizeInBytes: puffin.blobs[i]!.length,
  }));
}

/** The positions a deletion vector's manifest entry deletes, ascending (checksum and cardinality checked). */
export async function readDeletionVector(io: FileIO, vector: DataFile): Promise<number[]> {
  const where = `deletion vector ${vector.filePath} for ${vector.referencedDataFile ?? '(no referenced data file)'}`;
  if (
    !isDeletionVector(vector) ||
    vector.contentOffset === undefined ||
    vector.contentSizeInBytes === undefined
  ) {
    throw new ValidationError(`${where}: not a deletion vector entry (PUFFIN with content_offset and size)`);
  }
  const bytes = await io.read(vector.filePath);
  const blob = puffinBlobBytes(bytes, vector.contentOffset, vector.contentSizeInBytes, where);
  const positions = decodeDeletionVector(blob, roaringCodec, where);
  if (positions.length !== vector.recordCount) {
    throw new ValidationError(
      `${where}: holds ${positions.length} positions, its manifest entry says ${vector.recordCount}`,
    );
  }
  return positions;
}
