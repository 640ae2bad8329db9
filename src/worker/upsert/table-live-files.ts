// The live data files of a table's `main` with the row positions their
// position deletes (v2) or deletion vectors (v3) remove: what a key index is
// rebuilt from (key-index-rebuild.ts, docs/upsert.md, "The key index"). A
// delete applies to a data file when its data sequence number is at least the
// data file's (spec: "Scan Planning"). Files come in data sequence order, so
// that a key found again in a later file takes its place. Equality deletes are
// not read: floe never writes them, and a table that has them cannot be
// indexed by position; it is refused naming the table.
import { UnsupportedError } from '../../errors.ts';
import {
  type DataFile,
  POSITION_DELETE_FILE_PATH_ID,
  POSITION_DELETE_POS_ID,
} from '../../iceberg/data-file.ts';
import { decodeManifest } from '../../iceberg/manifest.ts';
import { ENTRY_STATUS, inheritManifestMetadata } from '../../iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../iceberg/manifest-list.ts';
import type { TableMetadata } from '../../iceberg/table-metadata.ts';
import { branchHead, specById } from '../../iceberg/table-metadata.ts';
import { primitive, type Schema } from '../../iceberg/types.ts';
import type { FileIO } from '../../io/file-io.ts';
import { readParquetRows } from '../../parquet/parquet-row-reader.ts';
import { isDeletionVector, readDeletionVector } from '../../sink/deletion-vector-files.ts';

export interface LiveFile {
  readonly path: string;
  readonly sequenceNumber: number;
  readonly recordCount: number;
  /** Positions removed by the table's position deletes. */
  readonly deleted: Set<number>;
  /**
   * The delete files that remove them (deleteFileIdentity): a file's deleted
   * positions are a function of these, so a key index part compares them to
   * tell whether another writer deleted rows of its files (keyed-indexes.ts).
   */
  readonly deletes: Set<string>;
}

/** A delete file as LiveFile.deletes names it: its path, plus the blob's offset for a deletion vector. */
export function deleteFileIdentity(file: Pick<DataFile, 'filePath' | 'contentOffset'>): string {
  return file.contentOffset === undefined ? file.filePath : `${file.filePath}@${file.contentOffset}`;
}

/** The columns of a position-delete file that say which rows go. */
const DELETE_PROJECTION: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: POSITION_DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: primitive('string') },
    { id: POSITION_DELETE_POS_ID, name: 'pos', required: true, type: primitive('long') },
  ],
};

/** `name` names the table in errors. */
export async function tableLiveFiles(io: FileIO, metadata: TableMetadata, name: string): Promise<LiveFile[]> {
  const head = branchHead(metadata, 'main');
  if (head === undefined) return [];
  const data = new Map<string, LiveFile>();
  const deletes: Array<{ path: string; sequenceNumber: number }> = [];
  const vectors: Array<{ file: DataFile; sequenceNumber: number }> = [];
  for (const manifest of decodeManifestList(await io.read(head.manifestList))) {
    const decoded = decodeManifest(
      await io.read(manifest.manifestPath),
      specById(metadata, manifest.partitionSpecId),
    );
    for (const raw of decoded.entries) {
      if (raw.status === ENTRY_STATUS.DELETED) continue;
      const entry = inheritManifestMetadata(raw, manifest);
      const file = entry.dataFile;
      const sequenceNumber = entry.sequenceNumber ?? 0;
      if (file.content === 0) {
        data.set(file.filePath, {
          path: file.filePath,
          sequenceNumber,
          recordCount: file.recordCount,
          deleted: new Set(),
          deletes: new Set(),
        });
      } else if (file.content === 2) {
        // Not a record's fault: the batch is discarded and the worker stops (not the error policy).
        throw new UnsupportedError(
          `table ${name} has equality-delete files (${file.filePath}): floe's upsert and cdc modes index tables with position deletes and deletion vectors only`,
          { table: name },
        );
      } else if (isDeletionVector(file)) {
        vectors.push({ file, sequenceNumber });
      } else {
        deletes.push({ path: file.filePath, sequenceNumber });
      }
    }
  }
  for (const del of deletes) {
    for (const row of readParquetRows(await io.read(del.path), DELETE_PROJECTION, del.path)) {
      const target = data.get(row.file_path as string);
      if (target !== undefined && del.sequenceNumber >= target.sequenceNumber) {
        target.deleted.add(Number(row.pos as bigint));
        target.deletes.add(del.path);
      }
    }
  }
  for (const { file, sequenceNumber } of vectors) {
    const target = data.get(file.referencedDataFile ?? '');
    if (target === undefined || sequenceNumber < target.sequenceNumber) continue;
    target.deletes.add(deleteFileIdentity(file));
    for (const position of await readDeletionVector(io, file)) target.deleted.add(position);
  }
  return [...data.values()].sort((a, b) => a.sequenceNumber - b.sequenceNumber);
}
