// S3FileIO against the local S3-compatible store (versitygw, scripts/services).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AlreadyExistsError } from '../../src/errors.ts';
import { isNotFound } from '../../src/io/file-io.ts';
import { S3FileIO } from '../../src/io/s3-file-io.ts';
import { services, uniqueName } from '../support/services.ts';

const MIB = 1024 * 1024;
const io = new S3FileIO({
  endpoint: services.s3.endpoint,
  region: services.s3.region,
  forcePathStyle: true,
  accessKeyId: services.s3.accessKeyId,
  secretAccessKey: services.s3.secretAccessKey,
});
const base = `s3://${services.s3.bucket}/${uniqueName('s3-file-io')}`;
const text = (s: string) => new TextEncoder().encode(s);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function listAll(prefix: string) {
  const out: { path: string; size: number; lastModifiedMs: number }[] = [];
  for await (const f of io.list(prefix)) out.push(f);
  return out;
}

describe('S3FileIO on versitygw', () => {
  afterAll(async () => {
    for (const f of await listAll(`${base}/`)) await io.delete(f.path);
    io.close();
  });

  it('puts, gets, checks and deletes an object', async () => {
    const path = `${base}/basic/hello.txt`;
    expect(await io.exists(path)).toBe(false);
    await io.write(path, text('hello s3'));
    expect(await io.exists(path)).toBe(true);
    expect(new TextDecoder().decode(await io.read(path))).toBe('hello s3');
    await io.write(path, text('overwritten'));
    expect(new TextDecoder().decode(await io.read(path))).toBe('overwritten');
    await io.delete(path);
    expect(await io.exists(path)).toBe(false);
    await io.delete(path); // idempotent
    const missing = await io.read(path).catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
  });

  it('lists by prefix with sizes, across pages of results', async () => {
    const dir = `${base}/listing`;
    const names = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, '0')}.bin`);
    await Promise.all(names.map((n, i) => io.write(`${dir}/${n}`, new Uint8Array(i + 1))));
    await io.write(`${base}/listing-sibling.bin`, new Uint8Array(1));
    const listed = await listAll(`${dir}/`);
    expect(listed.map((f) => f.path)).toEqual(names.map((n) => `${dir}/${n}`));
    expect(listed.map((f) => f.size)).toEqual(names.map((_, i) => i + 1));
    expect(listed.every((f) => f.lastModifiedMs > 0)).toBe(true);
    // a string prefix, not only a "directory"
    expect((await listAll(`${base}/listing`)).length).toBe(13);
  });

  it('writes a 40 MiB object as a multipart upload and reads back the same bytes', async () => {
    const path = `${base}/big/forty.bin`;
    const data = randomBytes(40 * MIB);
    await io.write(path, data);
    const back = await io.read(path);
    expect(back.byteLength).toBe(40 * MIB);
    expect(sha256(back)).toBe(sha256(data));
    expect((await listAll(path))[0]?.size).toBe(40 * MIB);
  });

  it('streams a file piece by piece (create): parts go up while writing, the object appears on close', async () => {
    const path = `${base}/streamed/file.bin`;
    const pieces = Array.from({ length: 7 }, (_, i) => randomBytes(3 * MIB + i * 1000));
    const out = io.create(path);
    for (const piece of pieces) await out.write(piece);
    expect(await io.exists(path)).toBe(false); // a multipart upload is invisible until completed
    await out.close();
    const whole = Buffer.concat(pieces);
    const read = await io.read(path);
    expect(read.length).toBe(whole.length);
    expect(sha256(read)).toBe(sha256(whole));

    const small = `${base}/streamed/small.bin`;
    const tiny = io.create(small);
    await tiny.write(text('a few '));
    await tiny.write(text('bytes'));
    await tiny.close();
    expect(new TextDecoder().decode(await io.read(small))).toBe('a few bytes');

    const dropped = `${base}/streamed/dropped.bin`;
    const aborted = io.create(dropped);
    for (const piece of pieces) await aborted.write(piece);
    await aborted.abort();
    expect(await io.exists(dropped)).toBe(false);
  });

  it('refuses a second create-only write and keeps the first object', async () => {
    const path = `${base}/cas/v1.metadata.json`;
    await io.write(path, text('first'), { ifNotExists: true });
    await expect(io.write(path, text('second'), { ifNotExists: true })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    expect(new TextDecoder().decode(await io.read(path))).toBe('first');
  });

  it('refuses a create-only multipart write over an existing object', async () => {
    const path = `${base}/cas/big.bin`;
    const first = randomBytes(20 * MIB);
    await io.write(path, first, { ifNotExists: true });
    await expect(io.write(path, randomBytes(20 * MIB), { ifNotExists: true })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    expect(sha256(await io.read(path))).toBe(sha256(first));
  });

  it('lets exactly one of several racing create-only writes win', async () => {
    const path = `${base}/cas/race.json`;
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => io.write(path, text(`writer ${i}`), { ifNotExists: true })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
    }
  });
});
