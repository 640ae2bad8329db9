import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors.ts';
import type { FileInfo, FileIO } from '../../../src/io/file-io.ts';
import { ResolvingFileIO } from '../../../src/io/resolving-file-io.ts';

/** Records which paths it was asked about. */
class RecordingIO implements FileIO {
  readonly seen: string[] = [];
  async read(path: string) {
    this.seen.push(path);
    return new Uint8Array();
  }
  async write(path: string) {
    this.seen.push(path);
  }
  async exists(path: string) {
    this.seen.push(path);
    return true;
  }
  async delete(path: string) {
    this.seen.push(path);
  }
  async *list(prefix: string): AsyncIterable<FileInfo> {
    this.seen.push(prefix);
    yield { path: `${prefix}file`, size: 0, lastModifiedMs: 0 };
  }
}

describe('ResolvingFileIO', () => {
  it('routes s3, s3a and s3n to S3 and file:// and absolute paths to local storage', async () => {
    const local = new RecordingIO();
    const s3 = new RecordingIO();
    const io = new ResolvingFileIO({ local, s3 });
    await io.read('s3://b/k1');
    await io.write('s3a://b/k2', new Uint8Array());
    await io.exists('s3n://b/k3');
    await io.delete('/tmp/x');
    const listed: string[] = [];
    for await (const file of io.list('file:///tmp/y/')) listed.push(file.path);
    expect(listed).toEqual(['file:///tmp/y/file']);
    expect(s3.seen).toEqual(['s3://b/k1', 's3a://b/k2', 's3n://b/k3']);
    expect(local.seen).toEqual(['/tmp/x', 'file:///tmp/y/']);
  });

  it('creates the S3 FileIO only when an S3 path is first used', async () => {
    let created = 0;
    const io = new ResolvingFileIO({
      local: new RecordingIO(),
      s3: () => {
        created++;
        return new RecordingIO();
      },
    });
    await io.read('/tmp/local');
    expect(created).toBe(0);
    await io.read('s3://b/k');
    await io.read('s3://b/k');
    expect(created).toBe(1);
  });

  it('rejects unknown schemes, relative paths and unconfigured stores', async () => {
    const io = new ResolvingFileIO({ local: new RecordingIO() });
    expect(() => io.resolve('gs://b/k')).toThrow(/unsupported storage scheme 'gs'/);
    expect(() => io.resolve('relative/path')).toThrow(StorageError);
    expect(() => io.resolve('s3://b/k')).toThrow(/no S3 storage/);
  });
});
