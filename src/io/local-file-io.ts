// FileIO on the local filesystem, for file:// URIs and plain absolute paths.
// Writes go to a temp file in the target's directory and are then renamed (or,
// for create-only writes, hard-linked) into place, so a crash never leaves a
// partial file under the final name.
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError } from '../errors.ts';
import {
  alreadyExistsError,
  type FileInfo,
  type FileIO,
  type FileOutput,
  notFoundError,
  type WriteOptions,
} from './file-io.ts';

const TEMP_SUFFIX = '.floe-tmp';
const TRANSIENT_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR', 'ETIMEDOUT']);

export class LocalFileIO implements FileIO {
  async read(path: string): Promise<Uint8Array> {
    const local = toLocalPath(path);
    try {
      const buffer = await readFile(local);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      throw storageError('read', path, error);
    }
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const local = toLocalPath(path);
    const directory = dirname(local);
    const temp = join(directory, `.${basename(local)}.${randomUUID()}${TEMP_SUFFIX}`);
    try {
      await mkdir(directory, { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (options.ifNotExists) {
        // link() fails with EEXIST instead of replacing: an atomic create-only publish.
        await link(temp, local);
      } else {
        await rename(temp, local);
      }
    } catch (error) {
      if (options.ifNotExists && errorCode(error) === 'EEXIST') throw alreadyExistsError(path, error);
      throw storageError('write', path, error);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** Appends to a temp file next to the target, renamed into place on close. */
  create(path: string): FileOutput {
    return new LocalFileOutput(path);
  }

  async exists(path: string): Promise<boolean> {
    try {
      return (await stat(toLocalPath(path))).isFile();
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return false;
      throw storageError('stat', path, error);
    }
  }

  async delete(path: string): Promise<void> {
    try {
      await rm(toLocalPath(path), { force: true });
    } catch (error) {
      throw storageError('delete', path, error);
    }
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const localPrefix = toLocalPath(prefix);
    const asUri = prefix.startsWith('file:');
    const root = localPrefix.endsWith('/') ? localPrefix.replace(/\/+$/, '') || '/' : dirname(localPrefix);
    const found: FileInfo[] = [];
    try {
      await collect(root, localPrefix, found);
    } catch (error) {
      throw storageError('list', prefix, error);
    }
    found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of found) yield asUri ? { ...file, path: `file://${file.path}` } : file;
  }
}

class LocalFileOutput implements FileOutput {
  readonly #path: string;
  readonly #local: string;
  readonly #temp: string;
  #handle: Promise<FileHandle> | undefined;

  constructor(path: string) {
    this.#path = path;
    this.#local = toLocalPath(path);
    this.#temp = join(dirname(this.#local), `.${basename(this.#local)}.${randomUUID()}${TEMP_SUFFIX}`);
  }

  async write(piece: Uint8Array): Promise<void> {
    try {
      const handle = await this.#opened();
      await handle.writeFile(piece);
    } catch (error) {
      throw storageError('write', this.#path, error);
    }
  }

  async close(): Promise<void> {
    try {
      const handle = await this.#opened();
      await handle.sync();
      await handle.close();
      await rename(this.#temp, this.#local);
    } catch (error) {
      await unlink(this.#temp).catch(() => undefined);
      throw storageError('write', this.#path, error);
    }
  }

  async abort(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle === undefined) return;
    await (await handle.catch(() => undefined))?.close().catch(() => undefined);
    await unlink(this.#temp).catch(() => undefined);
  }

  #opened(): Promise<FileHandle> {
    this.#handle ??= mkdir(dirname(this.#local), { recursive: true }).then(() => open(this.#temp, 'wx'));
    return this.#handle;
  }
}

async function collect(directory: string, prefix: string, into: FileInfo[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return;
    throw error;
  }
  for (const entry of entries) {
    const full = join(directory, entry.name);
    if (entry.isDirectory()) {
      // Descend only where the prefix can still match.
      if (`${full}/`.startsWith(prefix) || prefix.startsWith(`${full}/`)) await collect(full, prefix, into);
    } else if (entry.isFile() && full.startsWith(prefix) && !entry.name.endsWith(TEMP_SUFFIX)) {
      const info = await stat(full).catch(() => undefined);
      if (info) into.push({ path: full, size: info.size, lastModifiedMs: Math.floor(info.mtimeMs) });
    }
  }
}

/** The filesystem path of a file:// URI or a plain absolute path. */
export function toLocalPath(path: string): string {
  if (path.startsWith('file:')) {
    try {
      return fileURLToPath(path);
    } catch (error) {
      throw new StorageError(`invalid file URI: ${path}`, { path }, false, { cause: error });
    }
  }
  if (!isAbsolute(path)) {
    throw new StorageError(`local paths must be absolute or file:// URIs: ${path}`, { path }, false);
  }
  return path;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function storageError(operation: string, path: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const code = errorCode(error);
  if (code === 'ENOENT' && operation === 'read') return notFoundError(path, error);
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageError(
    `local ${operation} failed for ${path}: ${detail}`,
    { path, code },
    TRANSIENT_CODES.has(code ?? ''),
    {
      cause: error,
    },
  );
}
