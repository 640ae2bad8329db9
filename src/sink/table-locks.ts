// One writer at a time per table within this process: the worker's commits and
// its background maintenance (snapshot expiry, compaction) take the table's
// lock around their load-decide-commit step, so maintenance never makes the
// ingest path's commit conflict (or the other way round). Other processes are
// fenced by the catalog's compare-and-swap as ever; this only saves retries.
import type { TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';

export class TableLocks {
  /** Per table: the promise the next holder waits for. */
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `work` while holding the locks of every table in `ids` (taken in name order: no deadlock). */
  async withTables<T>(ids: readonly TableIdentifier[], work: () => Promise<T>): Promise<T> {
    const names = [...new Set(ids.map(formatTableIdentifier))].sort();
    const releases: Array<() => void> = [];
    try {
      for (const name of names) releases.push(await this.#acquire(name));
      return await work();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** Whether some holder has or waits for the table's lock. */
  busy(id: TableIdentifier): boolean {
    return this.#tails.has(formatTableIdentifier(id));
  }

  async #acquire(name: string): Promise<() => void> {
    const previous = this.#tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.#tails.set(name, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    };
  }
}
