// The main thread's side of one rewrite's file calls (compaction-thread-file-io.ts):
// each is made on the worker's FileIO and answered; the pieces of a file go on
// to its output in order. It remembers what the rewrite wrote: when the rewrite
// fails or is stopped, its open files are aborted (a local temp file removed,
// an S3 multipart upload aborted) and the files it finished are deleted, since
// no snapshot will reference them. The error a file call threw is kept by the
// call's number, so the rewrite failing with it rethrows that very object.
import { FloeError } from '../errors.ts';
import { type FileInfo, type FileIO, type FileOutput, openOutput } from '../io/file-io.ts';
import {
  type CrossedError,
  crossError,
  type FileAnswer,
  type FileCall,
  type FileCallValue,
  ownCopy,
  uncrossError,
} from './compaction-thread-protocol.ts';

interface ServedOutput {
  readonly path: string;
  readonly output: FileOutput | undefined;
  /** openOutput threw: every call on the output fails with it. */
  readonly refused?: unknown;
  /** The output's calls in order: each starts once the one before settled. */
  queue: Promise<unknown>;
  state: 'open' | 'closed' | 'aborted';
}

export class FileCallServer {
  readonly #io: FileIO;
  readonly #outputs = new Map<number, ServedOutput>();
  /** Errors the FileIO threw, by call number. */
  readonly #errors = new Map<number, unknown>();
  #ended = false;

  constructor(io: FileIO) {
    this.#io = io;
  }

  /** Makes the call; the answer, with the buffers it moves to the thread. */
  async answer(call: number, request: FileCall): Promise<{ answer: FileAnswer; transfer: ArrayBuffer[] }> {
    try {
      const value = await this.#serve(request);
      if (!(value instanceof Uint8Array)) return { answer: { kind: 'answer', call, value }, transfer: [] };
      // A copy: the FileIO may keep the bytes it returned (a cache, an in-memory store).
      const own = ownCopy(value);
      return { answer: { kind: 'answer', call, value: own }, transfer: [own.buffer] };
    } catch (error) {
      this.#errors.set(call, error);
      return { answer: { kind: 'refused', call, error: crossError(error, call) }, transfer: [] };
    }
  }

  /** The error the rewrite failed with: the FileIO's own object when a file call threw it. */
  failure(crossed: CrossedError): unknown {
    if (crossed.ref !== undefined && this.#errors.has(crossed.ref)) return this.#errors.get(crossed.ref);
    return uncrossError(crossed);
  }

  /**
   * No more calls are served. Open outputs are aborted; with `failed`, the files
   * the rewrite closed are deleted too (best effort: orphan cleanup takes what is left).
   */
  async end(failed: boolean): Promise<void> {
    this.#ended = true;
    const outputs = [...this.#outputs.values()];
    this.#outputs.clear();
    await Promise.all(
      outputs.map(async (served) => {
        await served.queue.catch(() => undefined);
        if (served.state === 'open') {
          served.state = 'aborted';
          await served.output?.abort().catch(() => undefined);
        } else if (served.state === 'closed' && failed) {
          await this.#io.delete(served.path).catch(() => undefined);
        }
      }),
    );
  }

  async #serve(request: FileCall): Promise<FileCallValue> {
    if (this.#ended) throw new FloeError('compaction rewrite: a file call after the rewrite ended');
    switch (request.op) {
      case 'read':
        return this.#io.read(request.path);
      case 'write':
        await this.#io.write(request.path, request.data, request.options);
        return undefined;
      case 'exists':
        return this.#io.exists(request.path);
      case 'delete':
        await this.#io.delete(request.path);
        return undefined;
      case 'list': {
        const found: FileInfo[] = [];
        for await (const info of this.#io.list(request.prefix)) found.push(info);
        return found;
      }
      case 'create':
        this.#outputs.set(request.output, this.#open(request.path));
        return undefined;
      case 'piece': {
        const { bytes } = request;
        return this.#onOutput(request.output, (output) => output.write(bytes));
      }
      case 'close':
        return this.#onOutput(request.output, async (output, served) => {
          await output.close();
          served.state = 'closed';
        });
      case 'abort':
        return this.#onOutput(request.output, async (output, served) => {
          served.state = 'aborted';
          await output.abort();
        });
    }
  }

  #open(path: string): ServedOutput {
    try {
      return { path, output: openOutput(this.#io, path), queue: Promise.resolve(), state: 'open' };
    } catch (refused) {
      return { path, output: undefined, refused, queue: Promise.resolve(), state: 'aborted' };
    }
  }

  #onOutput(
    id: number,
    work: (output: FileOutput, served: ServedOutput) => Promise<void>,
  ): Promise<undefined> {
    const served = this.#outputs.get(id);
    if (served === undefined) throw new FloeError(`compaction rewrite: no open output ${id}`);
    const run = served.queue.then(async () => {
      if (served.output === undefined) throw served.refused;
      await work(served.output, served);
      return undefined;
    });
    served.queue = run.catch(() => undefined);
    return run;
  }
}
