// JSON-lines logging for every layer (pino). Errors are logged with their
// context fields (connector, topic, partition, offset, table, file) flattened in.
import { pino } from 'pino';
import { FloeError } from './errors.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

class PinoLogger implements Logger {
  readonly #inner: pino.Logger;
  constructor(inner: pino.Logger) {
    this.#inner = inner;
  }
  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.#inner.debug(withErrorFields(fields), message);
  }
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.#inner.info(withErrorFields(fields), message);
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.#inner.warn(withErrorFields(fields), message);
  }
  error(message: string, fields: Record<string, unknown> = {}): void {
    this.#inner.error(withErrorFields(fields), message);
  }
  child(fields: Record<string, unknown>): Logger {
    return new PinoLogger(this.#inner.child(fields));
  }
}

function withErrorFields(fields: Record<string, unknown>): Record<string, unknown> {
  const err = fields.err;
  if (!(err instanceof Error)) return fields;
  const context = err instanceof FloeError ? err.context : {};
  const flat = Object.fromEntries(
    Object.entries(context).map(([key, value]) => [
      key,
      typeof value === 'bigint' ? value.toString() : value,
    ]),
  );
  return { ...flat, ...fields };
}

export function createLogger(
  options: { level?: LogLevel; destination?: NodeJS.WritableStream } = {},
): Logger {
  const level = options.level ?? ((process.env.FLOE_LOG_LEVEL as LogLevel | undefined) || 'info');
  const base = pino(
    {
      level,
      base: { service: 'floe' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? process.stdout,
  );
  return new PinoLogger(base);
}

/** A logger that drops everything, for pure code paths and unit tests. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
