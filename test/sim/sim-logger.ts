// floe's Logger for simulated actors: nothing is formatted unless kept; warnings
// and errors are kept (bounded) with the actor's name, to explain a failing seed.
import type { Logger } from '../../src/log.ts';

export class SimTrace {
  readonly lines: string[] = [];
  readonly #max: number;

  constructor(max = 400) {
    this.#max = max;
  }

  add(line: string): void {
    if (this.lines.length >= this.#max) this.lines.shift();
    this.lines.push(line);
  }
}

export class SimLogger implements Logger {
  readonly #trace: SimTrace;
  readonly #prefix: string;

  constructor(trace: SimTrace, prefix: string) {
    this.#trace = trace;
    this.#prefix = prefix;
  }

  debug(): void {}

  info(message: string): void {
    if (process.env.FLOE_SIM_TRACE_INFO) this.#trace.add(`${this.#prefix} info ${message}`);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.#trace.add(`${this.#prefix} WARN ${message}${errorText(fields)}`);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.#trace.add(`${this.#prefix} ERROR ${message}${errorText(fields)}`);
  }

  child(): Logger {
    return this;
  }
}

function errorText(fields: Record<string, unknown> | undefined): string {
  const err = fields?.err;
  return err instanceof Error ? ` (${err.message})` : '';
}
