// The little a SQL catalog needs from a database: statements with positional
// `?` parameters, a transaction, and errors sorted by what the caller can do
// about them. One implementation per engine (sqlite-driver.ts, postgres-driver.ts).
import { StorageError } from '../../errors.ts';

export type SqlValue = string | number | null;
export type SqlRow = Readonly<Record<string, SqlValue>>;

export interface SqlResult {
  readonly rows: readonly SqlRow[];
  /** Rows inserted, updated or deleted by the statement (0 for a SELECT). */
  readonly rowCount: number;
}

export interface SqlExecutor {
  /** Runs one statement; parameters are bound to `?` placeholders in order. */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlResult>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `body` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Why a statement failed:
 * - 'unique-violation': a primary key already holds the row; nothing changed.
 * - 'busy': the database was locked or unreachable before the statement ran, or a
 *   transaction's connection broke before its COMMIT was sent; nothing changed.
 * - 'outcome-unknown': the connection broke while an autocommit statement or a
 *   COMMIT ran; it may have committed.
 * - 'failed': the database rejected the statement; nothing changed.
 */
export type SqlFailure = 'unique-violation' | 'busy' | 'outcome-unknown' | 'failed';

export function sqlError(failure: SqlFailure, database: string, sql: string, cause: unknown): StorageError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const statement = sql.replace(/\s+/g, ' ').trim().slice(0, 120);
  return new StorageError(
    `SQL catalog database ${database}: ${failure} on '${statement}': ${detail}`,
    { path: database, reason: `sql-${failure}` },
    failure === 'busy' || failure === 'outcome-unknown',
    { cause },
  );
}

/** The failure kind of an error thrown by a driver, or undefined for any other error. */
export function sqlFailureOf(error: unknown): SqlFailure | undefined {
  if (!(error instanceof StorageError)) return undefined;
  const reason = error.context.reason;
  if (typeof reason !== 'string' || !reason.startsWith('sql-')) return undefined;
  return reason.slice(4) as SqlFailure;
}
