import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log.ts';
import { WarningAggregator, type WarningClock } from '../../../src/worker/warning-aggregator.ts';

/** A clock whose time moves only when the test says, running due timers as it goes. */
class ManualClock implements WarningClock {
  #now = 1_000;
  readonly #timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  now(): number {
    return this.#now;
  }
  schedule(delayMs: number, run: () => void): { cancel(): void } {
    const timer = { at: this.#now + delayMs, run, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }
  advance(ms: number): void {
    this.#now += ms;
    for (const timer of this.#timers.filter((t) => t.at <= this.#now && !t.cancelled)) {
      timer.cancelled = true;
      timer.run();
    }
  }
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }
}

function recordingLog(): { log: Logger; lines: { message: string; fields: Record<string, unknown> }[] } {
  const lines: { message: string; fields: Record<string, unknown> }[] = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message, fields = {}) => void lines.push({ message, fields }),
    error: () => {},
    child: () => log,
  };
  return { log, lines };
}

const FAILED = 'group offset commit failed';

describe('WarningAggregator', () => {
  it('says the window in whole seconds when its timer ran late (a real timer), below 1 s as it was', () => {
    const { log, lines } = recordingLog();
    const clock = new ManualClock();
    const warnings = new WarningAggregator(log, { windowMs: 10_000, clock });
    warnings.warn(FAILED);
    warnings.warn(FAILED);
    clock.advance(10_003);
    expect(lines.at(-1)?.message).toBe(`${FAILED} (1 more in 10 s)`);
  });

  it('logs a single warning at once, with its fields', () => {
    const { log, lines } = recordingLog();
    new WarningAggregator(log, { clock: new ManualClock() }).warn(FAILED, { code: 27 });
    expect(lines).toEqual([{ message: FAILED, fields: { code: 27 } }]);
  });

  it('says a burst of identical warnings as the first one and one line with the count', () => {
    const { log, lines } = recordingLog();
    const clock = new ManualClock();
    const warnings = new WarningAggregator(log, { windowMs: 10_000, clock });
    for (let i = 0; i < 19; i++) warnings.warn(FAILED, { code: 27, i });
    expect(lines).toHaveLength(1);
    clock.advance(9_999);
    expect(lines).toHaveLength(1);
    clock.advance(1);
    expect(lines).toEqual([
      { message: FAILED, fields: { code: 27, i: 0 } },
      { message: `${FAILED} (18 more in 10 s)`, fields: { code: 27, i: 18, repeated: 18 } },
    ]);
  });

  it('logs a warning again at once after its window ended', () => {
    const { log, lines } = recordingLog();
    const clock = new ManualClock();
    const warnings = new WarningAggregator(log, { windowMs: 1_000, clock });
    warnings.warn(FAILED);
    clock.advance(1_000);
    expect(clock.pending).toBe(0); // the window ended: the message is forgotten
    warnings.warn(FAILED);
    expect(lines.map((l) => l.message)).toEqual([FAILED, FAILED]);
  });

  it('counts different messages apart', () => {
    const { log, lines } = recordingLog();
    const clock = new ManualClock();
    const warnings = new WarningAggregator(log, { windowMs: 1_000, clock });
    warnings.warn('a');
    warnings.warn('b');
    warnings.warn('a');
    clock.advance(1_000);
    expect(lines.map((l) => l.message)).toEqual(['a', 'b', 'a (1 more in 1 s)']);
  });

  it('logs the counts of open windows on close and schedules nothing more', () => {
    const { log, lines } = recordingLog();
    const clock = new ManualClock();
    const warnings = new WarningAggregator(log, { windowMs: 10_000, clock });
    warnings.warn(FAILED);
    clock.advance(2);
    warnings.warn(FAILED);
    warnings.close();
    expect(lines.map((l) => l.message)).toEqual([FAILED, `${FAILED} (1 more in 0.002 s)`]);
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(lines).toHaveLength(2);
  });
});
