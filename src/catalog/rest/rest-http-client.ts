// HTTP plumbing for the REST catalog: JSON bodies with exact 64-bit integers,
// auth headers, timeouts, an Idempotency-Key on every mutation, and the retry
// rules of rest-operation.ts. Every failure leaves as a FloeError from
// rest-errors.ts.
import type { ErrorContext, FloeError } from '../../errors.ts';
import { parseJson, stringifyJson } from '../../iceberg/json-bigint.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from '../../io/retry.ts';
import { type Logger, silentLogger } from '../../log.ts';
import { uuidV7 } from './idempotency-key.ts';
import type { RestAuth } from './rest-auth.ts';
import {
  mapHttpError,
  mapTransportError,
  mapUnreadableReply,
  readErrorBody,
  transportErrorCode,
} from './rest-errors.ts';
import { type RestOperation, retryClassOf } from './rest-operation.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'DELETE';

export interface RestCall {
  readonly operation: RestOperation;
  readonly method: HttpMethod;
  /** Relative to the catalog URI, path segments already percent-encoded (e.g. `v1/p/namespaces/a%1Fb`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** Names the target in errors: {namespace} or {table}. */
  readonly context: ErrorContext;
}

export interface RestResult {
  readonly status: number;
  /** Parsed body; undefined for an empty one (204, HEAD). */
  readonly json: unknown;
}

export interface RestHttpClientOptions {
  readonly uri: string;
  readonly auth: RestAuth;
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly requestTimeoutMs?: number;
  readonly newIdempotencyKey?: () => string;
  readonly logger?: Logger;
}

// Failures after which the server surely did nothing: safe to repeat even a mutation.
const NOT_APPLIED_STATUS = new Set([429, 503]);
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

type AttemptOutcome =
  | { readonly ok: true; readonly result: RestResult }
  /** notApplied: the server surely did nothing (429, 503, connection refused). */
  | { readonly ok: false; readonly error: FloeError; readonly notApplied: boolean };

/** One failed attempt, and whether this call's retry class allows another. */
class AttemptFailure extends Error {
  readonly failure: FloeError;
  readonly retry: boolean;
  constructor(failure: FloeError, retry: boolean) {
    super(failure.message);
    this.failure = failure;
    this.retry = retry;
  }
}

export class RestHttpClient {
  readonly #base: URL;
  readonly #options: RestHttpClientOptions;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;
  /** Set when the server advertises `idempotency-key-lifetime`: it then dedupes repeated mutations. */
  serverDedupesMutations = false;

  constructor(options: RestHttpClientOptions) {
    this.#base = new URL(options.uri.endsWith('/') ? options.uri : `${options.uri}/`);
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    this.#log = options.logger ?? silentLogger;
  }

  async call(call: RestCall): Promise<RestResult> {
    const retryClass = retryClassOf(call.operation);
    const mutating = call.method === 'POST' || call.method === 'DELETE';
    // One key for all attempts of this call, so a deduping server applies it once.
    const idempotencyKey = mutating ? (this.#options.newIdempotencyKey ?? uuidV7)() : undefined;
    const url = new URL(call.path, this.#base);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    try {
      return await withRetry(
        async () => {
          const outcome = await this.#attemptWithAuth(call, url, idempotencyKey);
          if (outcome.ok) return outcome.result;
          const { error, notApplied } = outcome;
          const retry =
            retryClass === 'read'
              ? isTransient(error)
              : retryClass === 'mutation' &&
                (notApplied || (this.serverDedupesMutations && isTransient(error)));
          throw new AttemptFailure(error, retry);
        },
        {
          policy: this.#options.retry ?? DEFAULT_RETRY_POLICY,
          isRetryable: (error) => error instanceof AttemptFailure && error.retry,
          onRetry: (error, attempt, delayMs) =>
            this.#log.warn('retrying REST catalog request', {
              operation: call.operation,
              attempt,
              delayMs,
              err: error instanceof AttemptFailure ? error.failure : error,
            }),
          ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
        },
      );
    } catch (error) {
      throw error instanceof AttemptFailure ? error.failure : error;
    }
  }

  /** One attempt; a 401 gets one more try with refreshed credentials (the server did nothing). */
  async #attemptWithAuth(
    call: RestCall,
    url: URL,
    idempotencyKey: string | undefined,
  ): Promise<AttemptOutcome> {
    let outcome = await this.#attempt(call, url, idempotencyKey);
    if (
      'status' in outcome &&
      outcome.status === 401 &&
      (await this.#options.auth.refreshAfterUnauthorized())
    ) {
      outcome = await this.#attempt(call, url, idempotencyKey);
    }
    if ('transportError' in outcome) {
      const sent = !NOT_SENT_CODES.has(transportErrorCode(outcome.transportError) ?? '');
      const error = mapTransportError(call.operation, outcome.transportError, sent, {
        ...call.context,
        uri: url.href,
      });
      return { ok: false, error, notApplied: !sent };
    }
    if (outcome.status >= 200 && outcome.status < 300) {
      try {
        const json = outcome.text === '' ? undefined : parseJson(outcome.text);
        return { ok: true, result: { status: outcome.status, json } };
      } catch (error) {
        // the server did what was asked; only its answer is lost
        const failure = mapUnreadableReply(call.operation, outcome.status, error, {
          ...call.context,
          uri: url.href,
        });
        return { ok: false, error: failure, notApplied: false };
      }
    }
    const body = readErrorBody(tryParse(outcome.text), outcome.text);
    const error = mapHttpError(call.operation, outcome.status, body, { ...call.context, uri: url.href });
    return { ok: false, error, notApplied: NOT_APPLIED_STATUS.has(outcome.status) };
  }

  async #attempt(
    call: RestCall,
    url: URL,
    idempotencyKey: string | undefined,
  ): Promise<{ status: number; text: string } | { transportError: unknown }> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(this.#options.headers ?? {}),
      ...(await this.#options.auth.headers()),
    };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    try {
      const response = await this.#fetch(url, {
        method: call.method,
        headers,
        ...(call.body !== undefined ? { body: stringifyJson(call.body) } : {}),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 60_000),
      });
      const text = call.method === 'HEAD' ? '' : await response.text();
      return { status: response.status, text };
    } catch (error) {
      return { transportError: error };
    }
  }
}

function isTransient(error: FloeError): boolean {
  return 'retryable' in error && error.retryable === true;
}

function tryParse(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}
