// A catalog in a SQL database, on the same tables as Iceberg's JdbcCatalog and
// PyIceberg's SqlCatalog, so each reads the others' tables. The catalog owns the
// metadata files: it writes a new one per commit and publishes it by a
// compare-and-swap UPDATE of the table's metadata_location.
import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  CommitConflictError,
  CommitStateUnknownError,
  NamespaceNotEmptyError,
  NoSuchNamespaceError,
  NoSuchTableError,
  ValidationError,
} from '../../errors.ts';
import { applyUpdates, checkRequirements, newTableMetadata } from '../../iceberg/apply-updates.ts';
import { assertWritableFormatVersion, requestedFormatVersion } from '../../iceberg/format-version.ts';
import { UNPARTITIONED } from '../../iceberg/partition-spec.ts';
import { UNSORTED_ORDER } from '../../iceberg/sort-order.ts';
import type { FormatVersion, TableMetadata } from '../../iceberg/table-metadata.ts';
import { parseTableMetadata, serializeTableMetadata } from '../../iceberg/table-metadata-json.ts';
import type { TableRequirement, TableUpdate } from '../../iceberg/table-update.ts';
import type { FileIO } from '../../io/file-io.ts';
import { type Logger, silentLogger } from '../../log.ts';
import type { Catalog, CreateTableArgs, DropTableOptions, LoadedTable, TableIdentifier } from '../catalog.ts';
import { formatTableIdentifier } from '../table-identifier.ts';
import {
  appendMetadataLog,
  deletesExpiredMetadata,
  metadataFileLocation,
  metadataFileVersion,
} from './metadata-files.ts';
import { purgeTableFiles } from './purge-table-files.ts';
import { SqlCatalogRows } from './sql-catalog-rows.ts';
import { ensureCatalogSchema } from './sql-catalog-schema.ts';
import { type SqlDriver, sqlFailureOf } from './sql-driver.ts';
import { namespaceFromSql, namespaceToSql } from './sql-namespace.ts';

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
  #rows: Promise<SqlCatalogRows> | undefined;

  constructor(options: SqlCatalogOptions) {
    if (options.name === '') throw new ValidationError('SQL catalog name must not be empty');
    this.name = options.name;
    this.#driver = options.driver;
    this.#warehouse = options.warehouse.replace(/\/+$/, '');
    this.#io = options.io;
    this.#clock = options.clock ?? Date.now;
    this.#logger = (options.logger ?? silentLogger).child({ catalog: options.name });
  }

  async listNamespaces(parent?: readonly string[]): Promise<string[][]> {
    const rows = await this.#tables();
    const depth = parent === undefined ? 0 : parent.length;
    let parentText: string | undefined;
    if (parent !== undefined && parent.length > 0) {
      parentText = namespaceToSql(parent);
      if (!(await rows.namespaceExists(parentText))) throw this.#noSuchNamespace(parent);
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
        if (await rows.namespaceExists(text, tx)) throw this.#namespaceExists(namespace);
        await rows.insertNamespaceProperties(text, properties, tx);
      });
    } catch (error) {
      if (sqlFailureOf(error) === 'unique-violation') throw this.#namespaceExists(namespace, error);
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
      if (!(await rows.namespaceExists(text, tx))) throw this.#noSuchNamespace(namespace);
      if ((await rows.hasTables(text, tx)) || (await rows.hasDescendants(text, tx))) {
        throw new NamespaceNotEmptyError(
          `namespace ${text} of SQL catalog ${this.name} still holds tables or namespaces`,
          {
            catalog: this.name,
            namespace: text,
          },
        );
      }
      await rows.deleteNamespaceProperties(text, tx);
    });
  }

  async listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    const rows = await this.#tables();
    const text = namespaceToSql(namespace);
    if (!(await rows.namespaceExists(text))) throw this.#noSuchNamespace(namespace);
    return (await rows.tableNames(text)).map((name) => ({ namespace: [...namespace], name }));
  }

  async createTable(identifier: TableIdentifier, args: CreateTableArgs): Promise<LoadedTable> {
    const rows = await this.#tables();
    const namespace = this.#checkIdentifier(identifier);
    if (!(await rows.namespaceExists(namespace))) throw this.#noSuchNamespace(identifier.namespace);
    if (await rows.nameTaken(namespace, identifier.name)) throw this.#tableExists(identifier);
    const properties = args.properties ?? {};
    const metadata = newTableMetadata({
      tableUuid: randomUUID(),
      location: args.location ?? (await this.#defaultLocation(rows, identifier)),
      schema: args.schema,
      spec: args.spec ?? UNPARTITIONED,
      sortOrder: args.sortOrder ?? UNSORTED_ORDER,
      properties,
      formatVersion: requestedFormatVersion(properties, this.#describe(identifier)) ?? DEFAULT_FORMAT_VERSION,
      nowMs: this.#clock(),
    });
    return this.#publishNewTable(rows, identifier, metadata);
  }

  async loadTable(identifier: TableIdentifier): Promise<LoadedTable> {
    const rows = await this.#tables();
    const namespace = this.#checkIdentifier(identifier);
    const row = await rows.table(namespace, identifier.name);
    if (row === undefined) throw this.#noSuchTable(identifier);
    if (row.metadataLocation === null) {
      throw new NoSuchTableError(
        `table ${this.#describe(identifier)} has no metadata_location`,
        this.#context(identifier),
      );
    }
    return this.#loaded(identifier, row.metadataLocation, await this.#readMetadata(row.metadataLocation));
  }

  async tableExists(identifier: TableIdentifier): Promise<boolean> {
    const rows = await this.#tables();
    return (await rows.table(this.#checkIdentifier(identifier), identifier.name)) !== undefined;
  }

  async commitTable(
    identifier: TableIdentifier,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable> {
    const rows = await this.#tables();
    const namespace = this.#checkIdentifier(identifier);
    const row = await rows.table(namespace, identifier.name);
    if (row === undefined || row.metadataLocation === null) {
      if (!requirements.some((requirement) => requirement.type === 'assert-create'))
        throw this.#noSuchTable(identifier);
      // a staged create (REST style): the commit carries the whole new table
      checkRequirements(undefined, requirements);
      if (!(await rows.namespaceExists(namespace))) throw this.#noSuchNamespace(identifier.namespace);
      return this.#publishNewTable(
        rows,
        identifier,
        applyUpdates(undefined, updates, { nowMs: this.#clock() }),
      );
    }
    const baseLocation = row.metadataLocation;
    const base = await this.#readMetadata(baseLocation);
    checkRequirements(base, requirements);
    if (updates.length === 0) return this.#loaded(identifier, baseLocation, base);

    const updated = applyUpdates(base, updates, { nowMs: this.#clock() });
    const { metadata, expired } = appendMetadataLog(updated, base, baseLocation);
    const location = metadataFileLocation(metadata, metadataFileVersion(baseLocation) + 1, randomUUID());
    await this.#io.write(location, encodeMetadata(metadata), { ifNotExists: true });

    let changed: number;
    try {
      changed = await rows.swapMetadataLocation(namespace, identifier.name, baseLocation, location);
    } catch (error) {
      if (sqlFailureOf(error) === 'outcome-unknown') {
        throw new CommitStateUnknownError(
          `commit of ${this.#describe(identifier)} may or may not have moved metadata_location to ${location}; reload the table`,
          { ...this.#context(identifier), metadataLocation: location },
          { cause: error },
        );
      }
      await this.#deleteOrphan(location);
      throw error;
    }
    if (changed === 0) {
      await this.#deleteOrphan(location);
      throw new CommitConflictError(
        `table ${this.#describe(identifier)} was changed by another commit since ${baseLocation} was read`,
        { ...this.#context(identifier), baseMetadataLocation: baseLocation },
      );
    }
    if (deletesExpiredMetadata(metadata)) {
      for (const entry of expired) await this.#deleteOrphan(entry.metadataFile);
    }
    return this.#loaded(identifier, location, metadata);
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
    if ((await rows.deleteTable(namespace, identifier.name)) === 0) throw this.#noSuchTable(identifier);
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

  /** Writes version 0 of a new table's metadata and inserts its row; the file goes again if the insert fails. */
  async #publishNewTable(
    rows: SqlCatalogRows,
    identifier: TableIdentifier,
    metadata: TableMetadata,
  ): Promise<LoadedTable> {
    // a create-table, or a staged create's commit: never make a table floe cannot write
    assertWritableFormatVersion(metadata, this.#describe(identifier));
    const location = metadataFileLocation(metadata, 0, randomUUID());
    await this.#io.write(location, encodeMetadata(metadata), { ifNotExists: true });
    try {
      await rows.insertTable(namespaceToSql(identifier.namespace), identifier.name, location);
    } catch (error) {
      const failure = sqlFailureOf(error);
      if (failure === 'outcome-unknown') {
        throw new CommitStateUnknownError(
          `creating ${this.#describe(identifier)} may or may not have happened; check whether the table exists`,
          { ...this.#context(identifier), metadataLocation: location },
          { cause: error },
        );
      }
      await this.#deleteOrphan(location);
      if (failure === 'unique-violation') throw this.#tableExists(identifier, error);
      throw error;
    }
    return this.#loaded(identifier, location, metadata);
  }

  /** `<namespace location>/<table>` when the namespace has a location, else `<warehouse>/<a>/<b>.db/<table>`. */
  async #defaultLocation(rows: SqlCatalogRows, identifier: TableIdentifier): Promise<string> {
    const properties = await rows.namespaceProperties(namespaceToSql(identifier.namespace));
    const namespaceLocation = properties[NAMESPACE_LOCATION_PROPERTY];
    if (namespaceLocation) return `${namespaceLocation.replace(/\/+$/, '')}/${identifier.name}`;
    return `${this.#warehouse}/${identifier.namespace.join('/')}.db/${identifier.name}`;
  }

  async #readMetadata(location: string): Promise<TableMetadata> {
    return parseTableMetadata(new TextDecoder().decode(await this.#io.read(location)));
  }

  async #deleteOrphan(location: string): Promise<void> {
    try {
      await this.#io.delete(location);
    } catch (err) {
      this.#logger.warn('cannot delete an unpublished metadata file; it is an orphan', {
        err,
        path: location,
      });
    }
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

  #describe(identifier: TableIdentifier): string {
    return `${formatTableIdentifier(identifier)} (SQL catalog ${this.name})`;
  }

  #context(identifier: TableIdentifier): Record<string, string> {
    return { catalog: this.name, table: formatTableIdentifier(identifier) };
  }

  #noSuchTable(identifier: TableIdentifier): NoSuchTableError {
    return new NoSuchTableError(
      `table ${this.#describe(identifier)} does not exist`,
      this.#context(identifier),
    );
  }

  #tableExists(identifier: TableIdentifier, cause?: unknown): AlreadyExistsError {
    return new AlreadyExistsError(
      `table ${this.#describe(identifier)} already exists`,
      this.#context(identifier),
      {
        cause,
      },
    );
  }

  #noSuchNamespace(namespace: readonly string[]): NoSuchNamespaceError {
    return new NoSuchNamespaceError(
      `namespace ${namespace.join('.')} of SQL catalog ${this.name} does not exist`,
      {
        catalog: this.name,
        namespace: namespace.join('.'),
      },
    );
  }

  #namespaceExists(namespace: readonly string[], cause?: unknown): AlreadyExistsError {
    return new AlreadyExistsError(
      `namespace ${namespace.join('.')} of SQL catalog ${this.name} already exists`,
      { catalog: this.name, namespace: namespace.join('.') },
      { cause },
    );
  }
}

function encodeMetadata(metadata: TableMetadata): Uint8Array {
  return new TextEncoder().encode(serializeTableMetadata(metadata));
}
