// A manifest entry (spec: "Manifests", manifest_entry struct) and its Avro record
// form. Maps keyed by column id are written as arrays of key/value records.
import { ValidationError } from '../errors.ts';
import type { DataFile, FileContent, FileFormat } from './data-file.ts';
import type { ManifestFormatVersion } from './manifest-schema.ts';
import { partitionToAvro, V1_BLOCK_SIZE_IN_BYTES } from './manifest-schema.ts';
import type { PartitionTuple } from './partition-spec.ts';
import type { StructType } from './types.ts';

export const ENTRY_STATUS = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const;
export type ManifestEntryStatus = (typeof ENTRY_STATUS)[keyof typeof ENTRY_STATUS];

export interface ManifestEntry {
  readonly status: ManifestEntryStatus;
  /** null: inherited from the manifest list's added_snapshot_id (v2). */
  readonly snapshotId: bigint | null;
  /** Data sequence number; null: inherited from the manifest's sequence number (v2, ADDED only). */
  readonly sequenceNumber: number | null;
  readonly fileSequenceNumber: number | null;
  readonly dataFile: DataFile;
}

/** What an entry inherits from the manifest_file that lists its manifest. */
export interface InheritedManifestMetadata {
  readonly addedSnapshotId: bigint;
  readonly sequenceNumber: number;
}

/**
 * The entry with null snapshot id and sequence numbers filled in from its manifest
 * (spec: "Sequence Number Inheritance"; only ADDED entries may inherit sequence numbers).
 */
export function inheritManifestMetadata(
  entry: ManifestEntry,
  manifest: InheritedManifestMetadata,
): ManifestEntry {
  const inherits = entry.status === ENTRY_STATUS.ADDED;
  if (entry.sequenceNumber === null && !inherits) {
    throw new ValidationError(
      `manifest entry for ${entry.dataFile.filePath} has status ${entry.status} and no sequence_number`,
    );
  }
  return {
    ...entry,
    snapshotId: entry.snapshotId ?? manifest.addedSnapshotId,
    sequenceNumber: entry.sequenceNumber ?? manifest.sequenceNumber,
    // manifests of early v2 writers lack file sequence numbers on existing entries: those stay unknown
    fileSequenceNumber: entry.fileSequenceNumber ?? (inherits ? manifest.sequenceNumber : null),
  };
}

type AvroRecord = Readonly<Record<string, unknown>>;
type KeyValue = { readonly key: number; readonly value: unknown };

const toPairs = <V>(
  map: ReadonlyMap<number, V> | undefined,
  convert: (v: V) => unknown,
): KeyValue[] | null =>
  map === undefined ? null : [...map].map(([key, value]) => ({ key, value: convert(value) }));

const buffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes);

/** The manifest_entry record for encodeManifest; checks the format version's rules. */
export function entryToAvro(
  entry: ManifestEntry,
  formatVersion: ManifestFormatVersion,
  partition: StructType,
): AvroRecord {
  const file = entry.dataFile;
  const where = `manifest entry for ${file.filePath}`;
  if (formatVersion === 1) {
    if (entry.snapshotId === null)
      throw new ValidationError(`${where}: v1 manifests need an explicit snapshot id`);
    if (file.content !== 0) throw new ValidationError(`${where}: v1 manifests hold data files only`);
  } else if (
    entry.status !== ENTRY_STATUS.ADDED &&
    (entry.sequenceNumber === null || entry.snapshotId === null)
  ) {
    // spec: "Sequence Number Inheritance": only ADDED entries may leave these to the manifest list
    throw new ValidationError(
      `${where}: EXISTING/DELETED entries need explicit snapshot id and sequence number`,
    );
  }
  const dataFile: Record<string, unknown> = {
    content: file.content,
    file_path: file.filePath,
    file_format: file.fileFormat,
    partition: partitionToAvro(partition, file.partition, where),
    record_count: file.recordCount,
    file_size_in_bytes: file.fileSizeInBytes,
    block_size_in_bytes: V1_BLOCK_SIZE_IN_BYTES,
    column_sizes: toPairs(file.columnSizes, Number),
    value_counts: toPairs(file.valueCounts, Number),
    null_value_counts: toPairs(file.nullValueCounts, Number),
    nan_value_counts: toPairs(file.nanValueCounts, Number),
    lower_bounds: toPairs(file.lowerBounds, buffer),
    upper_bounds: toPairs(file.upperBounds, buffer),
    key_metadata: file.keyMetadata === undefined ? null : buffer(file.keyMetadata),
    split_offsets: file.splitOffsets === undefined ? null : [...file.splitOffsets],
    equality_ids: file.equalityIds === undefined ? null : [...file.equalityIds],
    sort_order_id: file.sortOrderId ?? null,
  };
  if (formatVersion >= 2) dataFile.referenced_data_file = file.referencedDataFile ?? null;
  else if (file.referencedDataFile !== undefined)
    throw new ValidationError(`${where}: v1 manifests have no referenced_data_file`);
  if (file.referencedDataFile !== undefined && file.content !== 1)
    throw new ValidationError(`${where}: referenced_data_file is for position-delete files only`);
  if (formatVersion >= 3) {
    dataFile.first_row_id = file.firstRowId ?? null;
    dataFile.content_offset = file.contentOffset ?? null;
    dataFile.content_size_in_bytes = file.contentSizeInBytes ?? null;
  } else {
    if (file.contentOffset !== undefined || file.contentSizeInBytes !== undefined)
      throw new ValidationError(`${where}: deletion vectors (content_offset) need v3 manifests`);
    if (file.firstRowId !== undefined)
      throw new ValidationError(`${where}: first_row_id (row lineage) needs v3 manifests`);
  }
  if (file.firstRowId !== undefined && file.content !== 0)
    throw new ValidationError(`${where}: first_row_id is for data files only`);
  return {
    status: entry.status,
    snapshot_id: entry.snapshotId,
    sequence_number: entry.sequenceNumber,
    file_sequence_number: entry.fileSequenceNumber,
    data_file: dataFile,
  };
}

/** A decoded long or int as a number; throws if it does not fit exactly. */
export function toNumber(value: unknown, where: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (
    typeof n !== 'number' ||
    !Number.isSafeInteger(n) ||
    (typeof value === 'bigint' && BigInt(n) !== value)
  ) {
    throw new ValidationError(`${where}: expected an integer up to 2^53, got ${String(value)}`);
  }
  return n;
}

const toBigint = (value: unknown, where: string): bigint => {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new ValidationError(`${where}: expected a long, got ${String(value)}`);
};

function fromPairs<V>(pairs: unknown, convert: (v: unknown) => V): ReadonlyMap<number, V> | undefined {
  if (pairs === null || pairs === undefined) return undefined;
  return new Map((pairs as KeyValue[]).map((kv) => [kv.key, convert(kv.value)]));
}

const FILE_FORMATS: ReadonlySet<string> = new Set<FileFormat>(['PARQUET', 'AVRO', 'ORC', 'PUFFIN']);

/**
 * The entry of a decoded manifest_entry record, as stored: v2 nulls stay null
 * (see inheritManifestMetadata); v1 entries get sequence number 0 (spec: Appendix E).
 */
export function entryFromAvro(
  record: AvroRecord,
  formatVersion: ManifestFormatVersion,
  specId: number,
  partition: PartitionTuple,
): ManifestEntry {
  const file = record.data_file as AvroRecord;
  const filePath = String(file.file_path);
  const where = `manifest entry for ${filePath}`;
  const num = (value: unknown, name: string): number => toNumber(value, `${where}, ${name}`);
  const format = String(file.file_format).toUpperCase();
  if (!FILE_FORMATS.has(format))
    throw new ValidationError(`${where}: unknown file format '${file.file_format}'`);
  const status = num(record.status, 'status');
  if (status !== 0 && status !== 1 && status !== 2)
    throw new ValidationError(`${where}: unknown status ${status}`);
  const content = file.content === undefined ? 0 : num(file.content, 'content');
  if (content !== 0 && content !== 1 && content !== 2)
    throw new ValidationError(`${where}: unknown content ${content}`);
  const optionalSequence = (value: unknown, name: string): number | null => {
    if (formatVersion === 1) return 0;
    return value === null || value === undefined ? null : num(value, name);
  };
  const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Uint8Array);
  const dataFile: DataFile = {
    content: content as FileContent,
    filePath,
    fileFormat: format as FileFormat,
    specId,
    partition,
    recordCount: num(file.record_count, 'record_count'),
    fileSizeInBytes: num(file.file_size_in_bytes, 'file_size_in_bytes'),
    ...optionalField(
      'columnSizes',
      fromPairs(file.column_sizes, (v) => num(v, 'column_sizes')),
    ),
    ...optionalField(
      'valueCounts',
      fromPairs(file.value_counts, (v) => num(v, 'value_counts')),
    ),
    ...optionalField(
      'nullValueCounts',
      fromPairs(file.null_value_counts, (v) => num(v, 'null_value_counts')),
    ),
    ...optionalField(
      'nanValueCounts',
      fromPairs(file.nan_value_counts, (v) => num(v, 'nan_value_counts')),
    ),
    ...optionalField('lowerBounds', fromPairs(file.lower_bounds, bytes)),
    ...optionalField('upperBounds', fromPairs(file.upper_bounds, bytes)),
    ...optionalField('keyMetadata', file.key_metadata == null ? undefined : bytes(file.key_metadata)),
    ...optionalField(
      'splitOffsets',
      (file.split_offsets as unknown[] | null | undefined)?.map((v) => num(v, 'split_offsets')),
    ),
    ...optionalField(
      'equalityIds',
      (file.equality_ids as unknown[] | null | undefined)?.map((v) => num(v, 'equality_ids')),
    ),
    ...optionalField(
      'sortOrderId',
      file.sort_order_id == null ? undefined : num(file.sort_order_id, 'sort_order_id'),
    ),
    ...optionalField(
      'referencedDataFile',
      file.referenced_data_file == null ? undefined : String(file.referenced_data_file),
    ),
    ...optionalField(
      'firstRowId',
      file.first_row_id == null ? undefined : toBigint(file.first_row_id, `${where}, first_row_id`),
    ),
    ...optionalField(
      'contentOffset',
      file.content_offset == null ? undefined : num(file.content_offset, 'content_offset'),
    ),
    ...optionalField(
      'contentSizeInBytes',
      file.content_size_in_bytes == null
        ? undefined
        : num(file.content_size_in_bytes, 'content_size_in_bytes'),
    ),
  };
  return {
    status,
    snapshotId: record.snapshot_id == null ? null : toBigint(record.snapshot_id, `${where}, snapshot_id`),
    sequenceNumber: optionalSequence(record.sequence_number, 'sequence_number'),
    fileSequenceNumber: optionalSequence(record.file_sequence_number, 'file_sequence_number'),
    dataFile,
  };
}

/** `{ [key]: value }` when the value is present, `{}` otherwise (keeps optional fields absent, not undefined). */
function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
