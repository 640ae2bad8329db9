// Compaction of tables with position deletes on the real stack (REST catalog +
// S3): a merge-on-read table Spark wrote (its DELETE leaves a position-delete
// file, written by Java) to which floe appended, and a table of floe's row
// deltas (file-scoped position-delete files, one data file mostly deleted).
// floe compacts both: the deleted rows are left out of the new files and the
// delete files leave the current snapshot in the same replace. PyIceberg, Spark
// and DuckDB read the expected rows after, PyIceberg before and after (one
// Spark start to read, one to write Spark's table). A v3 table floe
// compacts keeps its row lineage: Spark reads the same _row_id and
// _last_updated_sequence_number for every row at the snapshot before the
// compaction and at the one after (one Spark start reads both).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import type { DataFile } from '../../src/iceberg/data-file.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { primitive, type Schema } from '../../src/iceberg/types.ts';
import { liveData, liveDeletes, readSnapshotFiles } from '../../src/maintenance/compaction-files.ts';
import { compactTable } from '../../src/maintenance/compaction-run.ts';
import { writePositionDeleteFile } from '../../src/sink/position-delete-writer.ts';
import { SnapshotProducer } from '../../src/sink/snapshot-producer.ts';
import { appendRows } from '../support/floe-append.ts';
import { testFileIO } from '../support/io.ts';
import { missingFiles } from '../support/reachable-files.ts';
import { catalogArgs, type ReaderCatalog, readWithPyIceberg } from '../support/reader.ts';
import { readerPython } from '../support/reader-python.ts';
import { readLiveIds, writeIds } from '../support/row-delta-table.ts';
import { services, uniqueName } from '../support/services.ts';
import { expectReadersAgree } from '../support/three-readers.ts';

const run = promisify(execFile);
const rest: ReaderCatalog = { kind: 'rest' };
const io = testFileIO();
const started = Date.now();
const step = (what: string) =>
  console.log(`[compaction-deletes ${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
const commitNow = () => ({ kind: 'commit' as const });
const later = () => Date.now() + 3_600_000; // every partition quiet

async function spark(action: string, table: string, ...extra: string[]): Promise<Record<string, number>> {
  const script = join(services.root, 'test/interop/spark_maintain.py');
  const { stdout } = await run(readerPython(), [script, ...catalogArgs(rest), action, table, ...extra], {
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

/** One optional long column `id`. */
const ID_SCHEMA: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [{ id: 1, name: 'id', required: false, type: primitive('long') }],
};

let catalog: Catalog;
beforeAll(async () => {
  catalog = await RestCatalog.connect({
    uri: services.restUri,
    warehouse: `s3://${services.s3.bucket}/rest`,
  });
});
afterAll(async () => catalog.close());

async function live(id: TableIdentifier): Promise<{ data: string[]; deletes: string[] }> {
  const { metadata } = await catalog.loadTable(id);
  const files = await readSnapshotFiles(io, metadata, branchHead(metadata, 'main')!);
  return {
    data: liveData(files).map((e) => e.dataFile.filePath),
    deletes: liveDeletes(files).map((e) => e.dataFile.filePath),
  };
}

const sortedIds = (rows: Array<Record<string, unknown>>) =>
  rows.map((r) => Number(r.id)).sort((a, b) => a - b);

describe('compaction applies position deletes (REST + S3)', () => {
  it('Spark merge-on-read deletes and floe row deltas: the same rows before and after (three readers after), delete files gone', async () => {
    const namespace = uniqueName('compactdel');
    const sparkTable = `${namespace}.spark_mor`;
    const floeTable = `${namespace}.row_deltas`;
    // Spark's table: ids 0..99, every tenth deleted by a position delete; floe appends 3 small files.
    expect(await spark('create-mor', sparkTable, '--rows', '100')).toEqual({ rows: 90, deleteFiles: 1 });
    step('Spark wrote its merge-on-read table');
    const sparkId = parseTableIdentifier(sparkTable);
    for (let b = 0; b < 3; b++) {
      const rows = Array.from({ length: 10 }, (_, k) => ({ id: BigInt(1000 + b * 10 + k), kind: 'floe' }));
      await appendRows(catalog, io, sparkId, rows);
    }

    // floe's table: six appends of 20 ids, then row deltas on three files (one loses 15 of its 20 rows).
    const floeId = parseTableIdentifier(floeTable);
    await catalog.createTable(floeId, {
      schema: ID_SCHEMA,
      properties: { 'format-version': '2' },
    });
    const producer = new SnapshotProducer(catalog, io);
    const files: DataFile[] = [];
    for (let b = 0; b < 6; b++) {
      const metadata = (await catalog.loadTable(floeId)).metadata;
      const file = await writeIds(
        io,
        metadata,
        Array.from({ length: 20 }, (_, k) => BigInt(b * 20 + k)),
      );
      expect((await producer.append(floeId, { dataFiles: [file], decide: commitNow })).kind).toBe(
        'committed',
      );
      files.push(file);
    }
    const deletions: Array<[number, number[]]> = [
      [0, [0, 5]],
      [3, [...Array(15).keys()]],
      [3, [19]],
      [5, [10]],
    ];
    for (const [index, positions] of deletions) {
      const metadata = (await catalog.loadTable(floeId)).metadata;
      const del = await writePositionDeleteFile(io, metadata, { dataFile: files[index]!, positions });
      const result = await producer.append(floeId, { dataFiles: [], deleteFiles: [del], decide: commitNow });
      expect(result.kind).toBe('committed');
    }
    const deleted = new Set([0, 5, ...Array.from({ length: 15 }, (_, k) => 60 + k), 79, 110]);
    const floeExpected = Array.from({ length: 120 }, (_, i) => i).filter((i) => !deleted.has(i));
    const sparkExpected = [
      ...Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 10 !== 0),
      ...Array.from({ length: 30 }, (_, i) => 1000 + i),
    ];
    step('floe wrote its row deltas');

    // Before: PyIceberg (a Spark start fewer; three readers on such tables are the row-delta and
    // spark-maintenance tests' subject) and floe's in-process reader of the spec's delete semantics.
    const before = new Map<string, Array<Record<string, unknown>>>();
    for (const table of [sparkTable, floeTable])
      before.set(table, (await readWithPyIceberg(rest, 'table', { table })).rows);
    expect(sortedIds(before.get(sparkTable)!)).toEqual(sparkExpected);
    expect(sortedIds(before.get(floeTable)!)).toEqual(floeExpected);
    expect((await readLiveIds(io, (await catalog.loadTable(floeId)).metadata)).map(Number)).toEqual(
      floeExpected,
    );
    expect((await live(sparkId)).deletes).toHaveLength(1);
    expect((await live(floeId)).deletes).toHaveLength(4);
    step('PyIceberg read before');

    const options = { force: true, minInputFiles: 2, now: later };
    const sparkRun = await compactTable(catalog, io, sparkId, options);
    const floeRun = await compactTable(catalog, io, floeId, options);
    // Java's delete file names one data file (its file_path bounds are equal): applied, then dropped.
    expect(sparkRun).toMatchObject({ filesAdded: 1, deleteFilesRemoved: 1, records: 120 });
    expect(floeRun).toMatchObject({ filesRewritten: 6, filesAdded: 1, deleteFilesRemoved: 4, records: 101 });
    for (const id of [sparkId, floeId]) {
      const after = await live(id);
      expect(after).toMatchObject({ deletes: [] });
      expect(after.data).toHaveLength(1);
      const { metadata } = await catalog.loadTable(id);
      expect(branchHead(metadata, 'main')!.summary).toMatchObject({
        operation: 'replace',
        'total-delete-files': '0',
      });
      expect(await missingFiles(io, metadata)).toEqual([]);
    }
    step('compacted');

    const after = await expectReadersAgree(rest, [sparkTable, floeTable]);
    expect(sortedIds(after.get(sparkTable)!)).toEqual(sparkExpected);
    expect(sortedIds(after.get(floeTable)!)).toEqual(floeExpected);
    expect(after.get(sparkTable)!.length).toBe(before.get(sparkTable)!.length);
    step('three readers agree after');
  }, 600_000);

  it('a v3 table keeps every row’s _row_id and _last_updated_sequence_number, as Spark reads them', async () => {
    const table = `${uniqueName('compactv3')}.events`;
    const id = parseTableIdentifier(table);
    await catalog.createNamespace(id.namespace);
    await catalog.createTable(id, {
      schema: ID_SCHEMA,
      properties: { 'format-version': '3' },
    });
    const producer = new SnapshotProducer(catalog, io);
    for (let b = 0; b < 6; b++) {
      const metadata = (await catalog.loadTable(id)).metadata;
      const file = await writeIds(
        io,
        metadata,
        Array.from({ length: 10 + b }, (_, k) => BigInt(b * 100 + k)),
      );
      expect((await producer.append(id, { dataFiles: [file], decide: commitNow })).kind).toBe('committed');
    }
    const before = branchHead((await catalog.loadTable(id)).metadata, 'main')!.snapshotId;
    const result = await compactTable(catalog, io, id, { force: true, minInputFiles: 2, now: later });
    expect(result).toMatchObject({ filesRewritten: 6, filesAdded: 1, records: 75 });
    const { metadata } = await catalog.loadTable(id);
    expect(await missingFiles(io, metadata)).toEqual([]);
    step('v3 table compacted');

    const atBefore = `${table}.snapshot_id_${before}`;
    const read = await sparkLineage([atBefore, table]);
    const lineage = (rows: SparkLineageRow[]) =>
      rows.map((r) => `${r.id} ${r._row_id} ${r._last_updated_sequence_number}`).sort();
    expect(read.get(atBefore)).toHaveLength(75);
    expect(new Set(read.get(atBefore)!.map((r) => r._row_id)).size).toBe(75);
    expect(lineage(read.get(table)!)).toEqual(lineage(read.get(atBefore)!));
    // the rows did move: one file now
    expect(new Set(read.get(table)!.map((r) => r._file)).size).toBe(1);
    expect(new Set(read.get(atBefore)!.map((r) => r._file)).size).toBe(6);
    step('Spark read the same lineage before and after');
  }, 600_000);
});

interface SparkLineageRow {
  readonly id: number;
  readonly _row_id: number;
  readonly _last_updated_sequence_number: number;
  readonly _file: string;
}

/** Spark's rows of each table with its lineage metadata columns (read_spark.py --lineage), in one Spark start. */
async function sparkLineage(tables: string[]): Promise<Map<string, SparkLineageRow[]>> {
  const script = join(services.root, 'test/interop/read_spark.py');
  const { stdout } = await run(readerPython(), [script, ...catalogArgs(rest), '--lineage', ...tables], {
    maxBuffer: 64 << 20,
  });
  const out = new Map<string, SparkLineageRow[]>(tables.map((t) => [t, []]));
  for (const line of stdout.trim().split('\n')) {
    const tab = line.indexOf('\t');
    out.get(line.slice(0, tab))?.push(JSON.parse(line.slice(tab + 1)) as SparkLineageRow);
  }
  return out;
}
