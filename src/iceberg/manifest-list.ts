// Manifest lists (spec: "Manifest Lists"): one manifest_file record per manifest
// of a snapshot, with counts and per-partition-field summaries for pruning.
import { ValidationError } from '../errors.ts';
import type { AvroCodec } from './avro-container.ts';
import { readAvroContainer, writeAvroContainer } from './avro-container.ts';
import type { DataFile } from './data-file.ts';
import type { ManifestEntry } from './manifest-entry.ts';
import { ENTRY_STATUS, toNumber } from './manifest-entry.ts';
import type { ManifestFormatVersion } from './manifest-schema.ts';
import { manifestFileSchema, manifestFormatVersion } from './manifest-schema.ts';
import type { PartitionSpec } from './partition-spec.ts';
import { partitionType } from './partition-spec.ts';
import { encodeSingleValue } from './single-value.ts';
import type { PrimitiveType, Schema } from './types.ts';

/** A sequence number the manifest list writer fills in with its own (for manifests of the committing snapshot). */
export const UNASSIGNED_SEQUENCE_NUMBER = -1;

export interface FieldSummary {
  readonly containsNull: boolean;
  readonly containsNan?: boolean;
  /** Single-value serialization (spec: Appendix D) of the lowest non-null, non-NaN value. */
  readonly lowerBound?: Uint8Array;
  readonly upperBound?: Uint8Array;
}

export interface ManifestFile {
  readonly manifestPath: string;
  readonly manifestLength: number;
  readonly partitionSpecId: number;
  /** 0 = data, 1 = deletes. */
  readonly content: 0 | 1;
  readonly sequenceNumber: number;
  readonly minSequenceNumber: number;
  readonly addedSnapshotId: bigint;
  readonly addedFilesCount: number;
  readonly existingFilesCount: number;
  readonly deletedFilesCount: number;
  readonly addedRowsCount: number;
  readonly existingRowsCount: number;
  readonly deletedRowsCount: number;
  readonly partitions?: readonly FieldSummary[];
  readonly keyMetadata?: Uint8Array;
  /**
   * v3 data manifests (field 520): the row id inherited by the manifest's first
   * data file without one. Unset on a manifest not yet listed: the list's writer
   * assigns it (row-lineage.ts).
   */
  readonly firstRowId?: bigint;
}

export interface ManifestListWriteContext {
  readonly snapshotId: bigint;
  readonly parentSnapshotId: bigint | null;
  readonly sequenceNumber: number;
  readonly formatVersion: ManifestFormatVersion;
  /** v3: the snapshot's first-row-id, recorded in the list's header like Java's v3 writer does. */
  readonly firstRowId?: bigint;
  readonly syncMarker: Uint8Array;
  readonly codec?: AvroCodec;
}

export interface ManifestDescription {
  readonly manifestPath: string;
  readonly manifestLength: number;
  readonly spec: PartitionSpec;
  readonly schema: Schema;
  readonly content: 0 | 1;
  /** The snapshot writing the manifest. */
  readonly snapshotId: bigint;
}

/**
 * The manifest list entry of a manifest just written with these entries: counts,
 * partition summaries, and sequence numbers left UNASSIGNED where entries inherit.
 */
export function describeManifest(
  entries: readonly ManifestEntry[],
  manifest: ManifestDescription,
): ManifestFile {
  const files = [0, 0, 0];
  const rows = [0, 0, 0];
  let minSequenceNumber: number | undefined;
  for (const entry of entries) {
    files[entry.status]! += 1;
    rows[entry.status]! += entry.dataFile.recordCount;
    const live = entry.status !== ENTRY_STATUS.DELETED;
    if (live && entry.sequenceNumber !== null) {
      minSequenceNumber = Math.min(minSequenceNumber ?? entry.sequenceNumber, entry.sequenceNumber);
    }
  }
  return {
    manifestPath: manifest.manifestPath,
    manifestLength: manifest.manifestLength,
    partitionSpecId: manifest.spec.specId,
    content: manifest.content,
    sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
    minSequenceNumber: minSequenceNumber ?? UNASSIGNED_SEQUENCE_NUMBER,
    addedSnapshotId: manifest.snapshotId,
    addedFilesCount: files[ENTRY_STATUS.ADDED]!,
    existingFilesCount: files[ENTRY_STATUS.EXISTING]!,
    deletedFilesCount: files[ENTRY_STATUS.DELETED]!,
    addedRowsCount: rows[ENTRY_STATUS.ADDED]!,
    existingRowsCount: rows[ENTRY_STATUS.EXISTING]!,
    deletedRowsCount: rows[ENTRY_STATUS.DELETED]!,
    partitions: summarizePartitions(
      manifest.spec,
      manifest.schema,
      entries.map((e) => e.dataFile),
    ),
  };
}

/** Encodes a snapshot's manifest list; UNASSIGNED sequence numbers of its own manifests get ctx.sequenceNumber. */
export function encodeManifestList(
  files: readonly ManifestFile[],
  ctx: ManifestListWriteContext,
): Uint8Array {
  const records = files.map((file) => {
    const where = `manifest list entry ${file.manifestPath}`;
    if (ctx.formatVersion === 1 && file.content !== 0) {
      throw new ValidationError(`${where}: v1 tables cannot hold delete manifests`);
    }
    const assign = (value: number): number => {
      if (value !== UNASSIGNED_SEQUENCE_NUMBER || ctx.formatVersion === 1) return value; // v1 has none
      if (file.addedSnapshotId !== ctx.snapshotId) {
        throw new ValidationError(
          `${where}: unassigned sequence number on a manifest of snapshot ${file.addedSnapshotId}, not ${ctx.snapshotId}`,
        );
      }
      return ctx.sequenceNumber;
    };
    return {
      manifest_path: file.manifestPath,
      manifest_length: file.manifestLength,
      partition_spec_id: file.partitionSpecId,
      content: file.content,
      sequence_number: assign(file.sequenceNumber),
      min_sequence_number: assign(file.minSequenceNumber),
      added_snapshot_id: file.addedSnapshotId,
      added_files_count: file.addedFilesCount,
      existing_files_count: file.existingFilesCount,
      deleted_files_count: file.deletedFilesCount,
      added_rows_count: file.addedRowsCount,
      existing_rows_count: file.existingRowsCount,
      deleted_rows_count: file.deletedRowsCount,
      partitions:
        file.partitions?.map((s) => ({
          contains_null: s.containsNull,
          contains_nan: s.containsNan ?? null,
          lower_bound: s.lowerBound === undefined ? null : Buffer.from(s.lowerBound),
          upper_bound: s.upperBound === undefined ? null : Buffer.from(s.upperBound),
        })) ?? null,
      key_metadata: file.keyMetadata === undefined ? null : Buffer.from(file.keyMetadata),
      ...(ctx.formatVersion >= 3 ? { first_row_id: firstRowIdToAvro(file, where) } : {}),
    };
  });
  // spec: "Manifest Lists": key-value metadata of the Avro file
  const metadata: Record<string, string> = {
    'snapshot-id': ctx.snapshotId.toString(),
    'parent-snapshot-id': ctx.parentSnapshotId === null ? 'null' : ctx.parentSnapshotId.toString(),
    'format-version': String(ctx.formatVersion),
  };
  if (ctx.formatVersion >= 2) metadata['sequence-number'] = String(ctx.sequenceNumber);
  if (ctx.formatVersion >= 3) {
    if (ctx.firstRowId === undefined)
      throw new ValidationError('a v3 manifest list needs the snapshot first-row-id');
    metadata['first-row-id'] = ctx.firstRowId.toString();
  }
  return writeAvroContainer({
    schema: manifestFileSchema(ctx.formatVersion),
    records,
    metadata,
    codec: ctx.codec ?? 'deflate',
    syncMarker: ctx.syncMarker,
  });
}

/** Decodes a v1 or v2 manifest list; v1 entries read as data manifests with sequence number 0 (spec: Appendix E). */
export function decodeManifestList(bytes: Uint8Array): ManifestFile[] {
  const container = readAvroContainer(bytes);
  const formatVersion = manifestFormatVersion(container.metadata['format-version'], () =>
    JSON.stringify(container.schema).includes('"min_sequence_number"'),
  );
  return container.records.map((value) => {
    const r = value as Readonly<Record<string, unknown>>;
    const path = String(r.manifest_path);
    const num = (v: unknown, name: string, absent = 0): number =>
      v === null || v === undefined ? absent : toNumber(v, `manifest list entry ${path}, ${name}`);
    const content = formatVersion === 1 ? 0 : num(r.content, 'content');
    if (content !== 0 && content !== 1)
      throw new ValidationError(`manifest list entry ${path}: content ${content}`);
    if (typeof r.added_snapshot_id !== 'bigint') {
      throw new ValidationError(`manifest list entry ${path}: added_snapshot_id is missing`);
    }
    const partitions = r.partitions as readonly Readonly<Record<string, unknown>>[] | null | undefined;
    return {
      manifestPath: path,
      manifestLength: num(r.manifest_length, 'manifest_length'),
      partitionSpecId: num(r.partition_spec_id, 'partition_spec_id'),
      content,
      sequenceNumber: formatVersion === 1 ? 0 : num(r.sequence_number, 'sequence_number'),
      minSequenceNumber: formatVersion === 1 ? 0 : num(r.min_sequence_number, 'min_sequence_number'),
      addedSnapshotId: r.added_snapshot_id,
      addedFilesCount: num(r.added_files_count ?? r.added_data_files_count, 'added_files_count'),
      existingFilesCount: num(r.existing_files_count ?? r.existing_data_files_count, 'existing_files_count'),
      deletedFilesCount: num(r.deleted_files_count ?? r.deleted_data_files_count, 'deleted_files_count'),
      addedRowsCount: num(r.added_rows_count, 'added_rows_count'),
      existingRowsCount: num(r.existing_rows_count, 'existing_rows_count'),
      deletedRowsCount: num(r.deleted_rows_count, 'deleted_rows_count'),
      ...(partitions == null ? {} : { partitions: partitions.map(summaryFromAvro) }),
      ...(r.key_metadata == null ? {} : { keyMetadata: new Uint8Array(r.key_metadata as Uint8Array) }),
      ...(r.first_row_id == null ? {} : { firstRowId: BigInt(r.first_row_id as bigint | number) }),
    };
  });
}

/** A v3 list's first_row_id: required on data manifests (assigned before writing), absent on delete manifests. */
function firstRowIdToAvro(file: ManifestFile, where: string): bigint | null {
  if (file.content !== 0) {
    if (file.firstRowId !== undefined)
      throw new ValidationError(`${where}: a delete manifest has no first_row_id`);
    return null;
  }
  if (file.firstRowId === undefined) {
    throw new ValidationError(
      `${where}: a v3 data manifest needs first_row_id (assignRowIds before writing)`,
    );
  }
  return file.firstRowId;
}

function summaryFromAvro(s: Readonly<Record<string, unknown>>): FieldSummary {
  const bytes = (v: unknown): Uint8Array | undefined =>
    v == null ? undefined : new Uint8Array(v as Uint8Array);
  const lowerBound = bytes(s.lower_bound);
  const upperBound = bytes(s.upper_bound);
  return {
    containsNull: s.contains_null === true,
    ...(s.contains_nan == null ? {} : { containsNan: s.contains_nan === true }),
    ...(lowerBound === undefined ? {} : { lowerBound }),
    ...(upperBound === undefined ? {} : { upperBound }),
  };
}

/** Per partition field: nulls, NaNs and the lowest/highest value over the files' partition tuples. */
export function summarizePartitions(
  spec: PartitionSpec,
  schema: Schema,
  dataFiles: readonly DataFile[],
): FieldSummary[] {
  const fields = partitionType(spec, schema).fields;
  return fields.map((field, i) => {
    const type = field.type as PrimitiveType;
    let containsNull = false;
    let containsNan = false;
    let lower: unknown;
    let upper: unknown;
    for (const file of dataFiles) {
      const value = file.partition[i] ?? null;
      if (value === null) containsNull = true;
      else if (typeof value === 'number' && Number.isNaN(value)) containsNan = true;
      else {
        if (lower === undefined || compareValues(value, lower) < 0) lower = value;
        if (upper === undefined || compareValues(value, upper) > 0) upper = value;
      }
    }
    return {
      containsNull,
      containsNan,
      ...(lower === undefined ? {} : { lowerBound: encodeSingleValue(type, lower) }),
      ...(upper === undefined ? {} : { upperBound: encodeSingleValue(type, upper) }),
    };
  });
}

const utf8 = new TextEncoder();

/** Iceberg's value order: numbers and bigints numerically, strings by code point, bytes unsigned. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return compareBytes(utf8.encode(a), utf8.encode(b));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  throw new ValidationError(`cannot compare partition values ${String(a)} and ${String(b)}`);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
