// The compaction thread (compaction-thread.ts) when things go wrong: an error in
// it comes back as the same error (a Parquet file it cannot read: the class and
// message of the calling thread's; a file the FileIO cannot read: the very object
// the FileIO threw), leaving no new file; a stop ends it mid-group, leaving no new
// file and the table as it was; its crash points are visited on the main thread,
// as many and in the same order as on the calling thread (a crash point in a
// thread would count its visits apart). test/integration/compaction.test.ts kills
// `floe run` at the crash points of a compaction on the thread. SQLite + local files.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CrashPoint } from '../../../src/crash-points.ts';
import { StorageError, ValidationError } from '../../../src/errors.ts';
import { isNotFound, openOutput } from '../../../src/io/file-io.ts';
import { type GroupRewrite, rewriteGroup } from '../../../src/maintenance/compaction-rewrite.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { CompactionThread } from '../../../src/maintenance/compaction-thread.ts';
import { dataFolder, idTable, interopTable, liveDataPaths, spied } from './compaction-thread-tables.ts';

const visits = vi.hoisted(() => [] as string[]);
vi.mock('../../../src/crash-points.ts', () => ({
  crashPoint: (point: CrashPoint) => {
    visits.push(point);
  },
}));

const thread = new CompactionThread({ idleMs: 50 });
afterAll(() => thread.close());

const onThread: GroupRewrite = (io, metadata, group, files, deletes, signal) =>
  thread.rewrite(io, metadata, group, files, deletes, signal);

const options = { quietMs: 0, minInputFiles: 2 };

describe('the compaction thread, when things go wrong', { timeout: 60_000 }, () => {
  it('fails as the calling thread does on a file it cannot read, and leaves no new file', async () => {
    const { catalog, io, id } = await idTable(3, 500);
    const broken = (await liveDataPaths(io, catalog, id))[2]!;
    await io.write(broken, new TextEncoder().encode('not a Parquet file'));
    const inputs = await dataFolder(io, catalog, id);
    const here = await compactTable(catalog, io, id, options).catch((e: unknown) => e);
    const there = await compactTable(catalog, io, id, { ...options, rewrite: onThread }).catch(
      (e: unknown) => e,
    );
    expect(there).toBeInstanceOf(ValidationError);
    expect((there as Error).message).toContain(broken);
    expect((there as Error).message).toBe((here as Error).message);
    expect(await dataFolder(io, catalog, id)).toEqual(inputs);
    await catalog.close();
  });

  it('fails with the very error the FileIO threw', async () => {
    const { catalog, io, id } = await idTable(3, 500);
    await io.delete((await liveDataPaths(io, catalog, id))[1]!);
    let thrown: unknown;
    const watched = spied(io, {
      read: (path) =>
        io.read(path).catch((error: unknown) => {
          thrown = error;
          throw error;
        }),
    });
    const failure = await compactTable(catalog, watched, id, { ...options, rewrite: onThread }).catch(
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(StorageError);
    expect(failure).toBe(thrown);
    expect(isNotFound(failure)).toBe(true);
    await catalog.close();
  });

  it('stops mid-group when told to: no new file, the table as it was', async () => {
    // Row groups of a few hundred rows: the first goes to storage before the file is done.
    const { catalog, io, id } = await idTable(4, 3000, { 'write.parquet.row-group-size-bytes': '4096' });
    const before = (await catalog.loadTable(id)).metadataLocation;
    const inputs = await dataFolder(io, catalog, id);
    const stop = new AbortController();
    const watched = spied(io, {
      create: (path) => {
        const output = openOutput(io, path);
        return {
          write: async (piece) => {
            stop.abort();
            await output.write(piece);
          },
          close: () => output.close(),
          abort: () => output.abort(),
        };
      },
    });
    const result = await compactTable(catalog, watched, id, {
      ...options,
      rewrite: onThread,
      signal: stop.signal,
    });
    expect(stop.signal.aborted).toBe(true);
    expect(result.skipped).toBe('stopped');
    expect(thread.started).toBe(false);
    expect((await catalog.loadTable(id)).metadataLocation).toBe(before);
    expect(await dataFolder(io, catalog, id)).toEqual(inputs);
    await catalog.close();
  });

  it('visits the crash points on the main thread, as the calling thread does', async () => {
    const runs: string[][] = [];
    for (const rewrite of [rewriteGroup, onThread]) {
      const { catalog, io, id } = await interopTable(false);
      visits.splice(0);
      await compactTable(catalog, io, id, { ...options, rewrite });
      runs.push(visits.splice(0));
      await catalog.close();
    }
    const group = ['after-data-file-write', 'after-compaction-write'];
    expect(runs[0]).toEqual([...group, ...group, ...group, ...group, ...group, 'before-compaction-commit']);
    expect(runs[1]).toEqual(runs[0]);
  });
});
