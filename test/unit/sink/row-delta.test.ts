import { describe, expect, it } from 'vitest';
import { POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from '../../../src/iceberg/data-file.ts';
import { decodeManifest } from '../../../src/iceberg/manifest.ts';
import { decodeManifestList } from '../../../src/iceberg/manifest-list.ts';
import { encodeSingleValue } from '../../../src/iceberg/single-value.ts';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import { primitive } from '../../../src/iceberg/types.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { POSITION_DELETE_SCHEMA, writePositionDeleteFile } from '../../../src/sink/position-delete-writer.ts';
import { DATA_FILES_GONE, liveDataFiles } from '../../../src/sink/row-delta.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { Rng } from '../../sim/rng.ts';
import { FaultyCatalog } from '../../support/faulty-catalog.ts';
import {
  appendIds,
  randomRowDelta,
  readLiveIds,
  rowDeltaSetup,
  writeIds,
} from '../../support/row-delta-table.ts';

const V2 = { 'format-version': '2' };
const commitNow = () => ({ kind: 'commit' as const });

const setup = (properties: Record<string, string> = V2) => rowDeltaSetup(properties);

describe('position-delete files', () => {
  it('are file-scoped: sorted (file_path, pos) rows, the data file as both path bounds, referenced_data_file', async () => {
    const { io, load, model } = await setup();
    const metadata = await load();
    const target = await writeIds(io, metadata, model.freshIds(10));
    const file = await writePositionDeleteFile(io, metadata, { dataFile: target, positions: [7, 2, 7, 5] });
    expect(file).toMatchObject({
      content: 1,
      recordCount: 3,
      referencedDataFile: target.filePath,
      specId: 0,
    });
    const path = encodeSingleValue(primitive('string'), target.filePath);
    expect(file.lowerBounds?.get(POSITION_DELETE_FILE_PATH_ID)).toEqual(path);
    expect(file.upperBounds?.get(POSITION_DELETE_FILE_PATH_ID)).toEqual(path);
    expect(file.lowerBounds?.get(POSITION_DELETE_POS_ID)).toEqual(encodeSingleValue(primitive('long'), 2n));
    expect(file.upperBounds?.get(POSITION_DELETE_POS_ID)).toEqual(encodeSingleValue(primitive('long'), 7n));
    const rows = readParquetRows(await io.read(file.filePath), POSITION_DELETE_SCHEMA, file.filePath);
    expect(rows).toEqual([2n, 5n, 7n].map((pos) => ({ file_path: target.filePath, pos })));
  });

  it('refuses positions beyond the data file, and v1 tables', async () => {
    const { io, load, model } = await setup();
    const target = await writeIds(io, await load(), model.freshIds(3));
    await expect(
      writePositionDeleteFile(io, await load(), { dataFile: target, positions: [3] }),
    ).rejects.toThrow(/within 0..2/);
    const v1 = await setup({ 'format-version': '1' });
    await expect(
      writePositionDeleteFile(v1.io, await v1.load(), { dataFile: target, positions: [0] }),
    ).rejects.toThrow(/v2 tables only/);
  });
});

describe('row delta commit', () => {
  it('adds data and delete files in one overwrite snapshot with Java summary counts and a delete manifest', async () => {
    const { catalog, io, id, producer, load, model } = await setup();
    await appendIds(producer, catalog, io, id, model, 10);
    await appendIds(producer, catalog, io, id, model, 5);
    const [first, second] = [...model.files.values()];
    const metadata = await load();
    const deletes = [
      await writePositionDeleteFile(io, metadata, { dataFile: first!.file, positions: [0, 1] }),
      await writePositionDeleteFile(io, metadata, { dataFile: second!.file, positions: [4] }),
    ];
    const reinsert = await writeIds(io, metadata, [0n, 1n, 14n]);
    const result = await producer.append(id, {
      dataFiles: [reinsert],
      deleteFiles: deletes,
      decide: commitNow,
    });
    expect(result.kind).toBe('committed');
    const after = await load();
    const head = branchHead(after, 'main')!;
    const bytes = deletes.reduce((n, f) => n + f.fileSizeInBytes, reinsert.fileSizeInBytes);
    expect(head.summary).toMatchObject({
      operation: 'overwrite',
      'added-data-files': '1',
      'added-records': '3',
      'added-files-size': String(bytes),
      'added-delete-files': '2',
      'added-position-delete-files': '2',
      'added-position-deletes': '3',
      'total-data-files': '3',
      'total-records': '18',
      'total-delete-files': '2',
      'total-position-deletes': '3',
      'total-equality-deletes': '0',
    });
    const list = decodeManifestList(await io.read(head.manifestList));
    const deleteManifests = list.filter((m) => m.content === 1);
    expect(deleteManifests).toHaveLength(1);
    expect(deleteManifests[0]).toMatchObject({ addedFilesCount: 2, addedRowsCount: 3, sequenceNumber: 3 });
    const decoded = decodeManifest(await io.read(deleteManifests[0]!.manifestPath));
    expect(decoded.content).toBe('deletes');
    expect(decoded.entries.map((e) => e.dataFile.referencedDataFile)).toEqual([
      first!.file.filePath,
      second!.file.filePath,
    ]);
    expect(await readLiveIds(io, after)).toEqual([...Array(15).keys()].map(BigInt));
  });

  it('a row delta of deletes only is a delete snapshot; a later append carries the delete totals', async () => {
    const { catalog, io, id, producer, load, model } = await setup();
    await appendIds(producer, catalog, io, id, model, 4);
    const target = [...model.files.values()][0]!.file;
    const del = await writePositionDeleteFile(io, await load(), { dataFile: target, positions: [3] });
    await producer.append(id, { dataFiles: [], deleteFiles: [del], decide: commitNow });
    expect(branchHead(await load(), 'main')!.summary.operation).toBe('delete');
    await appendIds(producer, catalog, io, id, model, 2);
    const head = branchHead(await load(), 'main')!;
    expect(head.summary).toMatchObject({
      operation: 'append',
      'total-delete-files': '1',
      'total-position-deletes': '1',
    });
    expect(await readLiveIds(io, await load())).toEqual([0n, 1n, 2n, 4n, 5n]);
  });

  it('aborts with data-files-gone when a referenced data file is not live on main, committing nothing', async () => {
    const { catalog, io, id, producer, load, model } = await setup();
    await appendIds(producer, catalog, io, id, model, 4);
    const metadata = await load();
    const stranger = await writeIds(io, metadata, [100n, 101n]); // never committed
    const del = await writePositionDeleteFile(io, metadata, { dataFile: stranger, positions: [0] });
    const result = await producer.append(id, { dataFiles: [], deleteFiles: [del], decide: commitNow });
    expect(result).toMatchObject({ kind: 'aborted', conflict: DATA_FILES_GONE, attempts: 1 });
    expect(result.kind === 'aborted' && result.reason).toContain(stranger.filePath);
    expect((await load()).snapshots).toHaveLength(1);
  });

  it('refuses position-delete files on a v3 table (deletion vectors only there)', async () => {
    const { io, id, producer, load, model } = await setup();
    const v2 = await load();
    const target = await writeIds(io, v2, model.freshIds(2));
    const del = await writePositionDeleteFile(io, v2, { dataFile: target, positions: [0] });
    const v3 = await setup({ 'format-version': '3' });
    await expect(
      v3.producer.append(v3.id, { dataFiles: [], deleteFiles: [del], decide: commitNow }),
    ).rejects.toThrow(/v2 tables only \(v3\)/);
    expect((await producer.append(id, { dataFiles: [], deleteFiles: [], decide: commitNow })).kind).toBe(
      'committed',
    );
  });

  it('a decision to abort wins over the validation and carries no conflict', async () => {
    const { io, id, producer, load, model } = await setup();
    const stranger = await writeIds(io, await load(), model.freshIds(2));
    const del = await writePositionDeleteFile(io, await load(), { dataFile: stranger, positions: [0] });
    const result = await producer.append(id, {
      dataFiles: [],
      deleteFiles: [del],
      decide: () => ({ kind: 'abort', reason: 'fenced' }),
    });
    expect(result).toEqual({ kind: 'aborted', reason: 'fenced', attempts: 1 });
  });

  it.each([1, 2, 3, 4, 5])(
    'random appends and row deltas (seed %i): the live rows equal the model, merged manifests included',
    async (seed) => {
      // a small min-count so manifests merge often: delete manifests must survive every merge
      const { catalog, io, id, producer, load, model } = await setup({
        ...V2,
        'commit.manifest.min-count-to-merge': '3',
      });
      const rng = new Rng(seed);
      for (let step = 0; step < 14; step++) {
        if (model.files.size === 0 || rng.chance(0.35)) {
          expect((await appendIds(producer, catalog, io, id, model, 1 + rng.int(20))).kind).toBe('committed');
        } else {
          const delta = await randomRowDelta(rng, producer, catalog, io, id, model, {
            maxFiles: 1 + rng.int(3),
            maxRows: 6,
            reinsert: rng.chance(0.6),
          });
          if (delta) expect(delta.result.kind).toBe('committed');
        }
        expect(await readLiveIds(io, await load())).toEqual(model.liveIds());
      }
      const head = branchHead(await load(), 'main')!;
      const live = model.liveIds().length;
      const deleted = [...model.files.values()].reduce((n, f) => n + f.deleted.size, 0);
      expect(Number(head.summary['total-records']) - Number(head.summary['total-position-deletes'])).toBe(
        live,
      );
      expect(Number(head.summary['total-position-deletes'])).toBe(deleted);
    },
  );
});

describe('liveDataFiles', () => {
  it('finds the live data files among paths with their manifest fields, not removed or unknown ones', async () => {
    const { catalog, io, id, producer, load, model } = await setup();
    await appendIds(producer, catalog, io, id, model, 3);
    await appendIds(producer, catalog, io, id, model, 4);
    const [a, b] = [...model.files.values()];
    const paths = new Set([a!.file.filePath, b!.file.filePath, 'file:///nowhere.parquet']);
    const found = await liveDataFiles(io, await load(), paths);
    expect([...found.keys()].sort()).toEqual([a!.file.filePath, b!.file.filePath].sort());
    expect(found.get(b!.file.filePath)).toMatchObject({
      content: 0,
      recordCount: 4,
      specId: 0,
      partition: [],
    });
  });
});

describe('row delta under commit faults', () => {
  it('rebases on a concurrent append (409) and reconciles a lost answer, delete files carried once', async () => {
    const { catalog: inner, io, id, load, model } = await setup();
    const catalog = new FaultyCatalog(inner);
    const producer = new SnapshotProducer(catalog, io, { sleep: async () => {} });
    await appendIds(producer, catalog, io, id, model, 6);
    const target = [...model.files.values()][0]!;
    const del = await writePositionDeleteFile(io, await load(), { dataFile: target.file, positions: [0, 5] });
    const other = new SnapshotProducer(inner, io);
    catalog.faults.push(
      { before: async () => void (await appendIds(other, inner, io, id, model, 3)) },
      'lost-after-commit',
    );
    const result = await producer.append(id, { dataFiles: [], deleteFiles: [del], decide: commitNow });
    expect(result).toMatchObject({ kind: 'committed', attempts: 3 });
    for (const pos of [0, 5]) target.deleted.add(pos);
    const head = branchHead(await load(), 'main')!;
    expect(head.summary).toMatchObject({ 'total-delete-files': '1', 'total-position-deletes': '2' });
    expect(await readLiveIds(io, await load())).toEqual(model.liveIds());
  });
});
