// Compaction of v2 tables with position deletes (row deltas, as floe's upsert and
// Spark's merge-on-read write them), on an in-process SQLite catalog and local
// files: file-scoped deletes are applied by the rewrite and removed in the same
// replace snapshot; partition-scoped ones keep blocking the files they may
// reach; a file whose deleted fraction is high is rewritten whatever its size; a
// delete committed against a file being rewritten makes the plan stale; a keyed
// table's files are rewritten per Kafka partition with their attribution kept;
// and, over random tables, the rows visible after equal those before.
import { describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { encodeManifest } from '../../../src/iceberg/manifest.ts';
import { ENTRY_STATUS } from '../../../src/iceberg/manifest-entry.ts';
import {
  decodeManifestList,
  describeManifest,
  encodeManifestList,
} from '../../../src/iceberg/manifest-list.ts';
import {
  branchHead,
  currentSchema,
  specById,
  type TableMetadata,
} from '../../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../../src/io/file-io.ts';
import { liveData, liveDeletes, readSnapshotFiles } from '../../../src/maintenance/compaction-files.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { dataFileMetrics } from '../../../src/sink/data-file-metrics.ts';
import { POSITION_DELETE_SCHEMA, writePositionDeleteFile } from '../../../src/sink/position-delete-writer.ts';
import { newCommitId, newSnapshotId, newSyncMarker } from '../../../src/sink/snapshot-ids.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { dataDirectory, metadataDirectory } from '../../../src/sink/table-paths.ts';
import { Rng } from '../../sim/rng.ts';
import { readLiveIds, writeIds } from '../../support/row-delta-table.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

const commitNow = () => ({ kind: 'commit' as const });
const later = () => Date.now() + 3_600_000; // every partition quiet

async function setUp() {
  const t = await tempSqlTable({ 'format-version': '2' });
  const producer = new SnapshotProducer(t.catalog, t.io, { sleep: async () => {} });
  const load = async () => (await t.catalog.loadTable(t.id)).metadata;
  let next = 0n;
  /** Appends `n` fresh ids in one data file (named with `suffix` when given). */
  const append = async (n: number, suffix?: string): Promise<DataFile> => {
    const ids = Array.from({ length: n }, () => next++);
    const file =
      suffix === undefined
        ? await writeIds(t.io, await load(), ids)
        : await writeNamed(t.io, await load(), ids, suffix);
    expect((await producer.append(t.id, { dataFiles: [file], decide: commitNow })).kind).toBe('committed');
    return file;
  };
  /** A row delta deleting `positions` of `file` through a file-scoped position-delete file. */
  const deleteRows = async (file: DataFile, positions: number[]): Promise<DataFile> => {
    const del = await writePositionDeleteFile(t.io, await load(), { dataFile: file, positions });
    expect((await producer.append(t.id, { dataFiles: [], deleteFiles: [del], decide: commitNow })).kind).toBe(
      'committed',
    );
    return del;
  };
  /** A position-delete file spanning several data files (no referenced_data_file; bounds differ). */
  const deleteAcross = async (targets: ReadonlyArray<readonly [DataFile, number]>): Promise<DataFile> => {
    const del = await writeSpanningDeletes(t.io, await load(), targets);
    await commitDeleteFile(t.catalog, t.io, t.id, del);
    return del;
  };
  const live = async () => {
    const metadata = await load();
    const files = await readSnapshotFiles(t.io, metadata, branchHead(metadata, 'main')!);
    return {
      data: liveData(files).map((e) => e.dataFile.filePath),
      deletes: liveDeletes(files).map((e) => e.dataFile.filePath),
      summary: branchHead(metadata, 'main')!.summary,
    };
  };
  const ids = async () => readLiveIds(t.io, await load());
  return { ...t, producer, load, append, deleteRows, deleteAcross, live, ids };
}

describe('compaction with position deletes', { timeout: 60_000 }, () => {
  it('applies file-scoped deletes while rewriting and removes them in the same replace snapshot', async () => {
    const t = await setUp();
    const files: DataFile[] = [];
    for (let i = 0; i < 6; i++) files.push(await t.append(10));
    const d1 = await t.deleteRows(files[0]!, [0, 3]);
    const d2 = await t.deleteRows(files[2]!, [9]);
    const d3 = await t.deleteRows(files[2]!, [1]);
    const before = await t.ids();
    expect(before).toHaveLength(56);

    const result = await compactTable(t.catalog, t.io, t.id, { force: true, now: later });
    expect(result).toMatchObject({ filesRewritten: 6, filesAdded: 1, deleteFilesRemoved: 3, records: 56 });
    expect(await t.ids()).toEqual(before);
    const after = await t.live();
    expect(after.deletes).toEqual([]);
    expect(after.data).toHaveLength(1);
    for (const d of [d1, d2, d3]) expect(after.deletes).not.toContain(d.filePath);
    expect(after.summary).toMatchObject({
      operation: 'replace',
      'removed-delete-files': '3',
      'removed-position-deletes': '4',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-records': '56', // rows in data files: the deleted ones are no longer in any
      'total-data-files': '1',
    });
  });

  it('keeps a partition-scoped delete and the files it may reach; rewrites the later ones', async () => {
    const t = await setUp();
    const early = [await t.append(10), await t.append(10)];
    const spanning = await t.deleteAcross([
      [early[0]!, 1],
      [early[1]!, 2],
    ]);
    const laterFiles: DataFile[] = [];
    for (let i = 0; i < 4; i++) laterFiles.push(await t.append(10));
    const before = await t.ids();
    const result = await compactTable(t.catalog, t.io, t.id, { force: true, minInputFiles: 2, now: later });
    expect(result.filesRewritten).toBe(4);
    const after = await t.live();
    expect(after.deletes).toEqual([spanning.filePath]);
    expect(after.data).toEqual(expect.arrayContaining(early.map((f) => f.filePath)));
    expect(await t.ids()).toEqual(before);
  });

  it('rewrites a file whose deleted fraction reaches delete-ratio-threshold, alone and whatever its size', async () => {
    const t = await setUp();
    const big = await t.append(100);
    const other = await t.append(100);
    await t.deleteRows(big, [...Array(30).keys()]);
    await t.deleteRows(other, [...Array(29).keys()]);
    const before = await t.ids();
    // target 1 byte: no file is small; only the delete-heavy one is worth a rewrite (30% by default)
    const result = await compactTable(t.catalog, t.io, t.id, {
      force: true,
      targetFileSizeBytes: 1,
      now: later,
    });
    expect(result).toMatchObject({ filesRewritten: 1, deleteFilesRemoved: 1, records: 70 });
    const after = await t.live();
    expect(after.data).toContain(other.filePath);
    expect(after.data).not.toContain(big.filePath);
    expect(after.deletes).toHaveLength(1);
    expect(await t.ids()).toEqual(before);
    // the table property lowers the threshold: the other file goes too
    await t.catalog.commitTable(
      t.id,
      [],
      [{ action: 'set-properties', updates: { 'floe.compaction.delete-ratio-threshold': '0.29' } }],
    );
    const again = await compactTable(t.catalog, t.io, t.id, {
      force: true,
      targetFileSizeBytes: 1,
      now: later,
    });
    expect(again.filesRewritten).toBe(1);
    expect((await t.live()).deletes).toEqual([]);
    expect(await t.ids()).toEqual(before);
  });

  it('a file all of whose rows are deleted goes without a replacement', async () => {
    const t = await setUp();
    const gone = await t.append(5);
    await t.append(5);
    await t.deleteRows(gone, [0, 1, 2, 3, 4]);
    const before = await t.ids();
    const result = await compactTable(t.catalog, t.io, t.id, {
      force: true,
      targetFileSizeBytes: 1,
      now: later,
    });
    expect(result).toMatchObject({ filesRewritten: 1, filesAdded: 0, deleteFilesRemoved: 1 });
    expect((await t.live()).data).toHaveLength(1);
    expect(await t.ids()).toEqual(before);
  });

  it('re-plans when a delete against a file being rewritten is committed meanwhile: the deleted row stays deleted', async () => {
    const t = await setUp();
    const files: DataFile[] = [];
    for (let i = 0; i < 6; i++) files.push(await t.append(10));
    await t.deleteRows(files[1]!, [4]);
    let raced: DataFile | undefined;
    const racing: Catalog = new Proxy(t.catalog, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== 'commitTable') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<Catalog['commitTable']>) => {
          // the first replace attempt: a row delta lands first, deleting a row of a file being rewritten
          if (raced === undefined) raced = await t.deleteRows(files[3]!, [7]);
          return target.commitTable(...args);
        };
      },
    });
    const result = await compactTable(racing, t.io, t.id, { force: true, now: later });
    expect(result.replans).toBe(1);
    expect(result.deleteFilesRemoved).toBe(2);
    expect(await t.ids()).not.toContain(37n);
    expect(await t.ids()).not.toContain(14n);
    expect(await t.ids()).toHaveLength(58);
    expect((await t.live()).deletes).toEqual([]);
  });

  it('a keyed table: files are rewritten per Kafka partition they are attributed to, and keep the attribution', async () => {
    const t = await setUp();
    const kp0: DataFile[] = [];
    for (let i = 0; i < 5; i++) kp0.push(await t.append(4, '.kp0-orders.parquet'));
    for (let i = 0; i < 5; i++) await t.append(4, '.kp1-orders.parquet');
    for (let i = 0; i < 5; i++) await t.append(4);
    await t.deleteRows(kp0[2]!, [1]);
    const before = await t.ids();
    const result = await compactTable(t.catalog, t.io, t.id, { force: true, now: later });
    expect(result).toMatchObject({ filesRewritten: 15, filesAdded: 3, deleteFilesRemoved: 1 });
    const names = (await t.live()).data.map((p) => p.slice(p.lastIndexOf('/') + 1));
    expect(names.filter((n) => n.endsWith('.kp0-orders.parquet'))).toHaveLength(1);
    expect(names.filter((n) => n.endsWith('.kp1-orders.parquet'))).toHaveLength(1);
    expect(names.filter((n) => !n.includes('.kp'))).toHaveLength(1);
    expect(await t.ids()).toEqual(before);
  });

  it('property: over random tables, the rows visible after compaction are those before', async () => {
    for (let seed = 1; seed <= 16; seed++) {
      const rng = new Rng(seed);
      const t = await setUp();
      const files: Array<{ file: DataFile; rows: number }> = [];
      const steps = 8 + rng.int(14);
      for (let s = 0; s < steps; s++) {
        const roll = rng.int(10);
        if (roll < 5 || files.length === 0) {
          const rows = 1 + rng.int(20);
          const suffix = rng.int(3) === 0 ? `.kp${rng.int(2)}-t.parquet` : undefined;
          files.push({ file: await t.append(rows, suffix), rows });
        } else if (roll < 9) {
          const target = rng.pick(files);
          const positions = [
            ...new Set(Array.from({ length: 1 + rng.int(target.rows) }, () => rng.int(target.rows))),
          ];
          await t.deleteRows(target.file, positions);
        } else {
          const a = rng.pick(files);
          const b = rng.pick(files);
          await t.deleteAcross([
            [a.file, rng.int(a.rows)],
            [b.file, rng.int(b.rows)],
          ]);
        }
      }
      const before = await t.ids();
      const deletesBefore = (await t.live()).deletes;
      const result = await compactTable(t.catalog, t.io, t.id, {
        force: true,
        minInputFiles: 2,
        targetFileSizeBytes: rng.int(2) === 0 ? 1 : 512 * 1024 * 1024,
        deleteRatioThreshold: 0.1 + rng.int(9) / 10,
        ...(rng.int(2) === 0 ? { now: later } : {}),
      });
      expect(await t.ids(), `seed ${seed}`).toEqual(before);
      const deletesAfter = (await t.live()).deletes;
      expect(deletesBefore.length - deletesAfter.length, `seed ${seed}`).toBe(result.deleteFilesRemoved ?? 0);
      await t.catalog.close();
    }
  });
});

/** Commits one delete file as another engine's row delta would (floe's own commits file-scoped ones only). */
async function commitDeleteFile(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  del: DataFile,
): Promise<void> {
  const { metadata } = await catalog.loadTable(id);
  const head = branchHead(metadata, 'main')!;
  const snapshotId = newSnapshotId(metadata);
  const sequenceNumber = metadata.lastSequenceNumber + 1;
  const schema = currentSchema(metadata);
  const spec = specById(metadata, del.specId);
  const entries = [
    { status: ENTRY_STATUS.ADDED, snapshotId, sequenceNumber: null, fileSequenceNumber: null, dataFile: del },
  ];
  const bytes = encodeManifest(entries, {
    schema,
    spec,
    formatVersion: 2,
    content: 'deletes',
    syncMarker: newSyncMarker(),
  });
  const manifestPath = `${metadataDirectory(metadata)}/${newCommitId()}-del.avro`;
  await io.write(manifestPath, bytes);
  const manifest = describeManifest(entries, {
    manifestPath,
    manifestLength: bytes.length,
    spec,
    schema,
    content: 1,
    snapshotId,
  });
  const list = [manifest, ...decodeManifestList(await io.read(head.manifestList))];
  const listPath = `${metadataDirectory(metadata)}/snap-${snapshotId}-${newCommitId()}.avro`;
  await io.write(
    listPath,
    encodeManifestList(list, {
      snapshotId,
      parentSnapshotId: head.snapshotId,
      sequenceNumber,
      formatVersion: 2,
      syncMarker: newSyncMarker(),
    }),
  );
  await catalog.commitTable(
    id,
    [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: head.snapshotId }],
    [
      {
        action: 'add-snapshot',
        snapshot: {
          snapshotId,
          parentSnapshotId: head.snapshotId,
          sequenceNumber,
          timestampMs: Date.now(),
          manifestList: listPath,
          summary: { operation: 'delete' },
          schemaId: schema.schemaId,
        },
      },
      { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId },
    ],
  );
}

/** A data file of `ids` whose name ends with `suffix` (a keyed connector's attribution). */
async function writeNamed(
  io: FileIO,
  metadata: TableMetadata,
  ids: readonly bigint[],
  suffix: string,
): Promise<DataFile> {
  const file = await writeIds(io, metadata, ids);
  const filePath = `${dataDirectory(metadata)}/${newCommitId()}${suffix}`;
  await io.write(filePath, await io.read(file.filePath));
  await io.delete(file.filePath);
  return { ...file, filePath };
}

/** One position-delete file over several data files: partition-scoped (as Spark writes one per partition). */
async function writeSpanningDeletes(
  io: FileIO,
  metadata: TableMetadata,
  targets: ReadonlyArray<readonly [DataFile, number]>,
): Promise<DataFile> {
  const rows = targets
    .map(([file, pos]) => ({ file_path: file.filePath, pos: BigInt(pos) }))
    .sort((a, b) => (a.file_path < b.file_path ? -1 : a.file_path > b.file_path ? 1 : Number(a.pos - b.pos)));
  const written = writeParquetDataFile(POSITION_DELETE_SCHEMA, rows, DEFAULT_PARQUET_WRITE_PROPERTIES);
  const filePath = `${dataDirectory(metadata)}/${newCommitId()}-spanning-deletes.parquet`;
  await io.write(filePath, written.bytes);
  return {
    content: 1,
    filePath,
    fileFormat: 'PARQUET',
    specId: 0,
    partition: [],
    recordCount: written.recordCount,
    fileSizeInBytes: written.sizeBytes,
    ...dataFileMetrics(POSITION_DELETE_SCHEMA, written.columns, { 'write.metadata.metrics.default': 'full' }),
  };
}
