// The rewrite on the compaction thread (compaction-thread.ts): the same files, byte
// for byte, as the rewrite on the calling thread (every primitive and nested type,
// a sort order, v2 position deletes, v3 deletion vectors and row lineage); it runs
// on another thread (the main thread's event loop turns between two of its file
// reads, which the calling thread's rewrite never lets happen); rewrites run one at
// a time, and the thread ends once idle. Failures, stops and crash points:
// compaction-thread-failures.test.ts. SQLite catalog + local files.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Catalog, TableIdentifier } from '../../../src/catalog/catalog.ts';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import type { FileIO } from '../../../src/io/file-io.ts';
import { type GroupRewrite, rewriteGroup } from '../../../src/maintenance/compaction-rewrite.ts';
import { compactTable } from '../../../src/maintenance/compaction-run.ts';
import { CompactionThread } from '../../../src/maintenance/compaction-thread.ts';
import { Rng } from '../../sim/rng.ts';
import { appendIds, randomRowDelta, readLiveIds, rowDeltaSetup } from '../../support/row-delta-table.ts';
import { idTable, interopTable, spied } from './compaction-thread-tables.ts';

const thread = new CompactionThread({ idleMs: 50 });
afterAll(() => thread.close());

const onThread: GroupRewrite = (io, metadata, group, files, deletes, signal) =>
  thread.rewrite(io, metadata, group, files, deletes, signal);
const onCallingThread: GroupRewrite = rewriteGroup;

/** A data file as written, its name's random part left out. */
const named = (file: DataFile) => ({
  ...file,
  filePath: file.filePath.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/, '<uuid>'),
});

/**
 * Compacts the table with every group rewritten on this thread and on the compaction
 * thread: the same DataFiles and the same bytes (the thread's files are then deleted).
 */
async function compactOnBoth(catalog: Catalog, io: FileIO, id: TableIdentifier): Promise<number> {
  let groups = 0;
  const both: GroupRewrite = async (io, metadata, group, files, deletes) => {
    const here = await rewriteGroup(io, metadata, group, files, deletes);
    const there = await thread.rewrite(io, metadata, group, files, deletes);
    expect(there.rows).toBe(here.rows);
    expect(there.added.map(named)).toEqual(here.added.map(named));
    for (const [i, file] of there.added.entries()) {
      const bytes = Buffer.from(await io.read(file.filePath));
      expect(bytes.equals(await io.read(here.added[i]!.filePath))).toBe(true);
      await io.delete(file.filePath);
    }
    groups++;
    return here;
  };
  const result = await compactTable(catalog, io, id, { quietMs: 0, minInputFiles: 2, rewrite: both });
  expect(result.groups).toBe(groups);
  return groups;
}

describe('the compaction thread', { timeout: 60_000 }, () => {
  it.each([
    ['every type, partitioned', false],
    ['every type, partitioned, with a sort order', true],
  ])('writes the same files as the calling thread: %s', async (_, sorted) => {
    const { catalog, io, id } = await interopTable(sorted);
    expect(await compactOnBoth(catalog, io, id)).toBe(5);
    await catalog.close();
  });

  it.each(['2', '3'])('writes the same files with deletes applied: format version %s', async (version) => {
    const t = await rowDeltaSetup({ 'format-version': version });
    const rng = new Rng(11);
    for (let i = 0; i < 5; i++) await appendIds(t.producer, t.catalog, t.io, t.id, t.model, 30);
    for (let i = 0; i < 4; i++)
      await randomRowDelta(rng, t.producer, t.catalog, t.io, t.id, t.model, {
        maxFiles: 2,
        maxRows: 5,
        reinsert: i % 2 === 0,
      });
    expect(await compactOnBoth(t.catalog, t.io, t.id)).toBe(1);
    expect(await readLiveIds(t.io, await t.load())).toEqual(t.model.liveIds());
    await t.catalog.close();
  });

  it.each([
    { where: 'the compaction thread', rewrite: onThread, expected: ['read 1', 'turn', 'read 2', 'read 3'] },
    {
      where: 'the calling thread',
      rewrite: onCallingThread,
      expected: ['read 1', 'read 2', 'turn', 'read 3'],
    },
  ])('rewriting on $where, the event loop turns as $expected', async ({ rewrite, expected }) => {
    const { catalog, io, id } = await idTable(3, 2000);
    const order: string[] = [];
    const watched = spied(io, {
      read: async (path) => {
        const n = order.filter((e) => e.startsWith('read')).length + 1;
        order.push(`read ${n}`);
        const bytes = await io.read(path);
        // Runs once the event loop turns: at once while the thread decodes the file; when
        // the calling thread rewrites, only once the next read waits for the disk.
        if (n === 1) setImmediate(() => order.push('turn'));
        return bytes;
      },
    });
    const result = await compactTable(catalog, io, id, {
      quietMs: 0,
      minInputFiles: 2,
      rewrite: (_io, ...rest) => rewrite(watched, ...rest),
    });
    expect(result.filesRewritten).toBe(3);
    expect(order).toEqual(expected);
    await catalog.close();
  });

  it('rewrites one group at a time, and ends once idle', async () => {
    const a = await idTable(3, 500);
    const b = await idTable(3, 500);
    const order: string[] = [];
    const startedAfter: boolean[] = [];
    const rewriting =
      (name: string): GroupRewrite =>
      async (io, ...rest) => {
        const reading = spied(io, {
          read: (path) => {
            order.push(name);
            return io.read(path);
          },
        });
        const rewritten = await onThread(reading, ...rest);
        startedAfter.push(thread.started);
        return rewritten;
      };
    const options = { quietMs: 0, minInputFiles: 2 };
    const results = await Promise.all([
      compactTable(a.catalog, a.io, a.id, { ...options, rewrite: rewriting('a') }),
      compactTable(b.catalog, b.io, b.id, { ...options, rewrite: rewriting('b') }),
    ]);
    expect(results.map((r) => r.filesRewritten)).toEqual([3, 3]);
    expect(order.join('')).toMatch(/^(aaabbb|bbbaaa)$/);
    // Up right after each rewrite; ended once idle for idleMs.
    expect(startedAfter).toEqual([true, true]);
    await vi.waitFor(() => expect(thread.started).toBe(false), { timeout: 10_000 });
    await a.catalog.close();
    await b.catalog.close();
  });
});
