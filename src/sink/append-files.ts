// The files and catalog changes of one fast-append (or row-delta) attempt:
// manifests for the new data files and delete files (position-delete files or
// deletion vectors; written once per append; entries inherit their sequence
// number), and per attempt a manifest list on top of the current base, with the
// deletion vectors the row delta replaces removed (deletion-vector-manifests.ts)
// and manifests merged as the table's commit.manifest.* properties ask
// (manifest-merger.ts).

import { ValidationError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { encodeManifest } from '../iceberg/manifest.ts';
import {
  decodeManifestList,
  encodeManifestList,
  type ManifestFile,
  summarizePartitions,
} from '../iceberg/manifest-list.ts';
import { assignRowIds } from '../iceberg/row-lineage.ts';
import type { Snapshot } from '../iceberg/snapshot.ts';
import { updateSnapshotSummary } from '../iceberg/snapshot.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { branchHead, currentSchema } from '../iceberg/table-metadata.ts';
import type { TableRequirement, TableUpdate } from '../iceberg/table-update.ts';
import { highestFieldId, type Schema } from '../iceberg/types.ts';
import type { FileIO } from '../io/file-io.ts';
import { isDeletionVector } from './deletion-vector-files.ts';
import { removeReplacedVectors } from './deletion-vector-manifests.ts';
import { type MergedManifests, mergeManifestList } from './manifest-merger.ts';
import { addedDeletes, commitOperation, deleteFileBytes } from './row-delta.ts';
import { sameSchemaFields } from './schema-equality.ts';
import { newSyncMarker } from './snapshot-ids.ts';
import { metadataDirectory } from './table-paths.ts';

export interface NewManifest {
  readonly path: string;
  readonly length: number;
  readonly specId: number;
  /** 0: data files, 1: position-delete files or deletion vectors (see row-delta.ts). */
  readonly content: 0 | 1;
  readonly dataFiles: readonly DataFile[];
}

export interface AppendAttempt {
  readonly manifestListPath: string;
  /** The manifests the list names. */
  readonly manifests: readonly ManifestFile[];
  readonly updates: TableUpdate[];
  readonly requirements: TableRequirement[];
}

/** One manifest per partition spec and content (data, deletes) among the files. */
export async function writeNewManifests(
  io: FileIO,
  metadata: TableMetadata,
  dataFiles: readonly DataFile[],
  ids: { snapshotId: bigint; commitId: string; schema?: Schema | undefined },
): Promise<NewManifest[]> {
  const groups = new Map<string, DataFile[]>();
  for (const file of dataFiles) {
    const key = `${file.content === 0 ? 0 : 1}:${file.specId}`;
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  // The manifest header names the schema the files were written with (spec: "Manifests").
  const schema = ids.schema ?? currentSchema(metadata);
  const manifests: NewManifest[] = [];
  for (const files of groups.values()) {
    const { specId } = files[0]!;
    const content = files[0]!.content === 0 ? 0 : 1;
    const spec = metadata.partitionSpecs.find((s) => s.specId === specId);
    if (!spec)
      throw new ValidationError(`data files use partition spec ${specId}, unknown to the table`, { specId });
    const bytes = encodeManifest(
      files.map((dataFile) => ({
        status: 1 as const,
        snapshotId: ids.snapshotId,
        sequenceNumber: null,
        fileSequenceNumber: null,
        dataFile,
      })),
      {
        schema,
        spec,
        formatVersion: metadata.formatVersion,
        content: content === 0 ? 'data' : 'deletes',
        syncMarker: newSyncMarker(),
      },
    );
    const path = `${metadataDirectory(metadata)}/${ids.commitId}-m${manifests.length}.avro`;
    await io.write(path, bytes);
    manifests.push({ path, length: bytes.length, specId, content, dataFiles: files });
  }
  return manifests;
}

export async function buildAppendAttempt(
  io: FileIO,
  metadata: TableMetadata,
  manifests: readonly NewManifest[],
  args: {
    snapshotId: bigint;
    commitId: string;
    attempt: number;
    nowMs: number;
    summary: Readonly<Record<string, string>>;
    schema: Schema | undefined;
    properties?: Readonly<Record<string, string>> | undefined;
    /** Merged manifests written by earlier attempts of this append, reused when their bin recurs. */
    merged: MergedManifests;
    /** v3 row delta: the base's deletion vectors the new ones replace, removed in this snapshot. */
    replacedDeleteFiles?: readonly DataFile[] | undefined;
  },
): Promise<AppendAttempt> {
  const parent = branchHead(metadata, 'main');
  // v1 has no sequence numbers (spec: "Sequence Numbers"); 0 is what v1 readers and writers assume.
  const sequenceNumber = metadata.formatVersion === 1 ? 0 : metadata.lastSequenceNumber + 1;
  const schema = currentSchema(metadata);
  const fresh: ManifestFile[] = manifests.map((m) => {
    const spec = metadata.partitionSpecs.find((s) => s.specId === m.specId)!;
    return {
      manifestPath: m.path,
      manifestLength: m.length,
      partitionSpecId: m.specId,
      content: m.content,
      sequenceNumber,
      minSequenceNumber: sequenceNumber,
      addedSnapshotId: args.snapshotId,
      addedFilesCount: m.dataFiles.length,
      existingFilesCount: 0,
      deletedFilesCount: 0,
      addedRowsCount: m.dataFiles.reduce((n, f) => n + f.recordCount, 0),
      existingRowsCount: 0,
      deletedRowsCount: 0,
      partitions: summarizePartitions(spec, schema, m.dataFiles),
    };
  });
  const base = parent ? decodeManifestList(await io.read(parent.manifestList)) : [];
  const { manifests: carried, removed } = await removeReplacedVectors(
    io,
    metadata,
    base,
    args.replacedDeleteFiles ?? [],
    args,
  );
  const manifestListPath = `${metadataDirectory(metadata)}/snap-${args.snapshotId}-${args.attempt}-${args.commitId}.avro`;
  const merged = await mergeManifestList(io, metadata, [...fresh, ...carried], args);
  // v3: the list hands row-id ranges to its data manifests that have none (row-lineage.ts)
  const lineage = metadata.formatVersion >= 3 ? assignRowIds(merged, metadata.nextRowId ?? 0n) : undefined;
  const listed = lineage?.manifests ?? merged;
  const listBytes = encodeManifestList(listed, {
    snapshotId: args.snapshotId,
    parentSnapshotId: parent?.snapshotId ?? null,
    sequenceNumber,
    formatVersion: metadata.formatVersion,
    ...(lineage ? { firstRowId: lineage.firstRowId } : {}),
    syncMarker: newSyncMarker(),
  });
  await io.write(manifestListPath, listBytes);

  const files = manifests.flatMap((m) => m.dataFiles);
  const dataFiles = files.filter((f) => f.content === 0);
  const deletes = addedDeletes(files);
  const operation = commitOperation(files);
  const totals = updateSnapshotSummary(parent?.summary ?? {}, {
    files: dataFiles.length,
    records: dataFiles.reduce((n, f) => n + f.recordCount, 0),
    bytes: dataFiles.reduce((n, f) => n + f.fileSizeInBytes, 0) + deletes.bytes,
    positionDeleteFiles: deletes.positionDeleteFiles,
    deletionVectors: deletes.deletionVectors,
    positionDeletes: deletes.positionDeletes,
    removedDeletes: {
      deleteFiles: removed.length,
      deletionVectors: removed.filter(isDeletionVector).length,
      positionDeleteFiles: removed.filter((f) => !isDeletionVector(f)).length,
      positionDeletes: removed.reduce((n, f) => n + f.recordCount, 0),
      bytes: removed.reduce((n, f) => n + deleteFileBytes(f), 0),
    },
    operation,
  });
  const updates: TableUpdate[] = [];
  const requirements: TableRequirement[] = [
    { type: 'assert-table-uuid', uuid: metadata.tableUuid },
    { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: parent?.snapshotId ?? null },
  ];
  let schemaId = schema.schemaId;
  if (args.schema && !sameSchemaFields(args.schema, schema)) {
    // An identical older schema is made current again rather than added twice.
    const known = metadata.schemas.find((s) => sameSchemaFields(s, args.schema!));
    schemaId = known?.schemaId ?? Math.max(...metadata.schemas.map((s) => s.schemaId)) + 1;
    if (!known) {
      const lastColumnId = Math.max(metadata.lastColumnId, highestFieldId(args.schema.fields));
      updates.push({ action: 'add-schema', schema: { ...args.schema, schemaId }, lastColumnId });
    }
    updates.push({ action: 'set-current-schema', schemaId: known ? schemaId : -1 });
    // The new ids were assigned above the table's last column id: nobody may have taken them since.
    requirements.push({ type: 'assert-current-schema-id', currentSchemaId: schema.schemaId });
    requirements.push({ type: 'assert-last-assigned-field-id', lastAssignedFieldId: metadata.lastColumnId });
  }
  const snapshot: Snapshot = {
    snapshotId: args.snapshotId,
    ...(parent ? { parentSnapshotId: parent.snapshotId } : {}),
    sequenceNumber,
    timestampMs: args.nowMs,
    manifestList: manifestListPath,
    summary: { ...totals, ...args.summary, operation },
    schemaId,
    ...(lineage ? { firstRowId: lineage.firstRowId, addedRows: lineage.addedRows } : {}),
  };
  updates.push({ action: 'add-snapshot', snapshot });
  if (args.properties && Object.keys(args.properties).length > 0)
    updates.push({ action: 'set-properties', updates: args.properties });
  updates.push({ action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: args.snapshotId });
  return { manifestListPath, manifests: listed, updates, requirements };
}
