// The rewrite reads its input one Parquet row group at a time (compaction-rewrite.ts):
// over input files of many row groups, with file-scoped position deletes landing
// in later row groups, the rows after equal the rows before, positions count
// across row groups, and a sorted table's new file is in its sort order
// (rows sorted by reference, made as they are written). SQLite catalog + local files.
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { branchHead, currentSchema, type TableMetadata } from '../../../src/iceberg/table-metadata.ts';
import { parseTransform } from '../../../src/iceberg/transforms.ts';
import type { FileIO } from '../../../src/io/file-io.ts';
import { liveData, liveDeletes, readSnapshotFiles } from '../../../src/maintenance/compaction-files.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { readParquetFooter } from '../../../src/parquet/parquet-footer.ts';
import { readParquetRows, streamParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { parquetWritePropertiesFromTable } from '../../../src/parquet/parquet-write-properties.ts';
import { dataFileMetrics } from '../../../src/sink/data-file-metrics.ts';
import { writePositionDeleteFile } from '../../../src/sink/position-delete-writer.ts';
import { newCommitId } from '../../../src/sink/snapshot-ids.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { dataDirectory } from '../../../src/sink/table-paths.ts';
import { readLiveIds } from '../../support/row-delta-table.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

const commitNow = () => ({ kind: 'commit' as const });
const ROWS_PER_FILE = 3000;

/** A data file of `ids` written with the table's Parquet properties (its small row groups). */
async function writeFile(io: FileIO, metadata: TableMetadata, ids: readonly bigint[]): Promise<DataFile> {
  const schema = currentSchema(metadata);
  const props = parquetWritePropertiesFromTable(metadata.properties);
  const written = writeParquetDataFile(
    schema,
    ids.map((id) => ({ id })),
    props,
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

async function setUp(sorted: boolean) {
  // Row groups of a few hundred rows: every input file has several.
  const t = await tempSqlTable({ 'format-version': '2', 'write.parquet.row-group-size-bytes': '4096' });
  if (sorted)
    await t.catalog.commitTable(
      t.id,
      [],
      [
        {
          action: 'add-sort-order',
          sortOrder: {
            orderId: 1,
            fields: [
              {
                sourceId: 1,
                transform: parseTransform('identity'),
                direction: 'desc',
                nullOrder: 'nulls-last',
              },
            ],
          },
        },
        { action: 'set-default-sort-order', sortOrderId: -1 },
      ],
    );
  const producer = new SnapshotProducer(t.catalog, t.io, { sleep: async () => {} });
  const load = async () => (await t.catalog.loadTable(t.id)).metadata;
  const expected: bigint[] = [];
  for (let f = 0; f < 4; f++) {
    const ids = Array.from({ length: ROWS_PER_FILE }, (_, k) => BigInt(f * ROWS_PER_FILE + k));
    const file = await writeFile(t.io, await load(), ids);
    const bytes = await t.io.read(file.filePath);
    expect(readParquetFooter(bytes).rowGroups.length).toBeGreaterThan(3);
    expect(await producer.append(t.id, { dataFiles: [file], decide: commitNow })).toMatchObject({
      kind: 'committed',
    });
    // Positions in the first, a middle and the last row group, and the very last row.
    const positions = [0, 7, 1500, 1501, 2222, ROWS_PER_FILE - 1];
    if (f % 2 === 0) {
      const del = await writePositionDeleteFile(t.io, await load(), { dataFile: file, positions });
      const deleted = await producer.append(t.id, { dataFiles: [], deleteFiles: [del], decide: commitNow });
      expect(deleted.kind).toBe('committed');
    }
    expected.push(...ids.filter((_, pos) => f % 2 !== 0 || !positions.includes(pos)));
  }
  return { ...t, load, expected };
}

async function compactAll(t: Awaited<ReturnType<typeof setUp>>) {
  const result = await compactTable(t.catalog, t.io, t.id, { force: true, quietMs: 0, minInputFiles: 2 });
  expect(result).toMatchObject({ filesRewritten: 4, filesAdded: 1, deleteFilesRemoved: 2 });
  const metadata = await t.load();
  const files = await readSnapshotFiles(t.io, metadata, branchHead(metadata, 'main')!);
  expect(liveDeletes(files)).toEqual([]);
  const [only] = liveData(files);
  return { metadata, path: only!.dataFile.filePath, result };
}

describe('compaction reads its input row group by row group', { timeout: 60_000 }, () => {
  it('streams files of many row groups with deletes in later row groups: the rows after equal those before', async () => {
    const t = await setUp(false);
    expect(await readLiveIds(t.io, await t.load())).toEqual(t.expected);
    const { metadata, path, result } = await compactAll(t);
    expect(result.records).toBe(t.expected.length);
    // Unsorted: file order, oldest file first.
    const rows = readParquetRows(await t.io.read(path), currentSchema(metadata), path);
    expect(rows.map((r) => r.id)).toEqual(t.expected);
    expect(await readLiveIds(t.io, metadata)).toEqual(t.expected);
    await t.catalog.close();
  });

  it('a sorted table: the new file is in the sort order, every live row once', async () => {
    const t = await setUp(true);
    const { metadata, path } = await compactAll(t);
    const rows = readParquetRows(await t.io.read(path), currentSchema(metadata), path);
    expect(rows.map((r) => r.id)).toEqual([...t.expected].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    await t.catalog.close();
  });

  it('streamParquetRows yields what readParquetRows reads, across row groups', async () => {
    const t = await setUp(false);
    const metadata = await t.load();
    const files = await readSnapshotFiles(t.io, metadata, branchHead(metadata, 'main')!);
    const path = liveData(files)[0]!.dataFile.filePath;
    const bytes = await t.io.read(path);
    const schema = currentSchema(metadata);
    expect([...streamParquetRows(bytes, schema, path)]).toEqual(readParquetRows(bytes, schema, path));
    await t.catalog.close();
  });
});
