// Routes each path to the FileIO of its scheme: s3:// (and s3a://, s3n://) to
// S3, file:// and plain absolute paths to the local filesystem. A table's files
// can then be addressed by whatever URI its metadata holds.
import { StorageError } from '../errors.ts';
import { type FileInfo, type FileIO, type FileOutput, openOutput, type WriteOptions } from './file-io.ts';
import { isS3Uri } from './s3-uri.ts';

export interface ResolvingFileIOOptions {
  readonly local?: FileIO;
  /** Created on first use, so configurations that never touch S3 need no credentials. */
  readonly s3?: FileIO | (() => FileIO);
}

export class ResolvingFileIO implements FileIO {
  readonly #local: FileIO | undefined;
  #s3: FileIO | (() => FileIO) | undefined;

  constructor(options: ResolvingFileIOOptions) {
    this.#local = options.local;
    this.#s3 = options.s3;
  }

  read(path: string): Promise<Uint8Array> {
    return this.resolve(path).read(path);
  }

  write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.resolve(path).write(path, data, options);
  }

  create(path: string): FileOutput {
    return openOutput(this.resolve(path), path);
  }

  exists(path: string): Promise<boolean> {
    return this.resolve(path).exists(path);
  }

  delete(path: string): Promise<void> {
    return this.resolve(path).delete(path);
  }

  list(prefix: string): AsyncIterable<FileInfo> {
    return this.resolve(prefix).list(prefix);
  }

  /** The FileIO that serves `path`. */
  resolve(path: string): FileIO {
    if (isS3Uri(path)) {
      if (typeof this.#s3 === 'function') this.#s3 = this.#s3();
      if (this.#s3) return this.#s3;
      throw new StorageError(`no S3 storage is configured for ${path}`, { path }, false);
    }
    if (path.startsWith('file:') || path.startsWith('/')) {
      if (this.#local) return this.#local;
      throw new StorageError(`no local storage is configured for ${path}`, { path }, false);
    }
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(path)?.[1];
    const what = scheme ? `unsupported storage scheme '${scheme}'` : 'relative paths are not supported';
    throw new StorageError(`${what}: ${path}`, { path }, false);
  }
}
