// Opens a SQL catalog from a connection URI, the way catalog configs name it:
//   sqlite:////abs/path.db or sqlite:///abs/path.db (SQLAlchemy's form; both mean the absolute path),
//   file:///abs/path.db, file:/abs/path.db, a plain path, or ':memory:';
//   postgresql://user:password@host:port/database (postgres:// and SQLAlchemy's postgresql+driver:// too).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../errors.ts';
import type { FileIO } from '../../io/file-io.ts';
import type { Logger } from '../../log.ts';
import { PostgresDriver } from './postgres-driver.ts';
import { SqlCatalog } from './sql-catalog.ts';
import type { SqlDriver } from './sql-driver.ts';
import { SqliteDriver } from './sqlite-driver.ts';

export interface OpenSqlCatalogOptions {
  readonly name: string;
  readonly uri: string;
  readonly warehouse: string;
  readonly io: FileIO;
  readonly logger?: Logger;
}

export function openSqlCatalog(options: OpenSqlCatalogOptions): SqlCatalog {
  const driver = openSqlDriver(options.uri, options.logger);
  return new SqlCatalog({
    name: options.name,
    driver,
    warehouse: options.warehouse,
    io: options.io,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

export type SqlTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export function openSqlDriver(uri: string, logger?: Logger): SqlDriver {
  const target = parseSqlUri(uri);
  if (target.kind === 'sqlite') return new SqliteDriver(target.path);
  return new PostgresDriver({ connectionString: target.url, ...(logger ? { logger } : {}) });
}

export function parseSqlUri(uri: string): SqlTarget {
  const postgres = /^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i.exec(uri);
  if (postgres) return { kind: 'postgres', url: `postgresql://${uri.slice(postgres[0].length)}` };
  if (uri === ':memory:' || uri === 'sqlite://' || uri === 'sqlite:///:memory:')
    return { kind: 'sqlite', path: ':memory:' };
  if (uri.startsWith('sqlite:')) {
    const path = uri.slice('sqlite:'.length).replace(/^\/+/, '/');
    if (path === '/' || path.includes('?')) throw invalid(uri, 'expected sqlite:////absolute/path.db');
    return { kind: 'sqlite', path };
  }
  if (uri.startsWith('file:')) {
    try {
      return { kind: 'sqlite', path: fileURLToPath(uri) };
    } catch (error) {
      throw invalid(uri, `not a local file URI (${(error as Error).message})`);
    }
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(uri))
    throw invalid(uri, 'unsupported scheme; use sqlite: or postgresql:');
  if (uri.trim() === '') throw invalid(uri, 'empty');
  return { kind: 'sqlite', path: resolve(uri) };
}

function invalid(uri: string, why: string): ConfigError {
  const shown = uri.replace(/\/\/[^@/]*@/, '//***@');
  return new ConfigError(`SQL catalog uri '${shown}': ${why}`, { uri: shown });
}
