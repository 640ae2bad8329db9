// A data file as recorded in a manifest entry (spec: "Manifests", data_file struct).
import type { PartitionTuple } from './partition-spec.ts';

/** PUFFIN: deletion vectors of v3 tables (position deletes, content 1). */
export type FileFormat = 'PARQUET' | 'AVRO' | 'ORC' | 'PUFFIN';

/** 0 = data, 1 = position deletes, 2 = equality deletes. */
export type FileContent = 0 | 1 | 2;

export interface DataFile {
  readonly content: FileContent;
  readonly filePath: string;
  readonly fileFormat: FileFormat;
  /** Id of the partition spec the tuple below was produced with. */
  readonly specId: number;
  readonly partition: PartitionTuple;
  readonly recordCount: number;
  readonly fileSizeInBytes: number;
  /** Per field id. Bounds are single-value binary encodings (spec Appendix D). */
  readonly columnSizes?: ReadonlyMap<number, number>;
  readonly valueCounts?: ReadonlyMap<number, number>;
  readonly nullValueCounts?: ReadonlyMap<number, number>;
  readonly nanValueCounts?: ReadonlyMap<number, number>;
  readonly lowerBounds?: ReadonlyMap<number, Uint8Array>;
  readonly upperBounds?: ReadonlyMap<number, Uint8Array>;
  readonly keyMetadata?: Uint8Array;
  readonly splitOffsets?: readonly number[];
  readonly equalityIds?: readonly number[];
  readonly sortOrderId?: number;
  /**
   * Position deletes only (field 143, v2 optional): the one data file every row of
   * this delete file refers to (a file-scoped delete, as Java writes them).
   */
  readonly referencedDataFile?: string;
  /**
   * v3 row lineage (field 142): the row id of the file's first row. New files leave
   * it unset and inherit it from their manifest's first_row_id (spec: "First Row ID
   * Inheritance"); files copied into a rewritten manifest carry it explicitly.
   */
  readonly firstRowId?: bigint;
  /** Deletion vectors only (fields 144/145, v3): where the blob starts in the Puffin file, and its length. */
  readonly contentOffset?: number;
  readonly contentSizeInBytes?: number;
}

/** Field ids and names of a position-delete file's columns (spec: "Position Delete Files"). */
export const POSITION_DELETE_FILE_PATH_ID = 2147483546;
export const POSITION_DELETE_POS_ID = 2147483545;
