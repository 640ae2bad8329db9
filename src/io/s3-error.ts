// Sorts what the AWS SDK throws into the few cases FileIO acts on. Plain
// structural checks, so tests can feed it look-alike objects.

export interface S3ErrorClass {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly notFound: boolean;
  readonly preconditionFailed: boolean;
  readonly noSuchUpload: boolean;
  /** Trying the same idempotent request again may succeed (throttling, 5xx, network). */
  readonly retryable: boolean;
  /** The request may have been applied even though it failed (unlike throttling or a refused connection). */
  readonly outcomeUnknown: boolean;
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'ServiceUnavailable',
]);
const SERVER_SIDE = new Set(['InternalError', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError']);
// Connection never established: the request cannot have been applied.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const CUT_OFF = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function classifyS3Error(error: unknown): S3ErrorClass {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
  };
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const name = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined;
  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  const code = name && name !== 'Error' ? name : sysCode;

  const notFound = status === 404 || name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket';
  const preconditionFailed = status === 412 || name === 'PreconditionFailed';
  const noSuchUpload = name === 'NoSuchUpload';
  const throttled = status === 429 || status === 503 || THROTTLING.has(name ?? '');
  const refused = NOT_SENT.has(sysCode ?? '');
  const cutOff = CUT_OFF.has(sysCode ?? '') || SERVER_SIDE.has(name ?? '');
  const serverError = status !== undefined && status >= 500 && status !== 503;
  // A 409 ConditionalRequestConflict asks the client to try the conditional write again.
  const conditionalConflict = name === 'ConditionalRequestConflict';
  const retryable =
    throttled || refused || cutOff || serverError || conditionalConflict || e.$retryable !== undefined;
  return {
    status,
    code,
    notFound,
    preconditionFailed,
    noSuchUpload,
    retryable: retryable && !notFound && !preconditionFailed,
    outcomeUnknown: (cutOff || serverError) && !throttled,
  };
}
