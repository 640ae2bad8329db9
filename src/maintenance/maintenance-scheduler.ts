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
//
// Of the workers of a consumer group, one maintains a given table
// (maintenance-owner.ts): before a table's steps run, the table is loaded and
// `maintainer` decides on it; the other workers skip it (logged once at debug
// each time they start skipping, counted by onSkip). The same load, and one
// after the steps ran, feed the table's health gauges (table-health.ts); so
// do the tables' commits, looked at every `healthIntervalMs` at most.
import type { LoadedTable, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { type Logger, silentLogger } from '../log.ts';
import { formatRecordedPartition, type MaintainerDecision } from './maintenance-owner.ts';
import type { TableHealth } from './table-health.ts';

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
  /** Loads a table (the catalog's loadTable): needed by `maintainer` and `health`. */
  readonly load?: (id: TableIdentifier) => Promise<LoadedTable>;
  /** Decides on the freshly loaded table whether this worker maintains it; absent: it does. */
  readonly maintainer?: (metadata: TableMetadata) => MaintainerDecision;
  /** Told of each due table this worker does not maintain, and of each it does (metrics). */
  readonly onDecision?: (table: string, decision: MaintainerDecision) => void;
  /** Reads a loaded table's health (table-health.ts); absent: no health figures. */
  readonly health?: (table: LoadedTable) => Promise<TableHealth>;
  /** Told of a table's health after a load (metrics). */
  readonly onHealth?: (table: string, health: TableHealth) => void;
  /** A table that received commits has its health read at most this often (default 10 s). */
  readonly healthIntervalMs?: number;
}

interface Watched {
  readonly id: TableIdentifier;
  intervalMs: number;
  /** When the table is due next. */
  dueAt: number;
  /** Commits since each step (by name) last ran on the table. */
  readonly commits: Map<string, number>;
  /** False when only its health is followed (maintenance off for its connector). */
  maintained: boolean;
  /** Commits since its health was last read, and when that was. */
  unreadCommits: number;
  healthReadAt: number;
  /** The last decision said another worker maintains it (to log the change only). */
  skipping: boolean;
}

export class MaintenanceScheduler {
  readonly #steps: readonly MaintenanceStep[];
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #tickMs: number;
  readonly #onRun: ((run: MaintenanceRun) => void) | undefined;
  readonly #options: MaintenanceSchedulerOptions;
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
    this.#options = options;
  }

  /** A commit landed in `id`: it is maintained every `intervalMs` (first one interval from now). */
  watch(id: TableIdentifier, intervalMs: number): void {
    const known = this.#note(id, intervalMs);
    if (known === undefined) return;
    for (const step of this.#steps) known.commits.set(step.name, (known.commits.get(step.name) ?? 0) + 1);
    if (!known.maintained) {
      known.maintained = true;
      known.intervalMs = intervalMs;
      known.dueAt = this.#now() + intervalMs;
    } else if (known.intervalMs !== intervalMs) {
      known.dueAt = Math.min(known.dueAt, this.#now() + intervalMs);
      known.intervalMs = intervalMs;
    }
  }

  /** A commit landed in `id`, whose connector has maintenance off: only its health is followed. */
  observe(id: TableIdentifier): void {
    this.#note(id, undefined);
  }

  /** Counts the commit; a table seen the first time is added (and undefined returned). */
  #note(id: TableIdentifier, intervalMs: number | undefined): Watched | undefined {
    const name = formatTableIdentifier(id);
    const known = this.#tables.get(name);
    if (known) {
      known.unreadCommits++;
      return known;
    }
    const commits = new Map(this.#steps.map((s) => [s.name, 1]));
    this.#tables.set(name, {
      id,
      intervalMs: intervalMs ?? 0,
      dueAt: intervalMs === undefined ? Number.POSITIVE_INFINITY : this.#now() + intervalMs,
      commits,
      maintained: intervalMs !== undefined,
      unreadCommits: 1,
      healthReadAt: Number.NEGATIVE_INFINITY,
      skipping: false,
    });
    return undefined;
  }

  /** The tables maintained, by name. */
  watched(): string[] {
    return [...this.#tables.entries()]
      .filter(([, t]) => t.maintained)
      .map(([name]) => name)
      .sort();
  }

  /**
   * Runs every step on each table that is due and that this worker maintains,
   * one table at a time (a step that fails ends the table's run); then, on the
   * tables not due, each step whose commit count was reached. Last, the health
   * of tables that received commits and were not looked at for a while.
   */
  async runDue(): Promise<MaintenanceRun[]> {
    const runs: MaintenanceRun[] = [];
    const tables = [...this.#tables.entries()].sort(([, a], [, b]) => a.dueAt - b.dueAt);
    for (const [name, table] of tables) {
      if (this.#stop.signal.aborted) break;
      if (!table.maintained) continue;
      const due = table.dueAt <= this.#now();
      const steps = this.#steps.filter((step) => due || this.#dueByCommits(name, table, step));
      if (steps.length === 0) continue;
      if (due) table.dueAt = this.#now() + table.intervalMs;
      for (const step of steps) table.commits.set(step.name, 0);
      if (!(await this.#maintains(name, table))) continue;
      for (const step of steps) {
        const run = await this.#runStep(name, table.id, step);
        runs.push(run);
        this.#onRun?.(run);
        if (!run.ok) break;
      }
      await this.#readHealth(name, table);
    }
    for (const [name, table] of tables) {
      if (this.#stop.signal.aborted) break;
      const every = this.#options.healthIntervalMs ?? 10_000;
      if (table.unreadCommits > 0 && table.healthReadAt + every <= this.#now())
        await this.#readHealth(name, table);
    }
    return runs;
  }

  /** Loads the table, reports its health and asks whether this worker maintains it (a failed load: it does). */
  async #maintains(name: string, table: Watched): Promise<boolean> {
    const decide = this.#options.maintainer;
    if (decide === undefined) return true;
    const loaded = await this.#load(name, table);
    if (loaded === undefined) return true;
    let decision: MaintainerDecision;
    try {
      decision = decide(loaded.metadata);
    } catch (error) {
      // Unreadable offsets (the commits would refuse them too): maintaining twice is safe, never maintaining is not.
      this.#log.warn('maintenance: could not tell which worker maintains the table; maintaining it', {
        table: name,
        err: error,
      });
      return true;
    }
    this.#options.onDecision?.(name, decision);
    const skip = decision.kind === 'skip';
    if (decision.kind === 'skip' && !table.skipping)
      this.#log.debug('maintenance: another worker of the group maintains this table', {
        table: name,
        maintainerHolds: formatRecordedPartition(decision.first),
      });
    else if (decision.kind === 'maintain' && table.skipping)
      this.#log.info('maintenance: this worker maintains the table now', {
        table: name,
        ...(decision.reason === 'holds-first-partition'
          ? { holds: formatRecordedPartition(decision.first) }
          : {}),
      });
    table.skipping = skip;
    return !skip;
  }

  async #readHealth(name: string, table: Watched): Promise<void> {
    if (this.#options.health === undefined) return;
    await this.#load(name, table);
  }

  /** Loads the table and reports its health; a failure to do either is logged and skipped. */
  async #load(name: string, table: Watched): Promise<LoadedTable | undefined> {
    const { load, health, onHealth } = this.#options;
    if (load === undefined) return undefined;
    table.unreadCommits = 0;
    table.healthReadAt = this.#now();
    let loaded: LoadedTable;
    try {
      loaded = await load(table.id);
    } catch (error) {
      this.#log.warn('maintenance: could not load the table', { table: name, err: error });
      return undefined;
    }
    if (health !== undefined) {
      try {
        onHealth?.(name, await health(loaded));
      } catch (error) {
        this.#log.warn('maintenance: could not read the table health figures', { table: name, err: error });
      }
    }
    return loaded;
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
