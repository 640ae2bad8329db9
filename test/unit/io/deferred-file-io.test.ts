import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeferredFileIO } from '../../../src/io/deferred-file-io.ts';
import type { FileIO } from '../../../src/io/file-io.ts';
import { LocalFileIO } from '../../../src/io/local-file-io.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function folder(): string {
  dir = mkdtempSync(join(tmpdir(), 'floe-deferred-io-'));
  return dir;
}

describe('DeferredFileIO', () => {
  it('makes its FileIO on first use, once, and forwards every operation to it', async () => {
    const root = folder();
    let made = 0;
    const io = new DeferredFileIO(async () => {
      made++;
      return new LocalFileIO();
    });
    expect(made).toBe(0);
    const whole = join(root, 'whole.bin');
    await io.write(whole, new Uint8Array([1, 2, 3]));
    expect([...(await io.read(whole))]).toEqual([1, 2, 3]);
    expect(await io.exists(whole)).toBe(true);

    const streamed = join(root, 'streamed.bin');
    const output = io.create(streamed);
    await output.write(new Uint8Array([4, 5]));
    await output.write(new Uint8Array([6]));
    expect(await io.exists(streamed)).toBe(false); // published only by close()
    await output.close();
    expect([...readFileSync(streamed)]).toEqual([4, 5, 6]);

    const listed: string[] = [];
    for await (const file of io.list(`${root}/`)) listed.push(file.path);
    expect(listed.map((p) => p.slice(root.length + 1)).sort()).toEqual(['streamed.bin', 'whole.bin']);
    await io.delete(whole);
    expect(await io.exists(whole)).toBe(false);
    expect(made).toBe(1);
  });

  it('reports a factory failure to the caller and tries again on the next call', async () => {
    const root = folder();
    let attempts = 0;
    const io = new DeferredFileIO(async (): Promise<FileIO> => {
      attempts++;
      if (attempts === 1) throw new Error('no SDK today');
      return new LocalFileIO();
    });
    const output = io.create(join(root, 'a.bin'));
    await expect(output.write(new Uint8Array([1]))).rejects.toThrow('no SDK today');
    await expect(output.abort()).rejects.toThrow('no SDK today');
    expect(await io.exists(join(root, 'a.bin'))).toBe(false);
    expect(attempts).toBe(2);
  });
});
