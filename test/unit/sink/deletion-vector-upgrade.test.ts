// A v2 table upgraded to v3 keeps its position-delete files (spec: valid, but
// "merged into the DV for a data file when one is created"): floe's first
// vector for a data file merges the positions of its file-scoped delete file
// (removed in the same snapshot) and of a delete file that names several data
// files (kept, since it still holds the other files' deletes), read
// in-process and by PyIceberg.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../src/parquet/parquet-write-properties.ts';
import { buildAppendAttempt, writeNewManifests } from '../../../src/sink/append-files.ts';
import { dataFileMetrics } from '../../../src/sink/data-file-metrics.ts';
import { readDeletionVector } from '../../../src/sink/deletion-vector-files.ts';
import { POSITION_DELETE_SCHEMA, writePositionDeleteFile } from '../../../src/sink/position-delete-writer.ts';
import { writeRowDeltaDeletes } from '../../../src/sink/row-delta.ts';
import { newCommitId, newSnapshotId } from '../../../src/sink/snapshot-ids.ts';
import { dataDirectory } from '../../../src/sink/table-paths.ts';
import { readWithPyIceberg } from '../../support/reader.ts';
import { appendIds, readLiveIds, rowDeltaSetup } from '../../support/row-delta-table.ts';

const commitNow = () => ({ kind: 'commit' as const });

describe('deletion vectors on a table upgraded from v2', () => {
  it('merge the position-delete files that name the data file, dropping the file-scoped one', async () => {
    const { catalog, io, id, producer, load, model, dir } = await rowDeltaSetup({ 'format-version': '2' });
    await appendIds(producer, catalog, io, id, model, 10);
    await appendIds(producer, catalog, io, id, model, 5);
    const [a, b] = [...model.files.values()];
    // v2: floe's file-scoped delete of A's row 1
    const scoped = await writePositionDeleteFile(io, await load(), { dataFile: a!.file, positions: [1] });
    expect(
      (await producer.append(id, { dataFiles: [], deleteFiles: [scoped], decide: commitNow })).kind,
    ).toBe('committed');
    // another engine's delete file naming two data files (A row 3, B row 2), committed as it would
    const rows = [
      { file_path: a!.file.filePath, pos: 3n },
      { file_path: b!.file.filePath, pos: 2n },
    ].sort((x, y) => (x.file_path < y.file_path ? -1 : 1));
    const written = writeParquetDataFile(POSITION_DELETE_SCHEMA, rows, DEFAULT_PARQUET_WRITE_PROPERTIES);
    const shared: DataFile = {
      content: 1,
      filePath: `${dataDirectory(await load())}/${newCommitId()}-shared-deletes.parquet`,
      fileFormat: 'PARQUET',
      specId: 0,
      partition: [],
      recordCount: 2,
      fileSizeInBytes: written.sizeBytes,
      ...dataFileMetrics(POSITION_DELETE_SCHEMA, written.columns, {
        'write.metadata.metrics.default': 'full',
      }),
    };
    await io.write(shared.filePath, written.bytes);
    const base = await load();
    const ids = { snapshotId: newSnapshotId(base), commitId: newCommitId() };
    const manifests = await writeNewManifests(io, base, [shared], ids);
    const attempt = await buildAppendAttempt(io, base, manifests, {
      ...ids,
      attempt: 1,
      nowMs: Date.now(),
      summary: {},
      schema: undefined,
      merged: new Map(),
    });
    await catalog.commitTable(id, attempt.requirements, attempt.updates);
    await catalog.commitTable(id, [], [{ action: 'upgrade-format-version', formatVersion: 3 }]);
    for (const [file, pos] of [
      [a!, 1],
      [a!, 3],
      [b!, 2],
    ] as const)
      file.deleted.add(pos);
    const upgraded = await load();
    expect(upgraded.formatVersion).toBe(3);
    expect(await readLiveIds(io, upgraded)).toEqual(model.liveIds());

    const first = await writeRowDeltaDeletes(io, upgraded, new Map([[a!.file.filePath, [5]]]));
    expect(await readDeletionVector(io, first.deleteFiles[0]!)).toEqual([1, 3, 5]);
    expect(first.replacedDeleteFiles.map((f) => f.filePath)).toEqual([scoped.filePath]);
    expect((await producer.append(id, { dataFiles: [], ...first, decide: commitNow })).kind).toBe(
      'committed',
    );
    a!.deleted.add(5);
    const after = await load();
    expect(branchHead(after, 'main')!.summary).toMatchObject({
      'added-dvs': '1',
      'added-position-deletes': '3',
      'removed-position-delete-files': '1',
      'removed-delete-files': '1',
      'total-delete-files': '2', // the shared file and the vector
    });
    expect(branchHead(after, 'main')!.summary['removed-dvs']).toBeUndefined();
    expect(await readLiveIds(io, after)).toEqual(model.liveIds());

    // B's first vector takes its row from the shared file, which stays
    const second = await writeRowDeltaDeletes(io, after, new Map([[b!.file.filePath, [0]]]));
    expect(await readDeletionVector(io, second.deleteFiles[0]!)).toEqual([0, 2]);
    expect(second.replacedDeleteFiles).toEqual([]);
    expect((await producer.append(id, { dataFiles: [], ...second, decide: commitNow })).kind).toBe(
      'committed',
    );
    b!.deleted.add(0);
    expect(branchHead(await load(), 'main')!.summary['total-delete-files']).toBe('3');
    expect(await readLiveIds(io, await load())).toEqual(model.liveIds());
    const read = await readWithPyIceberg(
      { kind: 'sql', uri: `sqlite:///${join(dir, 'catalog.db')}`, warehouse: `file://${dir}/wh`, name: 'c' },
      'table',
      { table: 'db.t' },
    );
    expect(read.rows.map((r) => BigInt(r.id as number)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(
      model.liveIds(),
    );
  });
});
