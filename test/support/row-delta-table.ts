// Row deltas on a table of one long column `id`, for the row-delta tests: data
// files written with floe's Parquet writer, position deletes against random live
// rows (with the same ids re-inserted in the same commit, as an upsert does), a
// model of the live rows, and an in-process reader applying the spec's delete
// semantics (a position delete applies to the data file it names when its data
// sequence number is >= the data file's).
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import type { DataFile } from '../../src/iceberg/data-file.ts';
import { decodeManifest } from '../../src/iceberg/manifest.ts';
import { ENTRY_STATUS, inheritManifestMetadata } from '../../src/iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import type { TableMetadata } from '../../src/iceberg/table-metadata.ts';
import { branchHead, currentSchema } from '../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { writeParquetDataFile } from '../../src/parquet/parquet-data-file-writer.ts';
import { readParquetRows } from '../../src/parquet/parquet-row-reader.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../src/parquet/parquet-write-properties.ts';
import { dataFileMetrics } from '../../src/sink/data-file-metrics.ts';
import { isDeletionVector, readDeletionVector } from '../../src/sink/deletion-vector-files.ts';
import { POSITION_DELETE_SCHEMA, writePositionDeleteFile } from '../../src/sink/position-delete-writer.ts';
import { writeRowDeltaDeletes } from '../../src/sink/row-delta.ts';
import { newCommitId } from '../../src/sink/snapshot-ids.ts';
import { type AppendResult, SnapshotProducer } from '../../src/sink/snapshot-producer.ts';
import { dataDirectory } from '../../src/sink/table-paths.ts';
import type { Rng } from '../sim/rng.ts';
import { tempSqlTable } from './temp-sql-table.ts';

/** A temp SQLite table of one long column `id` with `properties`, a producer that never sleeps, and an empty model. */
export async function rowDeltaSetup(properties: Record<string, string>) {
  const table = await tempSqlTable(properties);
  const producer = new SnapshotProducer(table.catalog, table.io, { sleep: async () => {} });
  const load = async () => (await table.catalog.loadTable(table.id)).metadata;
  return { ...table, producer, load, model: new RowDeltaModel() };
}

/** An unpartitioned data file of `ids`, written where the table writes its data. */
export async function writeIds(
  io: FileIO,
  metadata: TableMetadata,
  ids: readonly bigint[],
): Promise<DataFile> {
  const schema = currentSchema(metadata);
  const written = writeParquetDataFile(
    schema,
    ids.map((id) => ({ id })),
    DEFAULT_PARQUET_WRITE_PROPERTIES,
  );
  const filePath = `${dataDirectory(metadata)}/${newCommitId()}.parquet`;
  await io.write(filePath, written.bytes);
  return {
    content: 0,
    filePath,
    fileFormat: 'PARQUET',
    specId: 0,
    partition: [],
    recordCount: written.recordCount,
    fileSizeInBytes: written.sizeBytes,
    ...dataFileMetrics(schema, written.columns, metadata.properties),
  };
}

/** What the table should hold: per live data file its ids and the positions deleted so far. */
export class RowDeltaModel {
  readonly files = new Map<string, { file: DataFile; ids: bigint[]; deleted: Set<number> }>();
  #next = 0n;

  freshIds(n: number): bigint[] {
    return Array.from({ length: n }, () => this.#next++);
  }

  added(file: DataFile, ids: readonly bigint[]): void {
    this.files.set(file.filePath, { file, ids: [...ids], deleted: new Set() });
  }

  liveIds(): bigint[] {
    const out: bigint[] = [];
    for (const { ids, deleted } of this.files.values())
      ids.forEach((id, pos) => {
        if (!deleted.has(pos)) out.push(id);
      });
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

const commitNow = () => ({ kind: 'commit' as const });

/** Appends `n` fresh ids in one data file. */
export async function appendIds(
  producer: SnapshotProducer,
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  model: RowDeltaModel,
  n: number,
): Promise<AppendResult> {
  const metadata = (await catalog.loadTable(id)).metadata;
  const ids = model.freshIds(n);
  const file = await writeIds(io, metadata, ids);
  const result = await producer.append(id, { dataFiles: [file], decide: commitNow });
  if (result.kind === 'committed') model.added(file, ids);
  return result;
}

/**
 * A row delta: random live rows of up to `maxFiles` files deleted by position,
 * and, when `reinsert`, the same ids written again in a new data file of the
 * same commit (an upsert of those keys). Returns the commit result.
 */
export async function randomRowDelta(
  rng: Rng,
  producer: SnapshotProducer,
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  model: RowDeltaModel,
  options: { maxFiles: number; maxRows: number; reinsert: boolean },
): Promise<{ result: AppendResult; deleted: number } | undefined> {
  const candidates = [...model.files.values()].filter((f) => f.deleted.size < f.ids.length);
  if (candidates.length === 0) return undefined;
  const metadata = (await catalog.loadTable(id)).metadata;
  const chosen = new Map<string, Set<number>>();
  for (let i = 0; i < options.maxFiles; i++) {
    const target = rng.pick(candidates);
    const positions = chosen.get(target.file.filePath) ?? new Set<number>();
    for (let r = 1 + rng.int(options.maxRows); r > 0; r--) {
      const pos = rng.int(target.ids.length);
      if (!target.deleted.has(pos)) positions.add(pos);
    }
    if (positions.size > 0) chosen.set(target.file.filePath, positions);
  }
  if (chosen.size === 0) return undefined;
  const reinserted: bigint[] = [];
  for (const [path, positions] of chosen) {
    const target = model.files.get(path)!;
    for (const pos of positions) reinserted.push(target.ids[pos]!);
  }
  // v2: position-delete files written against the model's files as they are (the commit's
  // validation is what catches a file compacted meanwhile); v3: deletion vectors merged with
  // each file's live vector, which needs the files live on the table
  let deleteFiles: DataFile[] = [];
  let replacedDeleteFiles: readonly DataFile[] = [];
  if (metadata.formatVersion < 3) {
    for (const [path, positions] of chosen)
      deleteFiles.push(
        await writePositionDeleteFile(io, metadata, { dataFile: model.files.get(path)!.file, positions }),
      );
  } else {
    const written = await writeRowDeltaDeletes(io, metadata, chosen);
    if (written.gone.length > 0)
      throw new Error(`randomRowDelta: data files gone on v3: ${written.gone.join(', ')}`);
    deleteFiles = [...written.deleteFiles];
    replacedDeleteFiles = written.replacedDeleteFiles;
  }
  const dataFiles = options.reinsert ? [await writeIds(io, metadata, reinserted)] : [];
  const result = await producer.append(id, {
    dataFiles,
    deleteFiles,
    replacedDeleteFiles,
    decide: commitNow,
  });
  if (result.kind === 'committed') {
    for (const [path, positions] of chosen)
      for (const pos of positions) model.files.get(path)!.deleted.add(pos);
    if (options.reinsert) model.added(dataFiles[0]!, reinserted);
  }
  return { result, deleted: reinserted.length };
}

/** The ids main holds, read in-process with the spec's position-delete (and deletion vector) semantics; sorted. */
export async function readLiveIds(io: FileIO, metadata: TableMetadata): Promise<bigint[]> {
  const head = branchHead(metadata, 'main');
  if (head === undefined) return [];
  const data: Array<{ file: DataFile; sequence: number }> = [];
  const deletes = new Map<string, Array<{ positions: Set<number>; sequence: number }>>();
  for (const manifest of decodeManifestList(await io.read(head.manifestList))) {
    for (const stored of decodeManifest(await io.read(manifest.manifestPath)).entries) {
      if (stored.status === ENTRY_STATUS.DELETED) continue;
      const entry = inheritManifestMetadata(stored, manifest);
      const sequence = entry.sequenceNumber!;
      if (entry.dataFile.content === 0) {
        data.push({ file: entry.dataFile, sequence });
        continue;
      }
      const byPath = new Map<string, Set<number>>();
      if (isDeletionVector(entry.dataFile)) {
        const positions = await readDeletionVector(io, entry.dataFile);
        byPath.set(entry.dataFile.referencedDataFile!, new Set(positions));
      }
      const rows = isDeletionVector(entry.dataFile)
        ? []
        : readParquetRows(await io.read(entry.dataFile.filePath), POSITION_DELETE_SCHEMA, 'deletes');
      for (const row of rows) {
        const path = String(row.file_path);
        byPath.set(path, (byPath.get(path) ?? new Set()).add(Number(row.pos)));
      }
      for (const [path, positions] of byPath) {
        deletes.set(path, [...(deletes.get(path) ?? []), { positions, sequence }]);
      }
    }
  }
  const out: bigint[] = [];
  for (const { file, sequence } of data) {
    const applicable = (deletes.get(file.filePath) ?? []).filter((d) => d.sequence >= sequence);
    const rows = readParquetRows(await io.read(file.filePath), currentSchema(metadata), file.filePath);
    rows.forEach((row, pos) => {
      if (!applicable.some((d) => d.positions.has(pos))) out.push(BigInt(row.id as bigint));
    });
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
