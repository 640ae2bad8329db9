// Deletion vectors on the real stack (issue 11, v3 tables; REST catalog + S3):
// floe appends three files to a v3 table and commits two row deltas, the
// second merging into the first one's vector; then Spark (Iceberg Java 1.12)
// deletes more rows of the same file, merging floe's vector into its own, and
// of a file floe never deleted from; floe's next row delta merges with Spark's
// vector. PyIceberg, Spark and DuckDB then read rows identical to the model,
// and so does floe's in-process reader.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import type { TableMetadata } from '../../src/iceberg/table-metadata.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { primitive } from '../../src/iceberg/types.ts';
import { readDeletionVector } from '../../src/sink/deletion-vector-files.ts';
import { writeRowDeltaDeletes } from '../../src/sink/row-delta.ts';
import { SnapshotProducer } from '../../src/sink/snapshot-producer.ts';
import { testFileIO } from '../support/io.ts';
import { catalogArgs, type ReaderCatalog } from '../support/reader.ts';
import { readerPython } from '../support/reader-python.ts';
import { appendIds, RowDeltaModel, readLiveIds, writeIds } from '../support/row-delta-table.ts';
import { services, uniqueName } from '../support/services.ts';
import { expectReadersAgree } from '../support/three-readers.ts';

const run = promisify(execFile);
const commitNow = () => ({ kind: 'commit' as const });

interface SparkDelete {
  summary: Record<string, string>;
  vectors: Record<string, { format: string; path: string; count: number }>;
}

async function sparkDelete(
  reader: ReaderCatalog,
  table: string,
  ids: readonly bigint[],
): Promise<SparkDelete> {
  const script = join(services.root, 'test/interop/spark_delete.py');
  const { stdout } = await run(
    readerPython(),
    [script, ...catalogArgs(reader), table, '--ids', ids.join(',')],
    {
      maxBuffer: 16 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as SparkDelete;
}

const ids = (rows: Array<Record<string, unknown>> | undefined) =>
  (rows ?? []).map((r) => BigInt(r.id as number)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('deletion vectors on a v3 table (REST catalog + S3)', () => {
  const catalogs: RestCatalog[] = [];
  afterAll(async () => {
    for (const catalog of catalogs) await catalog.close();
  });

  it('floe merges its vectors, Spark merges into them and floe into Spark’s; three readers read the model', async () => {
    const catalog = await RestCatalog.connect({
      uri: services.restUri,
      warehouse: `s3://${services.s3.bucket}/rest`,
    });
    catalogs.push(catalog);
    const io = testFileIO();
    const reader: ReaderCatalog = { kind: 'rest' };
    const namespace = uniqueName('dv');
    const id: TableIdentifier = { namespace: [namespace], name: 'keyed' };
    const name = `${namespace}.keyed`;
    await catalog.createNamespace(id.namespace);
    await catalog.createTable(id, {
      schema: {
        schemaId: 0,
        identifierFieldIds: [],
        fields: [{ id: 1, name: 'id', required: false, type: primitive('long') }],
      },
      properties: { 'format-version': '3' },
    });
    const producer = new SnapshotProducer(catalog, io);
    const model = new RowDeltaModel();
    const load = async () => (await catalog.loadTable(id)).metadata;
    for (let i = 0; i < 3; i++) await appendIds(producer, catalog, io, id, model, 100);
    const [a, b, c] = [...model.files.values()];

    /** A floe row delta deleting positions by data file, re-inserting their ids when asked. */
    const floeDelta = async (chosen: Map<string, number[]>, reinsert: boolean): Promise<TableMetadata> => {
      const metadata = await load();
      const deletes = await writeRowDeltaDeletes(io, metadata, chosen);
      expect(deletes.gone).toEqual([]);
      const again = [...chosen].flatMap(([path, positions]) =>
        positions.map((p) => model.files.get(path)!.ids[p]!),
      );
      const dataFiles = reinsert ? [await writeIds(io, metadata, again)] : [];
      const result = await producer.append(id, { dataFiles, ...deletes, decide: commitNow });
      expect(result.kind).toBe('committed');
      for (const [path, positions] of chosen)
        for (const p of positions) model.files.get(path)!.deleted.add(p);
      if (reinsert) model.added(dataFiles[0]!, again);
      return load();
    };
    const summary = (metadata: TableMetadata) => branchHead(metadata, 'main')!.summary;

    await floeDelta(
      new Map([
        [a!.file.filePath, [1, 2, 3]],
        [b!.file.filePath, [10]],
      ]),
      true,
    );
    // the second delta merges into A's vector and removes the first one
    const second = await floeDelta(new Map([[a!.file.filePath, [50, 51]]]), false);
    expect(summary(second)).toMatchObject({
      'added-dvs': '1',
      'removed-dvs': '1',
      'total-delete-files': '2',
    });

    // Spark deletes rows of A (merging floe's vector) and of C (no vector yet)
    const sparkIds = [a!.ids[70]!, a!.ids[71]!, c!.ids[5]!, c!.ids[6]!];
    const spark = await sparkDelete(reader, name, sparkIds);
    expect(spark.summary).toMatchObject({
      'added-dvs': '2',
      'removed-dvs': '1',
      'added-position-deletes': '9',
    });
    expect(spark.vectors[a!.file.filePath]).toMatchObject({ format: 'PUFFIN', count: 7 });
    expect(spark.vectors[c!.file.filePath]).toMatchObject({ format: 'PUFFIN', count: 2 });
    for (const p of [70, 71]) a!.deleted.add(p);
    for (const p of [5, 6]) c!.deleted.add(p);
    expect(await readLiveIds(io, await load())).toEqual(model.liveIds());

    // floe's next delta on A merges with Spark's vector, and replaces it
    const sparkVector = spark.vectors[a!.file.filePath]!.path;
    const planned = await writeRowDeltaDeletes(io, await load(), new Map([[a!.file.filePath, [90]]]));
    expect(planned.replacedDeleteFiles.map((f) => f.filePath)).toEqual([sparkVector]);
    expect(await readDeletionVector(io, planned.deleteFiles[0]!)).toEqual([1, 2, 3, 50, 51, 70, 71, 90]);
    const last = await floeDelta(
      new Map([
        [a!.file.filePath, [90]],
        [b!.file.filePath, [11]],
      ]),
      true,
    );
    expect(summary(last)).toMatchObject({ 'added-dvs': '2', 'removed-dvs': '2', 'total-delete-files': '3' });
    expect(summary(last)['total-position-deletes']).toBe(String(8 + 2 + 2));

    const expected = model.liveIds();
    expect(expected).toHaveLength(3 * 100 - 12 + 6); // 12 rows deleted, 6 of them re-inserted
    expect(await readLiveIds(io, last)).toEqual(expected);
    expect(ids((await expectReadersAgree(reader, [name])).get(name))).toEqual(expected);
  }, 900_000); // two Spark JVM starts: minutes on a loaded machine
});
