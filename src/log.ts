// JSON-lines logging for every layer (pino). Errors are logged with their
// context fields (connector, topic, partition, offset, table, file) flattened in.
// Every key appears once per line (a child's bindings, an error's context and
// the call's fields are merged, the most specific winning) and every text is
// said once (an error's message is left out when the log message already says
// it, and a cause's message when its wrapper already contains it).
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

type Level = 'debug' | 'info' | 'warn' | 'error';

class PinoLogger implements Logger {
  readonly #inner: pino.Logger;
  readonly #bindings: Record<string, unknown>;
  constructor(inner: pino.Logger, bindings: Record<string, unknown> = {}) {
    this.#inner = inner;
    this.#bindings = bindings;
  }
  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.#write('debug', message, fields);
  }
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.#write('info', message, fields);
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.#write('warn', message, fields);
  }
  error(message: string, fields: Record<string, unknown> = {}): void {
    this.#write('error', message, fields);
  }
  /** Bindings are kept here, not in pino's child, so a field repeated by a caller is written once. */
  child(fields: Record<string, unknown>): Logger {
    return new PinoLogger(this.#inner, { ...this.#bindings, ...fields });
  }
  #write(level: Level, message: string, fields: Record<string, unknown>): void {
    if (!this.#inner.isLevelEnabled(level)) return;
    this.#inner[level](lineFields(this.#bindings, message, fields), message);
  }
}

function lineFields(
  bindings: Record<string, unknown>,
  message: string,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const err = fields.err;
  if (!(err instanceof Error)) return { ...bindings, ...fields };
  const context = err instanceof FloeError ? err.context : {};
  const flat = Object.fromEntries(
    Object.entries(context).map(([key, value]) => [
      key,
      typeof value === 'bigint' ? value.toString() : value,
    ]),
  );
  return { ...bindings, ...flat, ...fields, err: serializeError(err, message) };
}

/**
 * `{ type, message, stack }` of an error and its causes. The message is left out
 * when the log message already contains it; the stack keeps only the frames
 * (its header lines would repeat the messages).
 */
export function serializeError(err: Error, logMessage = ''): Record<string, unknown> {
  const chain = causeChain(err);
  let message = '';
  for (const error of chain) {
    if (error.message === '' || message.includes(error.message)) continue;
    message = message === '' ? error.message : `${message}: ${error.message}`;
  }
  const stack = chain
    .map((error, i) => `${i === 0 ? '' : 'caused by: '}${error.name}\n${stackFrames(error)}`)
    .join('\n');
  const said = message === '' || logMessage.includes(message);
  return said ? { type: err.name, stack } : { type: err.name, message, stack };
}

function causeChain(err: Error): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && !chain.includes(e); e = e.cause) chain.push(e);
  return chain;
}

function stackFrames(error: Error): string {
  return (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
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
      serializers: { err: (err: unknown) => err }, // already serialized by serializeError
    },
    options.destination ?? process.stdout,
  );
  return new PinoLogger(base);
}

/** A logger that drops everything, for pure code paths and unit tests. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
