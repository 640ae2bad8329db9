// Table maintenance in the worker, off the ingest path: every table a
// connector committed to is watched, and every interval (the connector's
// maintenance.intervalMs) the steps (snapshot expiry, compaction, ...) run on it one after
// the other, one table at a time, in the background. Each step takes the
// table's lock (sink/table-locks.ts) around its own catalog commit, so it never
// runs concurrently with this process's commit to that table. A step may also
// ask to run early, alone, once a table received a number of commits since it
// last ran (compaction: each commit adds a small file per partition it wrote, so
// this bounds the files of a busy partition between runs). A failing step is
// logged and tried again at the next interval; it never stops the worker.
import type { TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import { type Logger, silentLogger } from '../log.ts';

/** One kind of maintenance, run on one table at a time. */
export interface MaintenanceStep {
  readonly name: string;
  /** Returns a few figures for the log (files removed, bytes rewritten, ...). */
  run(id: TableIdentifier, signal: AbortSignal): Promise<Readonly<Record<string, number>>>;
  /**
   * Run this step on its own once the table (by name) received this many commits
   * since the step last ran; undefined: at the interval only.
   */
  commitsBetweenRuns?(table: string): number | undefined;
}

export interface MaintenanceRun {
  readonly table: string;
  readonly step: string;
  readonly seconds: number;
  readonly ok: boolean;
  readonly figures: Readonly<Record<string, number>>;
}

export interface MaintenanceSchedulerOptions {
  readonly steps: readonly MaintenanceStep[];
  readonly log?: Logger;
  readonly now?: () => number;
  /** How often the background loop looks for due tables (default 1 s). */
  readonly tickMs?: number;
  /** Told of every step run (metrics). */
  readonly onRun?: (run: MaintenanceRun) => void;
}

interface Watched {
  readonly id: TableIdentifier;
  intervalMs: number;
  /** When the table is due next. */
  dueAt: number;
  /** Commits since each step (by name) last ran on the table. */
  readonly commits: Map<string, number>;
}

export class MaintenanceScheduler {
  readonly #steps: readonly MaintenanceStep[];
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #tickMs: number;
  readonly #onRun: ((run: MaintenanceRun) => void) | undefined;
  readonly #tables = new Map<string, Watched>();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(options: MaintenanceSchedulerOptions) {
    this.#steps = options.steps;
    this.#log = options.log ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#tickMs = options.tickMs ?? 1_000;
    this.#onRun = options.onRun;
  }

  /** A commit landed in `id`: it is maintained every `intervalMs` (first one interval from now). */
  watch(id: TableIdentifier, intervalMs: number): void {
    const name = formatTableIdentifier(id);
    const known = this.#tables.get(name);
    if (known) {
      for (const step of this.#steps) known.commits.set(step.name, (known.commits.get(step.name) ?? 0) + 1);
      if (known.intervalMs !== intervalMs) {
        known.dueAt = Math.min(known.dueAt, this.#now() + intervalMs);
        known.intervalMs = intervalMs;
      }
      return;
    }
    const commits = new Map(this.#steps.map((s) => [s.name, 1]));
    this.#tables.set(name, { id, intervalMs, dueAt: this.#now() + intervalMs, commits });
  }

  /** The tables watched, by name. */
  watched(): string[] {
    return [...this.#tables.keys()].sort();
  }

  /**
   * Runs every step on each table that is due, one table at a time (a step that
   * fails ends the table's run); then, on the tables not due, each step whose
   * commit count was reached.
   */
  async runDue(): Promise<MaintenanceRun[]> {
    const runs: MaintenanceRun[] = [];
    const tables = [...this.#tables.entries()].sort(([, a], [, b]) => a.dueAt - b.dueAt);
    for (const [name, table] of tables) {
      if (this.#stop.signal.aborted) break;
      const due = table.dueAt <= this.#now();
      if (due) table.dueAt = this.#now() + table.intervalMs;
      for (const step of this.#steps) {
        if (!due && !this.#dueByCommits(name, table, step)) continue;
        table.commits.set(step.name, 0);
        const run = await this.#runStep(name, table.id, step);
        runs.push(run);
        this.#onRun?.(run);
        if (!run.ok) break;
      }
    }
    return runs;
  }

  #dueByCommits(name: string, table: Watched, step: MaintenanceStep): boolean {
    const every = step.commitsBetweenRuns?.(name);
    return every !== undefined && every > 0 && (table.commits.get(step.name) ?? 0) >= every;
  }

  /** Runs due tables in the background until stop(). */
  start(): void {
    if (this.#timer !== undefined || this.#stop.signal.aborted) return;
    const tick = () => {
      this.#running = this.runDue()
        .catch((error: unknown) => this.#log.warn('maintenance loop failed', { err: error }))
        .finally(() => {
          if (!this.#stop.signal.aborted) this.#timer = setTimeout(tick, this.#tickMs);
        });
    };
    this.#timer = setTimeout(tick, this.#tickMs);
  }

  /** Stops the loop: the step running finishes (or gives up at the abort signal) first. */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }

  async #runStep(name: string, id: TableIdentifier, step: MaintenanceStep): Promise<MaintenanceRun> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const figures = await step.run(id, this.#stop.signal);
      this.#log.info(`maintenance: ${step.name} done`, { table: name, seconds: seconds(), ...figures });
      return { table: name, step: step.name, seconds: seconds(), ok: true, figures };
    } catch (error) {
      this.#log.warn(`maintenance: ${step.name} failed; trying again at the next interval`, {
        table: name,
        err: error,
      });
      return { table: name, step: step.name, seconds: seconds(), ok: false, figures: {} };
    }
  }
}
