// The encoder thread's side of its zstd thread (parquet-compressor-thread.ts):
// started on the first zstd file, one PageRewriter per file that posts each
// flushed row group of plain pages to it and passes the compressed bytes on in
// order. The writer awaits `pages` only when the thread has not finished the
// row group before (at most one row group waits uncompressed: memory), and
// `finish` until the file's last bytes went out.
import { Worker } from 'node:worker_threads';
import { FloeError, ValidationError } from '../errors.ts';
import type { PageRewriter, PageRewriterFactory } from './parquet-wasm-writer.ts';
import type { ZstdSettings } from './zstd-page-levels.ts';

// Node runs the .ts sources directly (type stripping) and dist/ holds .js: load the sibling either way.
const THREAD_ENTRY = new URL(
  `./parquet-compressor-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

export type CompressorRequest =
  | { readonly kind: 'open'; readonly stream: number; readonly zstd: ZstdSettings }
  /** Whole pages of the file (what arrow-rs flushed before its input ended). */
  | { readonly kind: 'pages'; readonly stream: number; readonly bytes: Uint8Array }
  /** The rest of the file: the last pages, indexes and footer. */
  | { readonly kind: 'finish'; readonly stream: number; readonly bytes: Uint8Array }
  | { readonly kind: 'abort'; readonly stream: number };

export type CompressorReply =
  /** The next compressed bytes of the file. */
  | { readonly kind: 'part'; readonly stream: number; readonly bytes: Uint8Array }
  /** A `pages` piece was handled (its parts went first). */
  | { readonly kind: 'done'; readonly stream: number }
  /** The file's last part went out. */
  | { readonly kind: 'finished'; readonly stream: number }
  | { readonly kind: 'failed'; readonly stream: number; readonly error: string };

/** Pieces posted and not yet compressed before `pages` makes the writer wait. */
const AHEAD = 1;

/** `bytes` as the sole view of its buffer, so the buffer can move to another thread (copied if not). */
export function ownedBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

export class CompressorLink {
  #worker: Worker | undefined;
  readonly #streams = new Map<number, RemotePageRewriter>();
  #nextId = 0;

  /** A PageRewriterFactory whose files are compressed on the zstd thread. */
  readonly factory: PageRewriterFactory = (zstd, emit) => {
    const worker = this.#start();
    const rewriter = new RemotePageRewriter(this.#nextId++, worker, emit, (id) => this.#streams.delete(id));
    this.#streams.set(rewriter.id, rewriter);
    rewriter.post({ kind: 'open', stream: rewriter.id, zstd });
    return rewriter;
  };

  /** Stops the thread; files still open on it fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    for (const stream of [...this.#streams.values()])
      stream.fail(new FloeError('Parquet zstd thread closed'));
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(THREAD_ENTRY);
    worker.unref(); // a waiting writer keeps the thread busy; nothing else should
    worker.on('message', (reply: CompressorReply) => this.#streams.get(reply.stream)?.receive(reply));
    const lost = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const stream of [...this.#streams.values()]) stream.fail(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new FloeError(`Parquet zstd thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }
}

class RemotePageRewriter implements PageRewriter {
  readonly id: number;
  readonly #worker: Worker;
  readonly #emit: (bytes: Uint8Array) => void;
  readonly #release: (id: number) => void;
  #inFlight = 0;
  #wake: { resolve(): void; reject(error: Error): void } | undefined;
  #failure: Error | undefined;

  constructor(id: number, worker: Worker, emit: (bytes: Uint8Array) => void, release: (id: number) => void) {
    this.id = id;
    this.#worker = worker;
    this.#emit = emit;
    this.#release = release;
  }

  pages(bytes: Uint8Array): void | Promise<void> {
    this.#send('pages', bytes);
    this.#inFlight++;
    return this.#inFlight > AHEAD ? this.#until() : undefined;
  }

  finish(bytes: Uint8Array): Promise<void> {
    this.#send('finish', bytes);
    this.#inFlight++; // answered by 'finished', after every 'done'
    return this.#until(0);
  }

  abort(): void {
    if (this.#failure !== undefined) return;
    this.post({ kind: 'abort', stream: this.id });
    this.fail(new ValidationError('Parquet stream aborted'));
  }

  post(request: CompressorRequest, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(request, transfer);
  }

  receive(reply: CompressorReply): void {
    if (reply.kind === 'part') {
      if (this.#failure === undefined) this.#emit(reply.bytes);
    } else if (reply.kind === 'done' || reply.kind === 'finished') {
      this.#inFlight--;
      if (reply.kind === 'finished') this.#release(this.id);
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.resolve();
    } else {
      this.fail(new ValidationError(reply.error));
    }
  }

  fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#release(this.id);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.reject(error);
  }

  #send(kind: 'pages' | 'finish', bytes: Uint8Array): void {
    if (this.#failure !== undefined) throw this.#failure;
    const owned = ownedBytes(bytes);
    this.post({ kind, stream: this.id, bytes: owned }, [owned.buffer as ArrayBuffer]);
  }

  /** Resolves once at most `limit` pieces are in flight. */
  async #until(limit = AHEAD): Promise<void> {
    while (this.#inFlight > limit) {
      if (this.#failure !== undefined) throw this.#failure;
      await new Promise<void>((resolve, reject) => {
        this.#wake = { resolve, reject };
      });
    }
    if (this.#failure !== undefined) throw this.#failure;
  }
}
