// Row deltas and floe's compaction on one table: compaction rewrites a data file
// with its file-scoped position deletes applied and drops the delete file in the
// same snapshot (src/maintenance/compaction-deletes.ts); a row delta planned
// against files compaction replaced meanwhile is aborted with data-files-gone;
// one against a live file is committed.
import { describe, expect, it } from 'vitest';
import { branchHead } from '../../../src/iceberg/table-metadata.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { writePositionDeleteFile } from '../../../src/sink/position-delete-writer.ts';
import { DATA_FILES_GONE } from '../../../src/sink/row-delta.ts';
import { SnapshotProducer } from '../../../src/sink/snapshot-producer.ts';
import { liveEntries } from '../../sim/live-entries.ts';
import { FaultyCatalog } from '../../support/faulty-catalog.ts';
import { appendIds, RowDeltaModel, readLiveIds, writeIds } from '../../support/row-delta-table.ts';
import { tempSqlTable } from '../../support/temp-sql-table.ts';

const commitNow = () => ({ kind: 'commit' as const });

describe('row deltas and compaction', () => {
  it('compaction applies the deletes it rewrites; a row delta against a compacted file aborts, nothing lost', async () => {
    const { catalog, io, id } = await tempSqlTable({ 'format-version': '2' });
    const producer = new SnapshotProducer(catalog, io, { sleep: async () => {} });
    const load = async () => (await catalog.loadTable(id)).metadata;
    const model = new RowDeltaModel();
    await appendIds(producer, catalog, io, id, model, 10);
    const [withDeletes] = [...model.files.values()];
    const before = await load();
    const del = await writePositionDeleteFile(io, before, { dataFile: withDeletes!.file, positions: [1, 8] });
    const again = await writeIds(io, before, [1n, 8n]);
    const delta = await producer.append(id, { dataFiles: [again], deleteFiles: [del], decide: commitNow });
    expect(delta.kind).toBe('committed');
    for (let i = 0; i < 5; i++) await appendIds(producer, catalog, io, id, model, 10);
    const compactedAway = [...model.files.values()].at(-1);
    const expected = [...Array(60).keys()].map(BigInt);
    expect(await readLiveIds(io, await load())).toEqual(expected);

    // A row delta planned now, committed after the compaction below.
    const stale = await writePositionDeleteFile(io, await load(), {
      dataFile: compactedAway!.file,
      positions: [0],
    });
    const compaction = await compactTable(catalog, io, id, {
      force: true,
      minInputFiles: 2,
      quietMs: 0,
      now: () => Date.now() + 3_600_000,
    });
    // all seven: the file with deletes (rows 1 and 8 left out, its delete file dropped), the re-insert, the five appends
    expect(compaction).toMatchObject({ filesRewritten: 7, deleteFilesRemoved: 1 });
    const live = (await liveEntries(io, branchHead(await load(), 'main')!)).map(
      (e) => e.entry.dataFile.filePath,
    );
    expect(live).not.toContain(withDeletes!.file.filePath);
    expect(live).not.toContain(compactedAway!.file.filePath);
    expect(await readLiveIds(io, await load())).toEqual(expected);

    const snapshots = (await load()).snapshots.length;
    const aborted = await producer.append(id, { dataFiles: [], deleteFiles: [stale], decide: commitNow });
    expect(aborted).toMatchObject({ kind: 'aborted', conflict: DATA_FILES_GONE });
    expect((await load()).snapshots).toHaveLength(snapshots);

    await appendIds(producer, catalog, io, id, model, 10);
    const fresh = [...model.files.values()].at(-1)!;
    const kept = await writePositionDeleteFile(io, await load(), { dataFile: fresh.file, positions: [0] });
    const committed = await producer.append(id, { dataFiles: [], deleteFiles: [kept], decide: commitNow });
    expect(committed.kind).toBe('committed');
    expect(await readLiveIds(io, await load())).toEqual(
      [...Array(70).keys()].map(BigInt).filter((n) => n !== 60n),
    );
  });

  it('a compaction landing during the commit is caught on the rebase: the attempt after the 409 aborts', async () => {
    const { catalog: inner, io, id } = await tempSqlTable({ 'format-version': '2' });
    const catalog = new FaultyCatalog(inner);
    const producer = new SnapshotProducer(catalog, io, { sleep: async () => {} });
    const model = new RowDeltaModel();
    for (let i = 0; i < 3; i++) await appendIds(producer, catalog, io, id, model, 5);
    const target = [...model.files.values()][1]!.file;
    const metadata = (await catalog.loadTable(id)).metadata;
    const del = await writePositionDeleteFile(io, metadata, { dataFile: target, positions: [2] });
    let rewritten = 0;
    catalog.faults.push({
      before: async () => {
        const run = await compactTable(inner, io, id, {
          force: true,
          minInputFiles: 2,
          quietMs: 0,
          now: () => Date.now() + 3_600_000,
        });
        rewritten = run.filesRewritten;
      },
    });
    const result = await producer.append(id, { dataFiles: [], deleteFiles: [del], decide: commitNow });
    expect(rewritten).toBe(3);
    expect(result).toMatchObject({ kind: 'aborted', conflict: DATA_FILES_GONE, attempts: 2 });
    expect(await readLiveIds(io, (await inner.loadTable(id)).metadata)).toEqual(model.liveIds());
  });
});
