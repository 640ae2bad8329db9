// The compaction thread's FileIO: every call is made by the main thread on the
// worker's own FileIO (compaction-thread-files.ts), so the thread needs no
// storage client, credentials or configuration of its own, the worker's write
// timing (TimedFileIO) counts its writes as before, and any FileIO a caller
// injects (a test's) works. Bytes move between the threads, not copied twice:
// a piece written is copied once here (the caller may still hold it) and moved.
import type { FileInfo, FileIO, FileOutput, WriteOptions } from '../io/file-io.ts';
import {
  type FileAnswer,
  type FileCall,
  type FileCallValue,
  type FromThread,
  ownCopy,
  uncrossError,
} from './compaction-thread-protocol.ts';

type Post = (message: FromThread, transfer?: ArrayBuffer[]) => void;

interface Pending {
  resolve(value: FileCallValue): void;
  reject(error: Error): void;
}

/** Calls of every job waiting for the main thread, by call number. */
const pending = new Map<number, Pending>();
let calls = 0;
/** Errors the main thread's FileIO threw, with the number it knows them by. */
const fromMain = new WeakMap<Error, number>();

/** The main thread's answer to a call. */
export function answered(message: FileAnswer): void {
  const waiting = pending.get(message.call);
  if (waiting === undefined) return;
  pending.delete(message.call);
  if (message.kind === 'answer') {
    waiting.resolve(message.value);
    return;
  }
  const error = uncrossError(message.error);
  fromMain.set(error, message.call);
  waiting.reject(error);
}

/** The number of a file call whose error this is, when the main thread's FileIO threw it. */
export function mainErrorRef(error: unknown): number | undefined {
  return error instanceof Error ? fromMain.get(error) : undefined;
}

export class ThreadFileIO implements FileIO {
  readonly #job: number;
  readonly #post: Post;
  #outputs = 0;

  constructor(job: number, post: Post) {
    this.#job = job;
    this.#post = post;
  }

  async read(path: string): Promise<Uint8Array> {
    return (await this.#call({ op: 'read', path })) as Uint8Array;
  }

  async write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    const own = ownCopy(data);
    await this.#call({ op: 'write', path, data: own, ...(options === undefined ? {} : { options }) }, [
      own.buffer,
    ]);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.#call({ op: 'exists', path })) as boolean;
  }

  async delete(path: string): Promise<void> {
    await this.#call({ op: 'delete', path });
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    yield* (await this.#call({ op: 'list', prefix })) as readonly FileInfo[];
  }

  create(path: string): FileOutput {
    const output = this.#outputs++;
    // Not waited for: a refused create fails the output's first piece (the main thread keeps the error).
    this.#call({ op: 'create', output, path }).catch(() => undefined);
    return {
      write: async (piece) => {
        const bytes = ownCopy(piece);
        await this.#call({ op: 'piece', output, bytes }, [bytes.buffer]);
      },
      close: async () => {
        await this.#call({ op: 'close', output });
      },
      abort: async () => {
        await this.#call({ op: 'abort', output });
      },
    };
  }

  #call(request: FileCall, transfer: ArrayBuffer[] = []): Promise<FileCallValue> {
    const call = calls++;
    return new Promise<FileCallValue>((resolve, reject) => {
      pending.set(call, { resolve, reject });
      this.#post({ kind: 'call', job: this.#job, call, request }, transfer);
    });
  }
}
