// SqlDriver over one SQLite file (better-sqlite3). WAL journaling and a busy
// timeout let several processes share the file: readers never block, and a
// writer waits for the lock instead of failing at once.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  type SqlDriver,
  type SqlExecutor,
  type SqlFailure,
  type SqlResult,
  type SqlValue,
  sqlError,
} from './sql-driver.ts';

export interface SqliteDriverOptions {
  /** How long a statement waits for another connection's write lock. */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly #path: string;
  readonly #db: Database.Database;
  /** better-sqlite3 has one connection: statements of this process take turns, so a transaction never sees another's. */
  #queue: Promise<unknown> = Promise.resolve();

  /** `path` is a filesystem path, or ':memory:'. */
  constructor(path: string, options: SqliteDriverOptions = {}) {
    this.#path = path;
    const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path, { timeout });
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma(`busy_timeout = ${Math.trunc(timeout)}`);
    } catch (error) {
      throw sqlError(failureOf(error), path, 'open', error);
    }
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlResult> {
    return this.#exclusive(async () => this.#run(sql, params));
  }

  transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      // IMMEDIATE takes the write lock up front, so the transaction cannot fail half-way on a lock upgrade
      this.#run('BEGIN IMMEDIATE', []);
      let result: T;
      try {
        result = await body({ query: async (sql, params = []) => this.#run(sql, params) });
        // a failed COMMIT (SQLITE_BUSY) leaves the transaction open: end it, or the connection is stuck in it
        this.#run('COMMIT', []);
      } catch (error) {
        try {
          if (this.#db.inTransaction) this.#run('ROLLBACK', []);
        } catch {
          // the first error is the one to report
        }
        throw error;
      }
      return result;
    });
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
    if (this.#db.open) this.#db.close();
  }

  #run(sql: string, params: readonly SqlValue[]): SqlResult {
    try {
      const statement = this.#db.prepare(sql);
      if (statement.reader) {
        return { rows: statement.all(...params) as SqlResult['rows'], rowCount: 0 };
      }
      return { rows: [], rowCount: statement.run(...params).changes };
    } catch (error) {
      throw sqlError(failureOf(error), this.#path, sql, error);
    }
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function failureOf(error: unknown): SqlFailure {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return 'failed';
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE')
    return 'unique-violation';
  if (
    code.startsWith('SQLITE_BUSY') ||
    code.startsWith('SQLITE_LOCKED') ||
    code.startsWith('SQLITE_CANTOPEN')
  ) {
    return 'busy';
  }
  // a failed SQLite statement is rolled back atomically: never an unknown outcome
  return 'failed';
}
