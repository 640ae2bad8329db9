// Another engine's rewrite of a keyed table, as Spark's rewrite_data_files
// leaves it: some live data files are read (their position deletes applied),
// their live rows written into one new file with no Kafka partition in its
// name (so floe's key index finds it through the shared, unattributed part),
// and a `replace` snapshot swaps them. Delete manifests are carried as they are
// (the deletes of the rewritten files dangle, which readers ignore). The commit
// asserts main's head, so it never races a floe commit silently.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Catalog, TableIdentifier } from '../../../../src/catalog/catalog.ts';
import { encodeManifest } from '../../../../src/iceberg/manifest.ts';
import { ENTRY_STATUS, type ManifestEntry } from '../../../../src/iceberg/manifest-entry.ts';
import {
  decodeManifestList,
  describeManifest,
  encodeManifestList,
} from '../../../../src/iceberg/manifest-list.ts';
import { branchHead, currentSchema, specById } from '../../../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../../../src/io/file-io.ts';
import { writeParquetDataFile } from '../../../../src/parquet/parquet-data-file-writer.ts';
import { readParquetRows } from '../../../../src/parquet/parquet-row-reader.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../../src/parquet/parquet-write-properties.ts';
import { dataFileMetrics } from '../../../../src/sink/data-file-metrics.ts';
import { dataDirectory } from '../../../../src/sink/table-paths.ts';
import { tableLiveFiles } from '../../../../src/worker/upsert/table-live-files.ts';
import { liveEntries } from '../../../sim/live-entries.ts';

/**
 * Rewrites the live data files `pick` chooses (from their paths) into one
 * unattributed file; false when there was nothing to rewrite.
 */
export async function engineRewrite(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  pick: (paths: readonly string[]) => readonly string[],
): Promise<boolean> {
  const metadata = (await catalog.loadTable(id)).metadata;
  const head = branchHead(metadata, 'main');
  if (head === undefined) return false;
  const live = await tableLiveFiles(io, metadata, id.name);
  const chosen = new Set(pick(live.map((f) => f.path)));
  if (chosen.size === 0) return false;
  const schema = currentSchema(metadata);
  const spec = specById(metadata, metadata.defaultSpecId);
  const rows = [];
  for (const file of live.filter((f) => chosen.has(f.path))) {
    const read = readParquetRows(await io.read(file.path), schema, file.path);
    rows.push(...read.filter((_, position) => !file.deleted.has(position)));
  }
  const snapshotId = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  const sequenceNumber = metadata.lastSequenceNumber + 1;
  const entries: ManifestEntry[] = [];
  if (rows.length > 0) {
    const written = writeParquetDataFile(schema, rows, DEFAULT_PARQUET_WRITE_PROPERTIES);
    const filePath = `${dataDirectory(metadata)}/engine-${randomUUID()}.parquet`;
    await io.write(filePath, written.bytes);
    entries.push({
      status: ENTRY_STATUS.ADDED,
      snapshotId,
      sequenceNumber: null,
      fileSequenceNumber: null,
      dataFile: {
        content: 0,
        filePath,
        fileFormat: 'PARQUET',
        specId: spec.specId,
        partition: [],
        recordCount: written.recordCount,
        fileSizeInBytes: written.sizeBytes,
        ...dataFileMetrics(schema, written.columns, metadata.properties),
      },
    });
  }
  for (const { entry } of await liveEntries(io, head)) {
    const gone = chosen.has(entry.dataFile.filePath);
    entries.push(
      gone
        ? { ...entry, status: ENTRY_STATUS.DELETED, snapshotId }
        : { ...entry, status: ENTRY_STATUS.EXISTING },
    );
  }
  const base = `${metadata.location.replace(/\/+$/, '')}/metadata/engine-${snapshotId}`;
  const bytes = encodeManifest(entries, {
    schema,
    spec,
    formatVersion: 2,
    content: 'data',
    syncMarker: randomBytes(16),
  });
  await io.write(`${base}-m0.avro`, bytes);
  const dataManifest = describeManifest(entries, {
    manifestPath: `${base}-m0.avro`,
    manifestLength: bytes.length,
    spec,
    schema,
    content: 0,
    snapshotId,
  });
  const deleteManifests = decodeManifestList(await io.read(head.manifestList)).filter((m) => m.content !== 0);
  const listPath = `${base}-list.avro`;
  await io.write(
    listPath,
    encodeManifestList([dataManifest, ...deleteManifests], {
      snapshotId,
      parentSnapshotId: head.snapshotId,
      sequenceNumber,
      formatVersion: 2,
      syncMarker: randomBytes(16),
    }),
  );
  await catalog.commitTable(
    id,
    [
      { type: 'assert-table-uuid', uuid: metadata.tableUuid },
      { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: head.snapshotId },
    ],
    [
      {
        action: 'add-snapshot',
        snapshot: {
          snapshotId,
          parentSnapshotId: head.snapshotId,
          sequenceNumber,
          timestampMs: Date.now(),
          manifestList: listPath,
          summary: { operation: 'replace', 'engine-id': 'keyed-schedules' },
          schemaId: currentSchema(metadata).schemaId,
        },
      },
      { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId },
    ],
  );
  return true;
}
