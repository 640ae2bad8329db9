import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, StorageError } from '../../../src/errors.ts';
import { isNotFound } from '../../../src/io/file-io.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function collect(iterable: AsyncIterable<{ path: string; size: number }>) {
  const out: { path: string; size: number }[] = [];
  for await (const f of iterable) out.push({ path: f.path, size: f.size });
  return out;
}

describe('LocalFileIO', () => {
  const io = new LocalFileIO();
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'floe-local-io-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes, reads, checks and deletes by plain path and by file:// URI', async () => {
    const path = join(root, 'a/b/data.parquet');
    await io.write(path, text('hello'));
    expect(decode(await io.read(path))).toBe('hello');
    expect(decode(await io.read(`file://${path}`))).toBe('hello');
    expect(await io.exists(path)).toBe(true);
    await io.write(`file://${path}`, text('replaced'));
    expect(decode(await io.read(path))).toBe('replaced');
    await io.delete(path);
    expect(await io.exists(path)).toBe(false);
    await io.delete(path); // deleting a missing file is fine
  });

  it('reports a missing file as a not-found StorageError with the path', async () => {
    const path = join(root, 'missing.json');
    const error = await io.read(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(isNotFound(error)).toBe(true);
    expect((error as StorageError).context.path).toBe(path);
  });

  it('refuses a create-only write over an existing file and keeps the original', async () => {
    const path = join(root, 'metadata/v1.metadata.json');
    await io.write(path, text('first'), { ifNotExists: true });
    await expect(io.write(path, text('second'), { ifNotExists: true })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    expect(decode(await io.read(path))).toBe('first');
    // no temp files are left behind by either write
    expect(await readdir(join(root, 'metadata'))).toEqual(['v1.metadata.json']);
  });

  it('lets exactly one of many racing create-only writes win', async () => {
    const path = join(root, 'race.json');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => io.write(path, text(`writer ${i}`), { ifNotExists: true })),
    );
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => r.status === 'rejected');
    for (const loser of losers)
      expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(AlreadyExistsError);
    expect(decode(await io.read(path))).toMatch(/^writer \d$/);
  });

  it('lists by string prefix, recursively, in path order, with sizes', async () => {
    await io.write(join(root, 't/data/b.parquet'), text('bb'));
    await io.write(join(root, 't/data/a.parquet'), text('a'));
    await io.write(join(root, 't/data/sub/c.parquet'), text('ccc'));
    await io.write(join(root, 't/metadata/v1.json'), text('{}'));
    await io.write(join(root, 't/data-other/x'), text('x'));
    expect(await collect(io.list(join(root, 't/data/')))).toEqual([
      { path: join(root, 't/data/a.parquet'), size: 1 },
      { path: join(root, 't/data/b.parquet'), size: 2 },
      { path: join(root, 't/data/sub/c.parquet'), size: 3 },
    ]);
    // a prefix that is not a directory matches file names too
    const byPrefix = await collect(io.list(join(root, 't/data')));
    expect(byPrefix.map((f) => f.path)).toContain(join(root, 't/data-other/x'));
    expect(byPrefix).toHaveLength(4);
    // file:// prefixes come back as file:// URIs
    expect((await collect(io.list(`file://${join(root, 't/metadata/')}`))).map((f) => f.path)).toEqual([
      `file://${join(root, 't/metadata/v1.json')}`,
    ]);
    expect(await collect(io.list(join(root, 'nothing-here/')))).toEqual([]);
  });

  it('rejects relative paths and foreign schemes', async () => {
    await expect(io.read('relative/file')).rejects.toBeInstanceOf(StorageError);
    await expect(io.write('relative/file', text('x'))).rejects.toThrow(/absolute/);
    await expect(io.read('s3://bucket/key')).rejects.toBeInstanceOf(StorageError);
  });
});
