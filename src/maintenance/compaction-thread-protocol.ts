// The messages between the main thread and the compaction rewrite thread
// (compaction-thread.ts starts it, compaction-thread-entry.ts runs in it), and
// errors made fit to cross between them. Everything here is structured-clone
// data: DataFiles (Maps, Uint8Arrays, bigints), the table's metadata, byte
// pieces moved rather than copied. An error crosses as its class name, message,
// stack, context and cause and is made again as the same class on the other
// side; an error the main thread's own FileIO threw also carries a number, so
// that when the rewrite fails with it the main thread throws that very object.
import {
  AlreadyExistsError,
  CommitConflictError,
  CommitStateUnknownError,
  ConfigError,
  type ErrorContext,
  FloeError,
  NamespaceNotEmptyError,
  NoSuchNamespaceError,
  NoSuchTableError,
  RecordError,
  StorageError,
  UnsupportedError,
  ValidationError,
} from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import type { FileInfo, WriteOptions } from '../io/file-io.ts';
import type { CompactionGroup } from './compaction-plan.ts';

/** A FileIO call the rewrite thread asks the main thread to make. */
export type FileCall =
  | { readonly op: 'read'; readonly path: string }
  | {
      readonly op: 'write';
      readonly path: string;
      readonly data: Uint8Array;
      readonly options?: WriteOptions;
    }
  | { readonly op: 'exists'; readonly path: string }
  | { readonly op: 'delete'; readonly path: string }
  | { readonly op: 'list'; readonly prefix: string }
  /** FileIO.create (openOutput on the main thread); `output` names it in the calls below. */
  | { readonly op: 'create'; readonly output: number; readonly path: string }
  | { readonly op: 'piece'; readonly output: number; readonly bytes: Uint8Array }
  | { readonly op: 'close'; readonly output: number }
  | { readonly op: 'abort'; readonly output: number };

export type FileCallValue = Uint8Array | boolean | readonly FileInfo[] | undefined;

export type ToThread =
  | {
      readonly kind: 'rewrite';
      readonly job: number;
      readonly metadata: TableMetadata;
      readonly group: CompactionGroup;
      /** The group's data files. */
      readonly files: readonly DataFile[];
      /** Per data file of the group, the delete files to apply. */
      readonly deletes: ReadonlyArray<readonly [string, readonly DataFile[]]>;
    }
  | FileAnswer;

export type FileAnswer =
  | { readonly kind: 'answer'; readonly call: number; readonly value: FileCallValue }
  | { readonly kind: 'refused'; readonly call: number; readonly error: CrossedError };

export type FromThread =
  | { readonly kind: 'call'; readonly job: number; readonly call: number; readonly request: FileCall }
  | { readonly kind: 'rewritten'; readonly job: number; readonly added: DataFile[]; readonly rows: number }
  | { readonly kind: 'failed'; readonly job: number; readonly error: CrossedError };

/** An error as it crosses between the threads. */
export interface CrossedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly context?: ErrorContext;
  readonly retryable?: boolean;
  readonly cause?: CrossedError;
  /** The main thread's own error, by the number of the file call that threw it. */
  readonly ref?: number;
}

type FloeErrorClass = new (
  message: string,
  context?: ErrorContext,
  options?: { cause?: unknown },
) => FloeError;

const FLOE_ERRORS: Readonly<Record<string, FloeErrorClass>> = {
  FloeError,
  ConfigError,
  ValidationError,
  CommitConflictError,
  CommitStateUnknownError,
  NoSuchTableError,
  NoSuchNamespaceError,
  AlreadyExistsError,
  NamespaceNotEmptyError,
  RecordError,
  UnsupportedError,
};

const BUILT_IN: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** `error` as data (causes to a depth of 3). */
export function crossError(error: unknown, ref?: number, depth = 0): CrossedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const cause =
    error.cause === undefined || depth >= 3 ? undefined : crossError(error.cause, undefined, depth + 1);
  return {
    name: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(error instanceof FloeError ? { context: error.context } : {}),
    ...(error instanceof StorageError ? { retryable: error.retryable } : {}),
    ...(cause === undefined ? {} : { cause }),
    ...(ref === undefined ? {} : { ref }),
  };
}

/** The error again, of the same class (floe's or a built-in one; any other: an Error of that name). */
export function uncrossError(crossed: CrossedError): Error {
  const options = crossed.cause === undefined ? undefined : { cause: uncrossError(crossed.cause) };
  const context = crossed.context ?? {};
  const floe = FLOE_ERRORS[crossed.name];
  const builtIn = BUILT_IN[crossed.name];
  let error: Error;
  if (crossed.name === 'StorageError')
    error = new StorageError(crossed.message, context, crossed.retryable ?? false, options);
  else if (floe !== undefined) error = new floe(crossed.message, context, options);
  else if (builtIn !== undefined) error = new builtIn(crossed.message, options);
  else {
    error = new Error(crossed.message, options);
    error.name = crossed.name;
  }
  if (crossed.stack !== undefined) error.stack = crossed.stack;
  return error;
}

/** `bytes` in a buffer of their own, to be moved to the other thread (the caller's stay usable). */
export function ownCopy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
