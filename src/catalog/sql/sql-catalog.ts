// A catalog in a SQL database, on the same tables as Iceberg's JdbcCatalog and
// PyIceberg's SqlCatalog, so each reads the others' tables. The catalog owns the
// metadata files: it writes a new one per commit and publishes it by a
// compare-and-swap UPDATE of the table's metadata_location (sql-commits.ts).
// A database that is busy or unreachable before anything ran is retried.
import { randomUUID } from 'node:crypto';
import { NamespaceNotEmptyError, NoSuchTableError, ValidationError } from '../../errors.ts';
import { applyUpdates, checkRequirements, newTableMetadata } from '../../iceberg/apply-updates.ts';
import { requestedFormatVersion } from '../../iceberg/format-version.ts';
import { UNPARTITIONED } from '../../iceberg/partition-spec.ts';
import { UNSORTED_ORDER } from '../../iceberg/sort-order.ts';
import type { FormatVersion, TableMetadata } from '../../iceberg/table-metadata.ts';
import type { TableRequirement, TableUpdate } from '../../iceberg/table-update.ts';
import type { FileIO } from '../../io/file-io.ts';
import type { RetryPolicy } from '../../io/retry.ts';
import { type Logger, silentLogger } from '../../log.ts';
import type {
  Catalog,
  CreateTableArgs,
  DropTableOptions,
  LoadedTable,
  TableCommit,
  TableIdentifier,
} from '../catalog.ts';
import { assertDistinctTables, formatTableIdentifier } from '../table-identifier.ts';
import { purgeTableFiles } from './purge-table-files.ts';
import { type BusyRetryOptions, DEFAULT_BUSY_RETRY, retryWhileBusy } from './sql-busy-retry.ts';
import { SqlCatalogErrors } from './sql-catalog-errors.ts';
import { SqlCatalogRows } from './sql-catalog-rows.ts';
import { ensureCatalogSchema } from './sql-catalog-schema.ts';
import { type Published, SqlCommits } from './sql-commits.ts';
import { type SqlDriver, sqlFailureOf } from './sql-driver.ts';
import { namespaceFromSql, namespaceToSql } from './sql-namespace.ts';
import { SqlTableCommit } from './sql-table-commit.ts';

export interface SqlCatalogOptions {
  /** The catalog_name column: catalogs sharing a database see only their own rows. */
  readonly name: string;
  /** Owned by the catalog from now on: close() closes it. */
  readonly driver: SqlDriver;
  /** URI under which new tables get their default location. */
  readonly warehouse: string;
  readonly io: FileIO;
  readonly clock?: () => number;
  readonly logger?: Logger;
  /** Attempts while the database is busy or unreachable (nothing ran yet). */
  readonly busyRetry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_FORMAT_VERSION: FormatVersion = 2;
/** Namespace property holding the default parent location of its tables (as the reference catalogs read it). */
const NAMESPACE_LOCATION_PROPERTY = 'location';

export class SqlCatalog implements Catalog {
  readonly name: string;
  readonly #driver: SqlDriver;
  readonly #warehouse: string;
  readonly #io: FileIO;
  readonly #clock: () => number;
  readonly #logger: Logger;
  readonly #errors: SqlCatalogErrors;
  readonly #step: SqlTableCommit;
  readonly #commits: SqlCommits;
  readonly #busyRetry: BusyRetryOptions;
  #rows: Promise<SqlCatalogRows> | undefined;

  constructor(options: SqlCatalogOptions) {
    if (options.name === '') throw new ValidationError('SQL catalog name must not be empty');
    this.name = options.name;
    this.#driver = options.driver;
    this.#warehouse = options.warehouse.replace(/\/+$/, '');
    this.#io = options.io;
    this.#clock = options.clock ?? Date.now;
    this.#logger = (options.logger ?? silentLogger).child({ catalog: options.name });
    this.#errors = new SqlCatalogErrors(options.name);
    this.#step = new SqlTableCommit(options.io, this.#clock, this.#logger);
    this.#commits = new SqlCommits(options.driver, this.#step, this.#errors);
    this.#busyRetry = {
      policy: options.busyRetry ?? DEFAULT_BUSY_RETRY,
      logger: this.#logger,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    };
  }

  async listNamespaces(parent?: readonly string[]): Promise<string[][]> {
    const rows = await this.#tables();
    const depth = parent === undefined ? 0 : parent.length;
    let parentText: string | undefined;
    if (parent !== undefined && parent.length > 0) {
      parentText = namespaceToSql(parent);
      if (!(await rows.namespaceExists(parentText))) throw this.#errors.noSuchNamespace(parent);
    }
    const children = new Map<string, string[]>();
    for (const text of await rows.namespaceNames(parentText)) {
      const levels = namespaceFromSql(text);
      if (levels.length <= depth) continue;
      const child = levels.slice(0, depth + 1);
      children.set(child.join('.'), child);
    }
    return [...children.keys()].sort().map((key) => children.get(key) as string[]);
  }

  async createNamespace(
    namespace: readonly string[],
    properties: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    const rows = await this.#tables();
    const text = namespaceToSql(namespace);
    try {
      await this.#driver.transaction(async (tx) => {
        if (await rows.namespaceExists(text, tx)) throw this.#errors.namespaceExists(namespace);
        await rows.insertNamespaceProperties(text, properties, tx);
      });
    } catch (error) {
      if (sqlFailureOf(error) === 'unique-violation') throw this.#errors.namespaceExists(namespace, error);
      throw error;
    }
  }

  async namespaceExists(namespace: readonly string[]): Promise<boolean> {
    return (await this.#tables()).namespaceExists(namespaceToSql(namespace));
  }

  async dropNamespace(namespace: readonly string[]): Promise<void> {
    const rows = await this.#tables();
    const text = namespaceToSql(namespace);
    await this.#driver.transaction(async (tx) => {
      if (!(await rows.namespaceExists(text, tx))) throw this.#errors.noSuchNamespace(namespace);
      if ((await rows.hasTables(text, tx)) || (await rows.hasDescendants(text, tx))) {
        throw new NamespaceNotEmptyError(
          `namespace ${text} of SQL catalog ${this.name} still holds tables or namespaces`,
          { catalog: this.name, namespace: text },
        );
      }
      await rows.deleteNamespaceProperties(text, tx);
    });
  }

  async listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    const rows = await this.#tables();
    const text = namespaceToSql(namespace);
    if (!(await rows.namespaceExists(text))) throw this.#errors.noSuchNamespace(namespace);
    return (await rows.tableNames(text)).map((name) => ({ namespace: [...namespace], name }));
  }

  async createTable(identifier: TableIdentifier, args: CreateTableArgs): Promise<LoadedTable> {
    const namespace = this.#checkIdentifier(identifier);
    const properties = args.properties ?? {};
    const formatVersion = requestedFormatVersion(properties, this.#errors.describe(identifier));
    return this.#retryBusy('create-table', false, async () => {
      const rows = await this.#tables();
      if (!(await rows.namespaceExists(namespace))) throw this.#errors.noSuchNamespace(identifier.namespace);
      if (await rows.nameTaken(namespace, identifier.name)) throw this.#errors.tableExists(identifier);
      const metadata = newTableMetadata({
        tableUuid: randomUUID(),
        location: args.location ?? (await this.#defaultLocation(rows, identifier)),
        schema: args.schema,
        spec: args.spec ?? UNPARTITIONED,
        sortOrder: args.sortOrder ?? UNSORTED_ORDER,
        properties,
        formatVersion: formatVersion ?? DEFAULT_FORMAT_VERSION,
        nowMs: this.#clock(),
      });
      return this.#created(identifier, await this.#commits.createTable(rows, identifier, metadata));
    });
  }

  async loadTable(identifier: TableIdentifier): Promise<LoadedTable> {
    const namespace = this.#checkIdentifier(identifier);
    return this.#retryBusy('load-table', true, async () => {
      const rows = await this.#tables();
      const row = await rows.table(namespace, identifier.name);
      if (row === undefined) throw this.#errors.noSuchTable(identifier);
      if (row.metadataLocation === null)
        throw this.#errors.noSuchTable(identifier, 'has no metadata_location');
      return this.#loaded(
        identifier,
        row.metadataLocation,
        await this.#step.readMetadata(row.metadataLocation),
      );
    });
  }

  async tableExists(identifier: TableIdentifier): Promise<boolean> {
    const namespace = this.#checkIdentifier(identifier);
    return this.#retryBusy('table-exists', true, async () => {
      const rows = await this.#tables();
      return (await rows.table(namespace, identifier.name)) !== undefined;
    });
  }

  async commitTable(
    identifier: TableIdentifier,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable> {
    const namespace = this.#checkIdentifier(identifier);
    return this.#retryBusy('commit-table', false, async () => {
      const rows = await this.#tables();
      const row = await rows.table(namespace, identifier.name);
      if (row === undefined || row.metadataLocation === null) {
        if (!requirements.some((requirement) => requirement.type === 'assert-create'))
          throw this.#errors.noSuchTable(identifier);
        // a staged create (REST style): the commit carries the whole new table
        checkRequirements(undefined, requirements);
        if (!(await rows.namespaceExists(namespace)))
          throw this.#errors.noSuchNamespace(identifier.namespace);
        const created = applyUpdates(undefined, updates, { nowMs: this.#clock() });
        return this.#created(identifier, await this.#commits.createTable(rows, identifier, created));
      }
      const published = await this.#commits.commitTable(
        rows,
        identifier,
        row.metadataLocation,
        requirements,
        updates,
      );
      return this.#created(identifier, published);
    });
  }

  /** One database transaction holds every table's swap: multi-table commits are atomic here. */
  async supportsMultiTableCommit(): Promise<boolean> {
    return true;
  }

  async commitTables(commits: readonly TableCommit[]): Promise<LoadedTable[]> {
    for (const { identifier } of commits) this.#checkIdentifier(identifier);
    assertDistinctTables(commits, `SQL catalog ${this.name}`);
    if (commits.length === 0) return [];
    return this.#retryBusy('commit-tables', false, async () => {
      const published = await this.#commits.commitTables(await this.#tables(), commits);
      return published.map((p, i) => this.#created((commits[i] as TableCommit).identifier, p));
    });
  }

  async dropTable(identifier: TableIdentifier, options: DropTableOptions = {}): Promise<void> {
    const rows = await this.#tables();
    const namespace = this.#checkIdentifier(identifier);
    let purge: LoadedTable | undefined;
    if (options.purge) {
      purge = await this.loadTable(identifier).catch((error: unknown) => {
        if (error instanceof NoSuchTableError) throw error;
        this.#logger.warn('drop with purge: cannot read the table metadata; only the catalog row goes', {
          err: error,
          table: formatTableIdentifier(identifier),
        });
        return undefined;
      });
    }
    if ((await rows.deleteTable(namespace, identifier.name)) === 0)
      throw this.#errors.noSuchTable(identifier);
    if (purge) await purgeTableFiles(this.#io, purge.metadata, purge.metadataLocation, this.#logger);
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }

  /** The row access, after making sure the catalog tables exist (once per catalog instance). */
  #tables(): Promise<SqlCatalogRows> {
    if (this.#rows === undefined) {
      this.#rows = ensureCatalogSchema(this.#driver).then(
        (state) => new SqlCatalogRows(this.#driver, this.name, state.hasRecordType),
      );
      // a failed start (database down) is retried on the next call
      this.#rows.catch(() => {
        this.#rows = undefined;
      });
    }
    return this.#rows;
  }

  #retryBusy<T>(operation: string, read: boolean, attempt: () => Promise<T>): Promise<T> {
    return retryWhileBusy(this.#busyRetry, operation, read ? 'read' : 'write', attempt);
  }

  /** `<namespace location>/<table>` when the namespace has a location, else `<warehouse>/<a>/<b>.db/<table>`. */
  async #defaultLocation(rows: SqlCatalogRows, identifier: TableIdentifier): Promise<string> {
    const properties = await rows.namespaceProperties(namespaceToSql(identifier.namespace));
    const namespaceLocation = properties[NAMESPACE_LOCATION_PROPERTY];
    if (namespaceLocation) return `${namespaceLocation.replace(/\/+$/, '')}/${identifier.name}`;
    return `${this.#warehouse}/${identifier.namespace.join('/')}.db/${identifier.name}`;
  }

  #created(identifier: TableIdentifier, published: Published): LoadedTable {
    return this.#loaded(identifier, published.metadataLocation, published.metadata);
  }

  #loaded(identifier: TableIdentifier, metadataLocation: string, metadata: TableMetadata): LoadedTable {
    return {
      identifier: { namespace: [...identifier.namespace], name: identifier.name },
      metadataLocation,
      metadata,
      config: {},
    };
  }

  #checkIdentifier(identifier: TableIdentifier): string {
    if (identifier.name === '')
      throw new ValidationError(`table name in namespace [${identifier.namespace.join(', ')}] is empty`);
    return namespaceToSql(identifier.namespace);
  }
}
