// Commits beside reading (docs/exactly-once.md, "Commits beside reading"): a
// full batch is sealed and its files finish and its snapshot commits while the
// worker reads the next batch (batch-commits.ts decides which batches). At most one
// commit per connector runs at a time, so every commit fences against the
// tables as the one before it left them. The worker settles a commit (group
// offsets, a dropped batch, a re-seek) on its own loop, never from the
// commit's side: what the outcome changes in the connector happens between
// two polls, as with a commit it waited for.
import type { ConnectorRuntime } from './connector-runtime.ts';
import type { GroupOffset, SealedBatch } from './sealed-batch.ts';

/** How a commit runs beside the worker's loop (the simulation gives it a scheduled actor of its own). */
export interface CommitRunner {
  /** Starts `commit` beside the caller. */
  start<T>(commit: () => Promise<T>): Promise<T>;
  /** Waits for a commit `start` returned. */
  wait<T>(started: Promise<T>): Promise<T>;
}

/** A commit is a plain promise on the event loop. */
export const eventLoopCommits: CommitRunner = {
  start: (commit) => commit(),
  wait: (started) => started,
};

export type CommitOutcome = { ok: true; offsets: GroupOffset[] } | { ok: false; error: unknown };

export interface SettledCommit {
  readonly sealed: SealedBatch;
  readonly outcome: CommitOutcome;
  /** When the worker began to wait for it (the connector's clock). */
  readonly waitedFromMs: number;
}

interface RunningCommit {
  readonly sealed: SealedBatch;
  readonly started: Promise<CommitOutcome>;
  done: boolean;
}

export class CommitPipeline {
  readonly #runner: CommitRunner;
  readonly #running = new Map<ConnectorRuntime, RunningCommit>();

  constructor(runner: CommitRunner = eventLoopCommits) {
    this.#runner = runner;
  }

  /** Starts the sealed batch's commit; the connector has none running (settle it first). */
  start(connector: ConnectorRuntime, sealed: SealedBatch): void {
    if (this.#running.has(connector)) {
      throw new Error(`connector ${connector.settings.name}: a commit is already running`);
    }
    const running: RunningCommit = {
      sealed,
      done: false,
      started: this.#runner.start(() =>
        connector.commitSealed(sealed).then(
          (offsets): CommitOutcome => ({ ok: true, offsets }),
          (error: unknown): CommitOutcome => ({ ok: false, error }),
        ),
      ),
    };
    // Only a flag: the worker acts on the outcome from its own loop (`finished`).
    void running.started.then(() => {
      running.done = true;
    });
    this.#running.set(connector, running);
  }

  /** Connectors whose commit has ended and waits to be settled. */
  finished(): ConnectorRuntime[] {
    return [...this.#running].filter(([, running]) => running.done).map(([connector]) => connector);
  }

  running(connector: ConnectorRuntime): boolean {
    return this.#running.has(connector);
  }

  /** Arrow bytes the connector's committing batch still holds (its files finish during the commit). */
  bufferedBytes(connector: ConnectorRuntime): number {
    return this.#running.get(connector)?.sealed.batch.bufferedBytes() ?? 0;
  }

  /** Waits for the connector's running commit, if any, and hands its outcome over. */
  async settle(connector: ConnectorRuntime): Promise<SettledCommit | undefined> {
    const running = this.#running.get(connector);
    if (running === undefined) return undefined;
    const waitedFromMs = connector.now();
    const outcome = await this.#runner.wait(running.started);
    this.#running.delete(connector);
    return { sealed: running.sealed, outcome, waitedFromMs };
  }
}
