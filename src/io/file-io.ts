// The storage contract every writer and catalog uses. Paths are URIs:
// `s3://bucket/key` (s3a:// and s3n:// accepted), `file:///abs/path`, or a plain
// absolute path.
import { AlreadyExistsError, StorageError } from '../errors.ts';

export interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly lastModifiedMs: number;
}

export interface WriteOptions {
  /**
   * Create only: if the path already holds a file the write fails with
   * AlreadyExistsError and the existing file is left untouched.
   */
  readonly ifNotExists?: boolean;
}

/**
 * Errors: a missing file on read is a StorageError whose context has
 * `reason: 'not-found'` (see isNotFound); a refused create-only write is an
 * AlreadyExistsError; anything else is a StorageError with `retryable` set.
 * Every error's context carries the `path`.
 */
export interface FileIO {
  read(path: string): Promise<Uint8Array>;
  /** Whole-object write: readers see either the old state or all of `data`, never a prefix. */
  write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void>;
  /**
   * A new file written piece by piece (S3: a multipart upload; local: a temp file
   * renamed into place). Like write(), readers see it only once close() returned,
   * never a prefix. Without it, openOutput() buffers the pieces and calls write().
   */
  create?(path: string): FileOutput;
  exists(path: string): Promise<boolean>;
  /** Deleting a missing file is not an error. */
  delete(path: string): Promise<void>;
  /** Every file whose path starts with `prefix` (a string prefix, not only a directory), in path order. */
  list(prefix: string): AsyncIterable<FileInfo>;
}

/** A file being written piece by piece (FileIO.create). */
export interface FileOutput {
  /** Appends; pieces are written in call order (await each before the next). */
  write(piece: Uint8Array): Promise<void>;
  /** Publishes the file. */
  close(): Promise<void>;
  /** Drops what was written; the path is left as it was. */
  abort(): Promise<void>;
}

/** The FileIO's streaming output, or one that buffers the pieces and writes them whole on close. */
export function openOutput(io: FileIO, path: string): FileOutput {
  if (io.create !== undefined) return io.create(path);
  let pieces: Uint8Array[] = [];
  return {
    write: async (piece) => {
      pieces.push(piece);
    },
    close: async () => {
      const length = pieces.reduce((n, p) => n + p.length, 0);
      const whole = new Uint8Array(length);
      let at = 0;
      for (const piece of pieces) {
        whole.set(piece, at);
        at += piece.length;
      }
      pieces = [];
      await io.write(path, whole);
    },
    abort: async () => {
      pieces = [];
    },
  };
}

export function notFoundError(path: string, cause?: unknown): StorageError {
  return new StorageError(`file not found: ${path}`, { path, reason: 'not-found' }, false, { cause });
}

export function isNotFound(error: unknown): boolean {
  return error instanceof StorageError && error.context.reason === 'not-found';
}

export function alreadyExistsError(path: string, cause?: unknown): AlreadyExistsError {
  return new AlreadyExistsError(
    `file already exists (create-only write refused): ${path}`,
    { path },
    { cause },
  );
}
