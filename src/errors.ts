// The error vocabulary shared by every layer. Each error says what is wrong and
// where (file and key, or topic/partition/offset, or table), so an operator can
// act on the message alone.

export type ErrorContext = Readonly<Record<string, string | number | bigint | boolean | undefined>>;

export class FloeError extends Error {
  readonly context: ErrorContext;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.context = context;
  }
}

/** A config file or key is invalid; the message names the file and the key. */
export class ConfigError extends FloeError {}

/** Data or metadata violates the Iceberg spec or cannot be represented. */
export class ValidationError extends FloeError {}

/** The catalog rejected a commit because its requirements no longer hold (HTTP 409, CAS miss). */
export class CommitConflictError extends FloeError {}

/** The commit may or may not have happened (5xx, timeout, lost connection): never delete its files. */
export class CommitStateUnknownError extends FloeError {}

export class NoSuchTableError extends FloeError {}
export class NoSuchNamespaceError extends FloeError {}
export class AlreadyExistsError extends FloeError {}
export class NamespaceNotEmptyError extends FloeError {}

/** A record could not be decoded or mapped; carries topic, partition and offset in its context. */
export class RecordError extends FloeError {}

/** A storage operation failed; `retryable` says whether trying again may help. */
export class StorageError extends FloeError {
  readonly retryable: boolean;
  constructor(message: string, context: ErrorContext, retryable: boolean, options?: { cause?: unknown }) {
    super(message, context, options);
    this.retryable = retryable;
  }
}

/** The catalog or table cannot do what was asked (a missing endpoint, an unsupported format version). */
export class UnsupportedError extends FloeError {}
