// The schedule of one seed as compact lines ("#12 w1.0 cat.commitTable(sim.events) conflict"):
// printed when a seed fails, and hashed to check that a seed replays the same schedule.
import { createHash } from 'node:crypto';

export class EventLog {
  readonly lines: string[] = [];
  #step = 0;

  /** The driver's step counter, prefixed to every line. */
  set step(step: number) {
    this.#step = step;
  }

  get step(): number {
    return this.#step;
  }

  add(line: string): void {
    this.lines.push(`#${this.#step} ${line}`);
  }

  digest(): string {
    return createHash('sha256').update(this.lines.join('\n')).digest('hex').slice(0, 16);
  }

  /** The last `n` lines (all when n is undefined). */
  tail(n?: number): string {
    const lines = n === undefined || this.lines.length <= n ? this.lines : this.lines.slice(-n);
    const skipped = this.lines.length - lines.length;
    return [...(skipped > 0 ? [`... ${skipped} earlier events`] : []), ...lines].join('\n');
  }
}
