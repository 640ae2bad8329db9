// Warnings that burst (during a rebalance librdkafka reports one failed group
// offset commit per in-flight commit, 19 within 2 ms) are said once with a count:
// the first of a message is logged at once, the repeats within the window are
// counted and logged as one line when the window ends (or on close), so none
// vanishes uncounted and a lasting problem still shows once per window.
import type { Logger } from '../log.ts';

/** Time source and timer, injected so tests step through a window without waiting. */
export interface WarningClock {
  now(): number;
  schedule(delayMs: number, run: () => void): { cancel(): void };
}

export const systemWarningClock: WarningClock = {
  now: () => Date.now(),
  schedule(delayMs, run) {
    const timer = setTimeout(run, delayMs);
    timer.unref(); // a pending summary never keeps the process alive
    return { cancel: () => clearTimeout(timer) };
  },
};

interface Burst {
  readonly startedAt: number;
  repeats: number;
  lastFields: Record<string, unknown>;
  readonly summary: { cancel(): void };
}

export const DEFAULT_WARNING_WINDOW_MS = 10_000;

export class WarningAggregator {
  readonly #log: Logger;
  readonly #windowMs: number;
  readonly #clock: WarningClock;
  /** Open windows by message: a message is "identical" when its text is. */
  readonly #bursts = new Map<string, Burst>();

  constructor(log: Logger, options: { windowMs?: number; clock?: WarningClock } = {}) {
    this.#log = log;
    this.#windowMs = options.windowMs ?? DEFAULT_WARNING_WINDOW_MS;
    this.#clock = options.clock ?? systemWarningClock;
  }

  warn(message: string, fields: Record<string, unknown> = {}): void {
    const now = this.#clock.now();
    const burst = this.#bursts.get(message);
    if (burst !== undefined) {
      burst.repeats += 1;
      burst.lastFields = fields;
      return;
    }
    // Each window ends on a timer, which also forgets the message (field names
    // from data would otherwise pile up).
    const summary = this.#clock.schedule(this.#windowMs, () => this.#summarize(message));
    this.#bursts.set(message, { startedAt: now, repeats: 0, lastFields: fields, summary });
    this.#log.warn(message, fields);
  }

  /** Logs the counts of every open window now (the owner is stopping). */
  close(): void {
    for (const message of [...this.#bursts.keys()]) this.#summarize(message);
  }

  #summarize(message: string): void {
    const burst = this.#bursts.get(message);
    if (burst === undefined) return;
    this.#bursts.delete(message);
    burst.summary.cancel();
    if (burst.repeats === 0) return;
    // Whole seconds (`18 more in 10 s`): a timer's ms of lateness say nothing.
    const exact = Math.max(0, this.#clock.now() - burst.startedAt) / 1000;
    const seconds = exact >= 1 ? Math.round(exact) : Number(exact.toPrecision(1));
    this.#log.warn(`${message} (${burst.repeats} more in ${seconds} s)`, {
      ...burst.lastFields,
      repeated: burst.repeats,
    });
  }
}
