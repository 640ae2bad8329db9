// Maps REST catalog failures (spec: open-api/rest-catalog-open-api.yaml,
// "IcebergErrorResponse" and each route's responses) to floe's error classes.
import {
  AlreadyExistsError,
  CommitConflictError,
  CommitStateUnknownError,
  ConfigError,
  type ErrorContext,
  type FloeError,
  NamespaceNotEmptyError,
  NoSuchNamespaceError,
  NoSuchTableError,
  StorageError,
  ValidationError,
} from '../../errors.ts';
import {
  isCommitOperation,
  isNamespaceOperation,
  type RestOperation,
  retryClassOf,
} from './rest-operation.ts';

/**
 * A success status whose body cannot be read (truncated, not JSON, not the
 * expected shape). On a commit the server applied it: the outcome is known to
 * the server only, so the caller must reload and reconcile.
 */
export function mapUnreadableReply(
  operation: RestOperation,
  status: number,
  cause: unknown,
  context: ErrorContext,
): FloeError {
  const where = `REST catalog ${operation} (${describeTarget(context)})`;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const ctx = { ...context, status };
  if (isCommitOperation(operation)) {
    return new CommitStateUnknownError(
      `${where}: the catalog accepted the commit (HTTP ${status}) but its response cannot be read (${reason}); reload the table`,
      ctx,
      { cause },
    );
  }
  return new StorageError(
    `${where}: HTTP ${status} with a response that cannot be read: ${reason}`,
    ctx,
    retryClassOf(operation) === 'read',
    { cause },
  );
}

/** The `error` object of an IcebergErrorResponse, or what could be read of a non-conforming body. */
export interface RestErrorBody {
  readonly message: string;
  readonly type?: string;
}

/** An HTTP error status from the catalog. */
export function mapHttpError(
  operation: RestOperation,
  status: number,
  body: RestErrorBody,
  context: ErrorContext,
): FloeError {
  const detail = `${body.type ? `${body.type}: ` : ''}${body.message}`;
  const where = `REST catalog ${operation} (${describeTarget(context)})`;
  const ctx = { ...context, status, errorType: body.type };
  if (status === 404) {
    const namespaceMissing = body.type === 'NoSuchNamespaceException' || isNamespaceOperation(operation);
    return namespaceMissing
      ? new NoSuchNamespaceError(`${where}: namespace does not exist: ${detail}`, ctx)
      : new NoSuchTableError(`${where}: table does not exist: ${detail}`, ctx);
  }
  if (status === 409) {
    if (isCommitOperation(operation)) {
      return new CommitConflictError(`${where}: commit requirements no longer hold: ${detail}`, ctx);
    }
    if (operation === 'drop-namespace')
      return new NamespaceNotEmptyError(`${where}: namespace is not empty: ${detail}`, ctx);
    return new AlreadyExistsError(`${where}: already exists: ${detail}`, ctx);
  }
  if (isCommitOperation(operation) && (status >= 500 || status === 429)) {
    return new CommitStateUnknownError(
      `${where}: HTTP ${status}, the commit may or may not have happened: ${detail}`,
      ctx,
    );
  }
  if (status === 401 || status === 403 || status === 419) {
    return new ConfigError(`${where}: the catalog refused the credentials (HTTP ${status}): ${detail}`, ctx);
  }
  if (status === 400 || status === 406 || status === 422) {
    return new ValidationError(`${where}: the catalog rejected the request (HTTP ${status}): ${detail}`, ctx);
  }
  return new StorageError(`${where}: HTTP ${status}: ${detail}`, ctx, status >= 500 || status === 429);
}

/**
 * No HTTP status: the connection failed or timed out. `sent` is false only when
 * the request surely never reached the server (connection refused).
 */
export function mapTransportError(
  operation: RestOperation,
  error: unknown,
  sent: boolean,
  context: ErrorContext,
): FloeError {
  const reason = describeCause(error);
  const where = `REST catalog ${operation} (${describeTarget(context)})`;
  if (isCommitOperation(operation)) {
    const state = sent ? 'the commit may or may not have happened' : 'the commit was not sent';
    return new CommitStateUnknownError(`${where}: ${reason}; ${state}`, context, { cause: error });
  }
  return new StorageError(`${where}: ${reason}`, context, true, { cause: error });
}

/** The `error` object of an IcebergErrorResponse, tolerating servers that send something else. */
export function readErrorBody(json: unknown, rawText: string): RestErrorBody {
  const error = (json as { error?: { message?: unknown; type?: unknown } } | undefined)?.error;
  if (error && typeof error === 'object') {
    return {
      message: typeof error.message === 'string' ? error.message : rawText.slice(0, 500),
      ...(typeof error.type === 'string' ? { type: error.type } : {}),
    };
  }
  return { message: rawText.slice(0, 500) || '(empty body)' };
}

/** Network error codes (undici puts them on `cause`). */
export function transportErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeCause(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'the request timed out';
  }
  const code = transportErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `connection failed (${code}): ${message}` : `connection failed: ${message}`;
}

function describeTarget(context: ErrorContext): string {
  const target = context.table ?? context.namespace ?? context.uri;
  return target === undefined ? 'catalog' : String(target);
}
