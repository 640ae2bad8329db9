// FileIO.create: files written piece by piece (issue 14, row groups streamed to
// storage). Locally a temp file renamed into place on close; on S3 parts of
// partSize uploaded while later pieces come (S3StreamedUpload, here with recorded
// calls; test/integration/s3-file-io.test.ts runs it on versitygw).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOutput } from '../../../src/io/file-io.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';
import { type MultipartCalls, S3StreamedUpload } from '../../../src/io/s3-streamed-upload.ts';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('LocalFileIO.create', () => {
  const io = new LocalFileIO();
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'floe-local-out-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('appends pieces out of sight and publishes the file on close', async () => {
    const path = join(root, 'data/part.parquet');
    const out = io.create(path);
    await out.write(bytes(3, 1));
    await out.write(bytes(2, 2));
    expect(await io.exists(path)).toBe(false);
    expect((await readdir(join(root, 'data'))).every((name) => name.endsWith('.floe-tmp'))).toBe(true);
    await out.close();
    expect([...(await readFile(path))]).toEqual([1, 1, 1, 2, 2]);
    expect(await readdir(join(root, 'data'))).toEqual(['part.parquet']);
  });

  it('abort leaves nothing behind', async () => {
    const path = join(root, 'data/dropped.parquet');
    const out = io.create(path);
    await out.write(bytes(10, 7));
    await out.abort();
    expect(await io.exists(path)).toBe(false);
    expect(await readdir(join(root, 'data'))).toEqual([]);
  });

  it('a FileIO without create() gets a buffered output that writes the file whole on close', async () => {
    const written: Array<[string, number[]]> = [];
    const plain = {
      ...io,
      create: undefined,
      write: async (p: string, d: Uint8Array) => void written.push([p, [...d]]),
    };
    const out = openOutput(plain as unknown as LocalFileIO, 'x');
    await out.write(bytes(2, 5));
    await out.write(bytes(1, 6));
    expect(written).toEqual([]);
    await out.close();
    expect(written).toEqual([['x', [5, 5, 6]]]);
  });
});

function recordedCalls(fail?: { part?: number }) {
  const log: string[] = [];
  const bodies = new Map<number, number[]>();
  const calls: MultipartCalls = {
    put: async (data) => void log.push(`put ${data.length}`),
    begin: async () => {
      log.push('begin');
      return 'u1';
    },
    part: async (_id, n, body) => {
      if (fail?.part === n) throw new Error(`part ${n} failed`);
      log.push(`part ${n} ${body.length}`);
      bodies.set(n, [...body]);
      return `etag${n}`;
    },
    complete: async (_id, etags) => void log.push(`complete ${etags.join(',')}`),
    abort: async () => void log.push('abort'),
  };
  return { calls, log, bodies };
}

describe('S3StreamedUpload', () => {
  it('a file smaller than one part is a single PUT on close', async () => {
    const { calls, log } = recordedCalls();
    const out = new S3StreamedUpload(calls, 10);
    await out.write(bytes(4, 1));
    await out.write(bytes(5, 2));
    expect(log).toEqual([]);
    await out.close();
    expect(log).toEqual(['put 9']);
  });

  it('cuts parts of partSize across pieces while writing, the rest as the last part', async () => {
    const { calls, log, bodies } = recordedCalls();
    const out = new S3StreamedUpload(calls, 10);
    await out.write(bytes(6, 1));
    await out.write(bytes(6, 2)); // part 1: 6 x 1, 4 x 2
    await out.write(bytes(25, 3)); // parts 2 and 3: 2 x 2 then 8 x 3; 10 x 3; 7 x 3 pending
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual(['begin', 'part 1 10', 'part 2 10', 'part 3 10']);
    await out.close();
    expect(log).toEqual([
      'begin',
      'part 1 10',
      'part 2 10',
      'part 3 10',
      'part 4 7',
      'complete etag1,etag2,etag3,etag4',
    ]);
    expect(bodies.get(1)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(bodies.get(2)).toEqual([2, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it('a failed part fails close, which aborts the upload; nothing is completed', async () => {
    const { calls, log } = recordedCalls({ part: 2 });
    const out = new S3StreamedUpload(calls, 4);
    await out.write(bytes(8, 1));
    await out.write(bytes(2, 1)).catch(() => undefined);
    await expect(out.close()).rejects.toThrow(/part 2 failed/);
    expect(log).toContain('abort');
    expect(log.some((l) => l.startsWith('complete'))).toBe(false);
  });

  it('abort drops a started upload', async () => {
    const { calls, log } = recordedCalls();
    const out = new S3StreamedUpload(calls, 4);
    await out.write(bytes(5, 1));
    await out.abort();
    expect(log).toEqual(['begin', 'part 1 4', 'abort']);
  });
});
