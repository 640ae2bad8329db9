// Compaction's rewrite off the ingest thread: a group is rewritten
// (compaction-rewrite.ts: Parquet decoded row group by row group, rows appended
// to a TableWriter, encoded on that thread's own encoder) on a worker thread,
// its own isolate, while the main thread goes on consuming and decoding Kafka
// records. The main thread only makes the thread's file calls on the worker's
// FileIO (compaction-thread-files.ts) and gets back the new DataFiles; the
// validation and the replace commit stay on it (compactTable). One thread per
// process at most, started by the first rewrite and ended once idle for
// `idleMs` (an idle isolate holds tens of MB); rewrites run one at a time.
//
// Crash points: a crash point reached in a worker thread would count its visits
// apart from the main thread's, so the thread runs without FLOE_CRASH_POINT and
// the main thread visits the rewrite's points when it gets the files back, in the
// order the rewrite passed them: `after-data-file-write` per new file, then
// `after-compaction-write` (a kill there leaves the same unreferenced files).
// A stop (the signal: SIGTERM) terminates the thread at once, mid-group; the
// files it was writing are aborted and those it finished deleted.
import { Worker } from 'node:worker_threads';
import { crashPoint } from '../crash-points.ts';
import { FloeError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { currentSchema, sortOrderById, specById, type TableMetadata } from '../iceberg/table-metadata.ts';
import type { CompactionGroup } from './compaction-plan.ts';
import type { GroupRewrite, RewrittenGroup } from './compaction-rewrite.ts';
import { FileCallServer } from './compaction-thread-files.ts';
import type { FromThread, ToThread } from './compaction-thread-protocol.ts';

// Node runs the .ts sources directly (type stripping) and dist/ holds .js: load the sibling either way.
const THREAD_ENTRY = new URL(
  `./compaction-thread-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/** How long an idle thread is kept for the next group before it ends. */
export const COMPACTION_THREAD_IDLE_MS = 2_000;

interface Running {
  readonly job: number;
  readonly worker: Worker;
  readonly files: FileCallServer;
  settle(outcome: { added: DataFile[]; rows: number } | { error: unknown }): void;
}

export class CompactionThread {
  readonly #idleMs: number;
  #worker: Worker | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #running: Running | undefined;
  /** The rewrites asked for, one after the other. */
  #queue: Promise<unknown> = Promise.resolve();
  #jobs = 0;

  constructor(options: { readonly idleMs?: number } = {}) {
    this.#idleMs = options.idleMs ?? COMPACTION_THREAD_IDLE_MS;
  }

  /** The thread is up (a rewrite runs, or ran less than idleMs ago). */
  get started(): boolean {
    return this.#worker !== undefined;
  }

  /** Rewrites a group on the thread (after the rewrites asked for before it). */
  readonly rewrite: GroupRewrite = (...args) => {
    const done = this.#queue.then(() => this.#rewrite(...args));
    this.#queue = done.catch(() => undefined);
    return done;
  };

  /** Ends the thread now (a rewrite running fails as stopped). */
  async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#running?.settle({ error: new FloeError('compaction rewrite thread closed') });
    await this.#end();
  }

  async #rewrite(
    ...[io, metadata, group, files, deletes, signal]: Parameters<GroupRewrite>
  ): Promise<RewrittenGroup> {
    if (signal?.aborted) throw stoppedError(group);
    clearTimeout(this.#idleTimer);
    const worker = this.#worker ?? this.#start();
    worker.ref(); // a rewrite under way keeps the process alive
    const job = ++this.#jobs;
    const server = new FileCallServer(io);
    const onAbort = () => {
      this.#running?.settle({ error: stoppedError(group) });
      void this.#end();
    };
    try {
      const outcome = await new Promise<{ added: DataFile[]; rows: number }>((resolve, reject) => {
        this.#running = {
          job,
          worker,
          files: server,
          settle: (result) => {
            this.#running = undefined;
            if ('error' in result) reject(result.error);
            else resolve(result);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const message: ToThread = {
          kind: 'rewrite',
          job,
          metadata: threadMetadata(metadata, group),
          group,
          files: group.files.flatMap((f) => files.get(f.path) ?? []),
          deletes: group.files.flatMap((f) => {
            const applying = deletes.get(f.path);
            return applying === undefined ? [] : [[f.path, applying] as const];
          }),
        };
        worker.postMessage(message);
      });
      await server.end(false);
      // The rewrite's crash points, visited where a kill ends the process (see above).
      for (let i = 0; i < outcome.added.length; i++) crashPoint('after-data-file-write');
      crashPoint('after-compaction-write');
      return { group, added: outcome.added, rows: outcome.rows };
    } catch (error) {
      await server.end(true);
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.#running?.job === job) this.#running = undefined; // the message could not be sent
      this.#idle();
    }
  }

  #start(): Worker {
    // The thread's crash points are visited by the main thread (see above).
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'FLOE_CRASH_POINT'));
    const worker = new Worker(THREAD_ENTRY, { env });
    this.#worker = worker;
    worker.on('message', (message: FromThread) => this.#received(worker, message));
    worker.on('error', (error) => this.#lost(worker, error));
    worker.on('exit', (code) =>
      this.#lost(worker, new FloeError(`compaction rewrite thread exited with code ${code}`)),
    );
    return worker;
  }

  #received(worker: Worker, message: FromThread): void {
    const running =
      this.#running?.worker === worker && this.#running.job === message.job ? this.#running : undefined;
    if (message.kind === 'call') {
      if (running === undefined) {
        // A late call of a rewrite that ended (an abort of its files): they were dealt with.
        const error = { name: 'FloeError', message: 'compaction rewrite: the rewrite ended' };
        worker.postMessage({ kind: 'refused', call: message.call, error } satisfies ToThread);
        return;
      }
      void running.files.answer(message.call, message.request).then(({ answer, transfer }) => {
        if (this.#worker === worker) worker.postMessage(answer satisfies ToThread, transfer);
      });
      return;
    }
    if (running === undefined) return;
    if (message.kind === 'rewritten') running.settle({ added: message.added, rows: message.rows });
    else running.settle({ error: running.files.failure(message.error) });
  }

  /** The thread died (an uncaught error, out of memory, an exit): a rewrite under way fails with it. */
  #lost(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    if (this.#running?.worker === worker) this.#running.settle({ error });
  }

  /** Nothing to rewrite: the thread no longer holds the process, and ends after idleMs. */
  #idle(): void {
    this.#worker?.unref();
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.#end(), this.#idleMs);
    this.#idleTimer.unref();
  }

  async #end(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }
}

function stoppedError(group: CompactionGroup): FloeError {
  const partition = group.partitionKey === '' ? '(unpartitioned)' : group.partitionKey;
  return new FloeError(`compaction rewrite of partition ${partition} stopped`, { partition });
}

/**
 * What the rewrite reads of the table's metadata (schema, the group's spec, the
 * sort order, properties, location, format version): not the snapshots and logs.
 */
function threadMetadata(metadata: TableMetadata, group: CompactionGroup): TableMetadata {
  return {
    ...metadata,
    schemas: [currentSchema(metadata)],
    partitionSpecs: [specById(metadata, group.specId)],
    sortOrders: [sortOrderById(metadata, metadata.defaultSortOrderId)],
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    refs: {},
    statistics: [],
    partitionStatistics: [],
  };
}

let shared: CompactionThread | undefined;

/** The process's compaction thread: compactTable's `rewrite` for the worker's background maintenance. */
export const rewriteGroupOffThread: GroupRewrite = (...args) => {
  shared ??= new CompactionThread();
  return shared.rewrite(...args);
};

/** Ends the process's compaction thread now (it also ends by itself once idle). */
export async function closeCompactionThread(): Promise<void> {
  await shared?.close();
}
