// Parquet encoding off the main thread: a few worker threads running
// parquet-wasm (parquet-encoder-thread.ts). The caller builds the Arrow batch and
// its IPC stream; the bytes move to a thread and the Parquet file moves back, so
// encoding one file overlaps with consuming the next records.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Table, tableToIPC } from 'apache-arrow';
import { FloeError, ValidationError } from '../errors.ts';
import type { EncodeReply, EncodeRequest } from './parquet-encoder-thread.ts';
import type { ParquetWriterOptions } from './parquet-wasm-writer.ts';

interface Job {
  readonly request: EncodeRequest;
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

interface EncoderThread {
  readonly worker: Worker;
  job: Job | undefined;
}

// Node runs the .ts sources directly (type stripping) and dist/ holds .js: load the sibling either way.
const THREAD_ENTRY = new URL(
  `./parquet-encoder-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

export class ParquetEncoderPool {
  readonly #size: number;
  readonly #threads: EncoderThread[] = [];
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;

  /** `size` threads at most, started on first use. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new ValidationError(`encoder pool size ${size}: must be >= 1`);
    this.#size = size;
  }

  /** Encodes the Arrow table as one Parquet file on a pool thread. */
  encode(table: Table, options: ParquetWriterOptions): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new FloeError('Parquet encoder pool is closed'));
    const ipc = tableToIPC(table, 'stream');
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#queue.push({ request: { id: this.#nextId++, ipc, options }, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new FloeError('Parquet encoder pool closed'));
    await Promise.all(this.#threads.splice(0).map((t) => t.worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let thread = this.#threads.find((t) => t.job === undefined);
      if (thread === undefined && this.#threads.length < this.#size) thread = this.#start();
      if (thread === undefined) return;
      const job = this.#queue.shift()!;
      thread.job = job;
      thread.worker.ref(); // a pending encode keeps the process alive; an idle pool does not
      thread.worker.postMessage(job.request, [job.request.ipc.buffer as ArrayBuffer]);
    }
  }

  #start(): EncoderThread {
    const thread: EncoderThread = { worker: new Worker(THREAD_ENTRY), job: undefined };
    thread.worker.unref();
    thread.worker.on('message', (reply: EncodeReply) => {
      const job = thread.job;
      thread.job = undefined;
      thread.worker.unref();
      if (job !== undefined) {
        if ('bytes' in reply) job.resolve(reply.bytes);
        else job.reject(new ValidationError(`Parquet encoding failed: ${reply.error}`));
      }
      this.#dispatch();
    });
    thread.worker.on('error', (error) => this.#lost(thread, error));
    thread.worker.on('exit', (code) => {
      if (!this.#closed) this.#lost(thread, new FloeError(`Parquet encoder thread exited with code ${code}`));
    });
    this.#threads.push(thread);
    return thread;
  }

  #lost(thread: EncoderThread, error: Error): void {
    const index = this.#threads.indexOf(thread);
    if (index >= 0) this.#threads.splice(index, 1);
    const job = thread.job;
    thread.job = undefined;
    job?.reject(error);
    this.#dispatch();
  }
}

let shared: ParquetEncoderPool | undefined;

/** The process-wide pool: one thread per core beyond the main thread's, at least one. */
export function sharedParquetEncoderPool(): ParquetEncoderPool {
  shared ??= new ParquetEncoderPool(Math.max(1, Math.min(4, availableParallelism() - 1)));
  return shared;
}
