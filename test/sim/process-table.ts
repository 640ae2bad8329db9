// The processes of a run and what became of them: worker slots (each holding
// its current incarnation), the backfill, and how each incarnation ended. A
// process that died or exited leaves its group membership behind until the
// session times out (an exit after disconnect has already left).
import type { TableIdentifier } from '../../src/catalog/catalog.ts';
import { CommitConflictError, NoSuchTableError } from '../../src/errors.ts';
import { isNotFound } from '../../src/io/file-io.ts';
import { isInjected } from './fault-plan.ts';
import { MaintainerProcess } from './sim-maintainer.ts';
import { BackfillProcess, type ProcessDeps, WorkerProcess } from './sim-processes.ts';
import type { Violation } from './violation.ts';

export class ProcessTable {
  readonly #deps: ProcessDeps;
  readonly slots: Array<WorkerProcess | undefined>;
  backfill: BackfillProcess | undefined;
  backfillDone = false;
  /** floe's snapshot expiry, one run at a time. */
  maintainer: MaintainerProcess | undefined;
  #incarnation = 0;
  readonly #actors: string[] = [];
  readonly #workers: WorkerProcess[] = [];

  constructor(deps: ProcessDeps) {
    this.#deps = deps;
    this.slots = Array.from({ length: deps.scenario.workers }, () => undefined);
  }

  #alive(actor: string): boolean {
    return this.#deps.world.scheduler.alive(actor);
  }

  /** Slots whose process is not running (never started, exited, or killed). */
  emptySlots(): number[] {
    return this.slots.flatMap((w, i) => (w === undefined || !this.#alive(w.actor) ? [i] : []));
  }

  live(): WorkerProcess[] {
    return this.slots.filter((w): w is WorkerProcess => w !== undefined && this.#alive(w.actor));
  }

  /** Actors whose process is gone (dead or exited); they may still be group members. */
  gone(): string[] {
    return this.#actors.filter((actor) => !this.#alive(actor));
  }

  backfillRunning(): boolean {
    return this.backfill !== undefined && this.#alive(this.backfill.actor);
  }

  startWorker(slot: number): WorkerProcess {
    const worker = new WorkerProcess(`w${slot}.${this.#incarnation++}`, this.#deps);
    this.slots[slot] = worker;
    this.#workers.push(worker);
    this.#actors.push(worker.actor);
    this.#deps.world.log.add(`start ${worker.actor}`);
    return worker;
  }

  /** At the end of the run: every worker's connector closed, killed ones too (what the OS does for them). */
  async close(): Promise<void> {
    for (const worker of this.#workers) await worker.runtime.close().catch(() => undefined);
  }

  maintainerRunning(): boolean {
    return this.maintainer !== undefined && this.#alive(this.maintainer.actor);
  }

  isMaintainer(actor: string): boolean {
    return this.maintainer?.actor === actor;
  }

  startMaintainer(table: TableIdentifier): MaintainerProcess {
    this.maintainer = new MaintainerProcess(`mt.${this.#incarnation++}`, this.#deps, table);
    this.#deps.world.log.add(`start ${this.maintainer.actor}`);
    return this.maintainer;
  }

  startBackfill(): BackfillProcess {
    this.backfill = new BackfillProcess(`bf.${this.#incarnation++}`, this.#deps);
    this.#actors.push(this.backfill.actor);
    this.#deps.world.log.add(`start ${this.backfill.actor}`);
    return this.backfill;
  }

  /** After a grant: notes a process that died or exited; returns a violation when it exited of a bug. */
  settle(actor: string, outcome: 'parked' | 'done' | 'dead'): Violation | undefined {
    if (outcome === 'parked') return undefined;
    const { world } = this.#deps;
    // A linked actor (a pipelined commit) ends into its process, which acts on the outcome.
    if (world.scheduler.linked(actor)) return undefined;
    const isBackfill = this.backfill?.actor === actor;
    if (outcome === 'dead') return undefined; // the scheduler logged the kill
    const result = world.scheduler.result(actor)!;
    if (this.isMaintainer(actor)) return this.#settleMaintainer(actor, result);
    if (result.ok) {
      world.log.add(
        `${actor} exited ${JSON.stringify(result.value, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
      if (isBackfill) this.backfillDone = (result.value as { outcome?: string }).outcome === 'completed';
      if (!isBackfill && result.value !== 0)
        return { invariant: 'clean-exit', detail: `${actor} exited with code ${String(result.value)}` };
      return undefined;
    }
    const error = result.error as Error;
    world.log.add(`${actor} failed: ${error?.message}`);
    // The process exits and is restarted: expected after an injected fault or a commit
    // that gave up against other writers; anything else is a bug.
    if (isInjected(error) || error instanceof CommitConflictError) return undefined;
    return { invariant: 'no-unexpected-error', detail: `${actor}: ${error?.stack ?? String(error)}` };
  }

  /**
   * Expiry is a background step: it may fail on a fault, a conflict, a table not
   * created yet, or a file another engine's expiry deleted meanwhile.
   */
  #settleMaintainer(
    actor: string,
    result: { ok: boolean; value?: unknown; error?: unknown },
  ): Violation | undefined {
    const { log } = this.#deps.world;
    if (result.ok) {
      log.add(`${actor} expired ${JSON.stringify(result.value)}`);
      return undefined;
    }
    const error = result.error as Error;
    log.add(`${actor} failed: ${error?.message}`);
    const expected = error instanceof CommitConflictError || error instanceof NoSuchTableError;
    if (isInjected(error) || expected || isNotFound(error)) return undefined;
    return { invariant: 'no-unexpected-error', detail: `${actor}: ${error?.stack ?? String(error)}` };
  }
}
