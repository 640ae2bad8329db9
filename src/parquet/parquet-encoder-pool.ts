// Parquet encoding off the main thread: a few worker threads running parquet-wasm
// (parquet-encoder-thread.ts). A data file is a stream pinned to one thread: the
// caller sends Arrow chunks as they fill (IPC bytes moved, not copied) and the
// thread encodes them while the caller goes on consuming; the file's bytes come
// back piece by piece (a row group each, the footer last) as they are encoded.
// A stream accepts chunks beyond what its writer took, so the caller bounds the
// backlog (see `queued` and `drained`).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Table, tableToIPC } from 'apache-arrow';
import { FloeError, ValidationError } from '../errors.ts';
import type { EncoderReply, EncoderRequest } from './parquet-encoder-thread.ts';
import type { ParquetWriterOptions } from './parquet-wasm-writer.ts';

/** One Parquet file being encoded on a pool thread. */
export interface EncoderStream {
  /** Sends the rows of `table` (the file's schema) to the encoder, copied: its buffers are free on return. */
  write(table: Table): void;
  /** Arrow IPC bytes sent but not yet taken by the encoder. */
  readonly queuedBytes: number;
  /** Resolves once the encoder's backlog is at most `maxBytes`. */
  drained(maxBytes: number): Promise<void>;
  /** Resolves once the file's last piece (with the footer) went to `onPart`. */
  close(): Promise<void>;
  /** Drops the file; the thread frees what it holds. */
  abort(): void;
}

interface EncoderThread {
  readonly worker: Worker;
  readonly streams: Map<number, PooledStream>;
}

// Node runs the .ts sources directly (type stripping) and dist/ holds .js: load the sibling either way.
const THREAD_ENTRY = new URL(
  `./parquet-encoder-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

export class ParquetEncoderPool {
  readonly #size: number;
  readonly #threads: EncoderThread[] = [];
  #nextId = 0;
  #closed = false;
  /** Seconds callers waited in drained() for an encoder to catch up, summed over streams. */
  readonly #waits = { seconds: 0 };

  /** `size` threads at most, started on first use. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new ValidationError(`encoder pool size ${size}: must be >= 1`);
    this.#size = size;
  }

  /** `onPart` receives the file's bytes in order, as they are encoded. */
  openStream(options: ParquetWriterOptions, onPart: (bytes: Uint8Array) => void): EncoderStream {
    if (this.#closed) throw new FloeError('Parquet encoder pool is closed');
    const thread = this.#pick();
    const stream = new PooledStream(this.#nextId++, thread.worker, this.#waits, onPart, () => {
      thread.streams.delete(stream.id);
      if (thread.streams.size === 0) thread.worker.unref();
    });
    if (thread.streams.size === 0) thread.worker.ref(); // an open file keeps the process alive
    thread.streams.set(stream.id, stream);
    stream.post({ kind: 'open', stream: stream.id, options });
    return stream;
  }

  /**
   * Starts the first thread now, if none runs: its module loading and parquet-wasm's
   * compile (a few hundred ms) then overlap the caller's own start-up instead of
   * delaying the first file. An idle thread does not keep the process alive.
   */
  prestart(): void {
    if (!this.#closed && this.#threads.length === 0) this.#start();
  }

  /** Threads running now (started ones not lost or closed). */
  get threadCount(): number {
    return this.#threads.length;
  }

  /** Seconds spent waiting for the encoders (backpressure), since the pool started. */
  get waitSeconds(): number {
    return this.#waits.seconds;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads.splice(0);
    for (const thread of threads) {
      for (const stream of thread.streams.values()) stream.fail(new FloeError('Parquet encoder pool closed'));
    }
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  /** The thread with the fewest open files, or a new one while the pool is not full. */
  #pick(): EncoderThread {
    const idle = this.#threads.find((t) => t.streams.size === 0);
    if (idle !== undefined) return idle;
    if (this.#threads.length < this.#size) return this.#start();
    return this.#threads.reduce((a, b) => (b.streams.size < a.streams.size ? b : a));
  }

  #start(): EncoderThread {
    const thread: EncoderThread = { worker: new Worker(THREAD_ENTRY), streams: new Map() };
    thread.worker.unref();
    thread.worker.on('message', (reply: EncoderReply) => thread.streams.get(reply.stream)?.receive(reply));
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
    for (const stream of thread.streams.values()) stream.fail(error);
  }
}

class PooledStream implements EncoderStream {
  readonly id: number;
  readonly #worker: Worker;
  readonly #release: () => void;
  readonly #waits: { seconds: number };
  readonly #onPart: (bytes: Uint8Array) => void;
  /** Byte sizes of the chunks sent and not taken yet, oldest first. */
  readonly #queued: number[] = [];
  #queuedBytes = 0;
  #waiters: Array<{ maxBytes: number; resolve(): void; reject(error: Error): void }> = [];
  #result: { resolve(): void; reject(error: Error): void } | undefined;
  #failure: Error | undefined;
  #done = false;

  constructor(
    id: number,
    worker: Worker,
    waits: { seconds: number },
    onPart: (bytes: Uint8Array) => void,
    release: () => void,
  ) {
    this.id = id;
    this.#worker = worker;
    this.#waits = waits;
    this.#onPart = onPart;
    this.#release = release;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  write(table: Table): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#done) throw new FloeError('Parquet stream: write() after close()');
    const ipc = tableToIPC(table, 'stream');
    this.#queued.push(ipc.length);
    this.#queuedBytes += ipc.length;
    this.post({ kind: 'write', stream: this.id, ipc }, [ipc.buffer as ArrayBuffer]);
  }

  drained(maxBytes: number): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#queuedBytes <= maxBytes) return Promise.resolve();
    const start = performance.now();
    const waited = () => {
      this.#waits.seconds += (performance.now() - start) / 1000;
    };
    return new Promise<void>((resolve, reject) => this.#waiters.push({ maxBytes, resolve, reject })).finally(
      waited,
    );
  }

  close(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#done) return Promise.reject(new FloeError('Parquet stream: close() called twice'));
    this.#done = true;
    return new Promise<void>((resolve, reject) => {
      this.#result = { resolve, reject };
      this.post({ kind: 'close', stream: this.id });
    });
  }

  abort(): void {
    if (this.#done && this.#result === undefined) return;
    this.#done = true;
    this.post({ kind: 'abort', stream: this.id });
    this.fail(new FloeError('Parquet stream aborted'));
  }

  post(request: EncoderRequest, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(request, transfer);
  }

  receive(reply: EncoderReply): void {
    if (reply.kind === 'taken') {
      this.#queuedBytes -= this.#queued.shift() ?? 0;
      this.#waiters = this.#waiters.filter((w) => {
        if (this.#queuedBytes > w.maxBytes) return true;
        w.resolve();
        return false;
      });
    } else if (reply.kind === 'part') {
      if (this.#failure === undefined) this.#onPart(reply.bytes);
    } else if (reply.kind === 'closed') {
      const result = this.#result;
      this.#result = undefined;
      this.#release();
      result?.resolve();
    } else {
      this.fail(new ValidationError(`Parquet encoding failed: ${reply.error}`));
    }
  }

  fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#release();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    const result = this.#result;
    this.#result = undefined;
    result?.reject(error);
  }
}

let shared: ParquetEncoderPool | undefined;

/** The process-wide pool: one thread per core beyond the main thread's, at least one. */
export function sharedParquetEncoderPool(): ParquetEncoderPool {
  shared ??= new ParquetEncoderPool(Math.max(1, Math.min(4, availableParallelism() - 1)));
  return shared;
}

/** Stops the shared pool's threads (a file left open would otherwise keep the process alive). */
export async function closeSharedParquetEncoderPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
