// SqlDriver over a PostgreSQL connection pool (pg). Statements outside a
// transaction run in autocommit; a transaction holds one pooled connection.
import pg from 'pg';
import { type Logger, silentLogger } from '../../log.ts';
import {
  type SqlDriver,
  type SqlExecutor,
  type SqlFailure,
  type SqlResult,
  type SqlValue,
  sqlError,
  sqlFailureOf,
} from './sql-driver.ts';

export interface PostgresDriverOptions {
  /** `postgresql://user:password@host:port/database` (libpq-style query parameters are passed on to pg). */
  readonly connectionString: string;
  readonly maxConnections?: number;
  readonly logger?: Logger;
}

const UNIQUE_VIOLATION = '23505';

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly #pool: pg.Pool;
  /** host:port/database, never the credentials. */
  readonly #label: string;

  readonly #logger: Logger;

  constructor(options: PostgresDriverOptions) {
    this.#label = describeDatabase(options.connectionString);
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 4,
    });
    this.#logger = options.logger ?? silentLogger;
    // an idle connection that dies must not take the process down; the pool replaces it
    this.#pool.on('error', (err) =>
      this.#logger.warn('idle PostgreSQL connection failed', { err, database: this.#label }),
    );
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlResult> {
    return this.#withClient(sql, async (client, broke) => {
      try {
        return await this.#run(client, sql, params);
      } catch (error) {
        if (sqlFailureOf(error) === 'outcome-unknown') broke(error as Error);
        throw error;
      }
    });
  }

  transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#withClient('BEGIN', async (client, broke) => {
      let result: T;
      try {
        await this.#run(client, 'BEGIN', []);
        result = await body({ query: (sql, params = []) => this.#run(client, sql, params) });
      } catch (error) {
        if (sqlFailureOf(error) === 'outcome-unknown') {
          broke(error as Error);
          // the connection broke before COMMIT was sent: the server rolls the transaction back
          throw sqlError('busy', this.#label, 'transaction (no COMMIT sent)', error);
        }
        await this.#run(client, 'ROLLBACK', []).catch(() => undefined);
        throw error;
      }
      try {
        await this.#run(client, 'COMMIT', []);
      } catch (error) {
        if (sqlFailureOf(error) === 'outcome-unknown') broke(error as Error);
        throw error;
      }
      return result;
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /**
   * Lends a pooled connection to `use`, and takes it back (discarded when it
   * broke). A lent connection that dies between statements (a server restart, a
   * terminated backend while a transaction waits on file I/O) emits 'error':
   * unhandled, that would end the process; the next statement then fails instead.
   */
  async #withClient<T>(
    sql: string,
    use: (client: pg.PoolClient, broke: (error: Error) => void) => Promise<T>,
  ): Promise<T> {
    const client = await this.#connect(sql);
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
      this.#logger.warn('PostgreSQL connection failed while in use', { err, database: this.#label });
    };
    client.on('error', onError);
    try {
      return await use(client, (error) => {
        broken = error;
      });
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async #connect(sql: string): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      // nothing was sent yet: the statement certainly did not run
      throw sqlError('busy', this.#label, sql, error);
    }
  }

  async #run(client: pg.PoolClient, sql: string, params: readonly SqlValue[]): Promise<SqlResult> {
    try {
      const result = await client.query(numberPlaceholders(sql), [...params]);
      return { rows: result.rows as SqlResult['rows'], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw sqlError(failureOf(error), this.#label, sql, error);
    }
  }
}

/** `?` placeholders become `$1`, `$2`, ... (outside quoted literals). */
export function numberPlaceholders(sql: string): string {
  let index = 0;
  let quoted = false;
  let out = '';
  for (const char of sql) {
    if (char === "'") quoted = !quoted;
    if (char === '?' && !quoted) {
      index += 1;
      out += `$${index}`;
    } else {
      out += char;
    }
  }
  return out;
}

function failureOf(error: unknown): SqlFailure {
  // an error message from the server: the statement failed and its transaction rolled back
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    if (code === UNIQUE_VIOLATION) return 'unique-violation';
    // class 08: connection exception; 40: transaction rollback; 53: insufficient resources; 55P03: lock not available
    if (/^(08|40|53)/.test(code) || code === '55P03') return 'busy';
    // the server is ending the connection (terminated backend, shutdown): a statement
    // that was running may have committed just before
    if (/^57P0[12]$/.test(code)) return 'outcome-unknown';
    return 'failed';
  }
  // no answer (reset, timeout, terminated): the server may have committed before the connection broke
  return 'outcome-unknown';
}

function describeDatabase(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'postgresql (unparsable connection string)';
  }
}
