// Catalog over the Iceberg REST catalog API (spec: open-api/rest-catalog-open-api.yaml).
// connect() does the GET /v1/config handshake; every route then lives under the
// server's `prefix`. Commits are sent once: on an uncertain outcome the caller
// gets CommitStateUnknownError and reconciles by reloading the table.
import {
  CommitStateUnknownError,
  NoSuchNamespaceError,
  NoSuchTableError,
  UnsupportedError,
} from '../../errors.ts';
import { assertWritableFormatVersion, requestedFormatVersion } from '../../iceberg/format-version.ts';
import type { TableRequirement, TableUpdate } from '../../iceberg/table-update.ts';
import type {
  Catalog,
  CreateTableArgs,
  DropTableOptions,
  LoadedTable,
  TableCommit,
  TableIdentifier,
} from '../catalog.ts';
import { assertDistinctTables, formatTableIdentifier } from '../table-identifier.ts';
import { httpClientOptions, type RestCatalogOptions } from './rest-catalog-options.ts';
import {
  type CatalogConfigResponse,
  mergeCatalogProperties,
  namespaceSeparator,
  parseCatalogConfig,
  supportsEndpoint,
} from './rest-config.ts';
import { mapUnreadableReply } from './rest-errors.ts';
import { RestHttpClient } from './rest-http-client.ts';
import {
  commitTableRequest,
  commitTransactionRequest,
  createNamespaceRequest,
  createTableRequest,
  type LoadTableResult,
  type Page,
  parseListNamespacesResponse,
  parseListTablesResponse,
  parseLoadTableResult,
  renameTableRequest,
} from './rest-messages.ts';
import { RestPaths } from './rest-paths.ts';
import { assertTransactionApplied, COMMIT_TRANSACTION_ENDPOINT } from './rest-transaction.ts';

export type { RestCatalogOptions } from './rest-catalog-options.ts';

const HEAD_NAMESPACE = 'HEAD /v1/{prefix}/namespaces/{namespace}';
const HEAD_TABLE = 'HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}';

export class RestCatalog implements Catalog {
  readonly name: string;
  /** The merged catalog properties (server defaults < client properties < server overrides). */
  readonly properties: Readonly<Record<string, string>>;
  readonly #http: RestHttpClient;
  readonly #paths: RestPaths;
  readonly #config: CatalogConfigResponse;
  /** Per-table config from the last load or create; a commit response carries none. */
  readonly #tableConfigs = new Map<string, Record<string, string>>();

  private constructor(
    name: string,
    http: RestHttpClient,
    config: CatalogConfigResponse,
    properties: Record<string, string>,
  ) {
    this.name = name;
    this.#http = http;
    this.#config = config;
    this.properties = properties;
    this.#paths = new RestPaths(properties.prefix, namespaceSeparator(properties));
  }

  static async connect(options: RestCatalogOptions): Promise<RestCatalog> {
    const base = httpClientOptions(options);
    const bootstrap = new RestHttpClient(base);
    const response = await bootstrap.call({
      operation: 'get-config',
      method: 'GET',
      path: RestPaths.config(),
      query: { warehouse: options.warehouse },
      context: { uri: options.uri },
    });
    const config = parseCatalogConfig(response.json);
    const properties = mergeCatalogProperties(config, {
      ...(options.properties ?? {}),
      ...(options.warehouse !== undefined ? { warehouse: options.warehouse } : {}),
    });
    // `header.<Name>` properties become request headers (Iceberg's REST client convention).
    const headers = { ...(options.headers ?? {}) };
    for (const [key, value] of Object.entries(properties)) {
      if (key.startsWith('header.')) headers[key.slice('header.'.length)] = value;
    }
    const http = new RestHttpClient({ ...base, headers });
    http.serverDedupesMutations = config.idempotencyKeyLifetime !== undefined;
    return new RestCatalog(options.name ?? 'rest', http, config, properties);
  }

  async listNamespaces(parent?: readonly string[]): Promise<string[][]> {
    const parentParam = parent && parent.length > 0 ? this.#paths.joinNamespace(parent) : undefined;
    return this.#paginate((pageToken) =>
      this.#http
        .call({
          operation: 'list-namespaces',
          method: 'GET',
          path: this.#paths.namespaces(),
          query: { parent: parentParam, pageToken },
          context: parent ? { namespace: parent.join('.') } : {},
        })
        .then((r) => parseListNamespacesResponse(r.json)),
    );
  }

  async createNamespace(
    namespace: readonly string[],
    properties: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    this.#paths.joinNamespace(namespace);
    await this.#http.call({
      operation: 'create-namespace',
      method: 'POST',
      path: this.#paths.namespaces(),
      body: createNamespaceRequest(namespace, properties),
      context: { namespace: namespace.join('.') },
    });
  }

  async namespaceExists(namespace: readonly string[]): Promise<boolean> {
    const head = supportsEndpoint(this.#config, HEAD_NAMESPACE);
    try {
      await this.#http.call({
        operation: 'namespace-exists',
        method: head ? 'HEAD' : 'GET',
        path: this.#paths.namespace(namespace),
        context: { namespace: namespace.join('.') },
      });
      return true;
    } catch (error) {
      if (error instanceof NoSuchNamespaceError) return false;
      throw error;
    }
  }

  async dropNamespace(namespace: readonly string[]): Promise<void> {
    await this.#http.call({
      operation: 'drop-namespace',
      method: 'DELETE',
      path: this.#paths.namespace(namespace),
      context: { namespace: namespace.join('.') },
    });
  }

  async listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    return this.#paginate((pageToken) =>
      this.#http
        .call({
          operation: 'list-tables',
          method: 'GET',
          path: this.#paths.tables(namespace),
          query: { pageToken },
          context: { namespace: namespace.join('.') },
        })
        .then((r) => parseListTablesResponse(r.json)),
    );
  }

  async createTable(identifier: TableIdentifier, args: CreateTableArgs): Promise<LoadedTable> {
    // refused before sending: the server would create a table floe then cannot write
    const formatVersion = requestedFormatVersion(args.properties, formatTableIdentifier(identifier));
    if (formatVersion !== undefined)
      assertWritableFormatVersion({ formatVersion }, formatTableIdentifier(identifier));
    const response = await this.#http.call({
      operation: 'create-table',
      method: 'POST',
      path: this.#paths.tables(identifier.namespace),
      body: createTableRequest(identifier.name, args),
      context: { table: formatTableIdentifier(identifier) },
    });
    return this.#loaded(identifier, parseLoadTableResult(response.json, 'create table'), true);
  }

  async loadTable(identifier: TableIdentifier): Promise<LoadedTable> {
    const response = await this.#http.call({
      operation: 'load-table',
      method: 'GET',
      path: this.#paths.table(identifier),
      query: { snapshots: 'all' },
      context: { table: formatTableIdentifier(identifier) },
    });
    return this.#loaded(identifier, parseLoadTableResult(response.json, 'load table'), true);
  }

  async tableExists(identifier: TableIdentifier): Promise<boolean> {
    const head = supportsEndpoint(this.#config, HEAD_TABLE);
    try {
      await this.#http.call({
        operation: 'table-exists',
        method: head ? 'HEAD' : 'GET',
        path: this.#paths.table(identifier),
        context: { table: formatTableIdentifier(identifier) },
      });
      return true;
    } catch (error) {
      if (error instanceof NoSuchTableError || error instanceof NoSuchNamespaceError) return false;
      throw error;
    }
  }

  async commitTable(
    identifier: TableIdentifier,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable> {
    const response = await this.#http.call({
      operation: 'commit-table',
      method: 'POST',
      path: this.#paths.table(identifier),
      body: commitTableRequest(identifier, requirements, updates),
      context: { table: formatTableIdentifier(identifier) },
    });
    try {
      return this.#loaded(identifier, parseLoadTableResult(response.json, 'commit table'), false);
    } catch (error) {
      throw mapUnreadableReply('commit-table', response.status, error, {
        table: formatTableIdentifier(identifier),
      });
    }
  }

  async supportsMultiTableCommit(): Promise<boolean> {
    // Only when advertised. The spec's default endpoint list (no `endpoints` sent)
    // includes it, but such servers predate the list and may not implement it.
    return this.#config.endpoints?.has(COMMIT_TRANSACTION_ENDPOINT) === true;
  }

  /**
   * POST /v1/{prefix}/transactions/commit, then a load of every table (the
   * route answers 204 with no body), checked for the snapshots the commit added.
   * Atomic only as far as the server makes it (see rest-transaction.ts).
   */
  async commitTables(commits: readonly TableCommit[]): Promise<LoadedTable[]> {
    if (!(await this.supportsMultiTableCommit())) {
      throw new UnsupportedError(
        `REST catalog ${this.name} does not advertise ${COMMIT_TRANSACTION_ENDPOINT}; commit the tables one by one`,
        { catalog: this.name },
      );
    }
    assertDistinctTables(commits, `REST catalog ${this.name}`);
    if (commits.length === 0) return [];
    const names = commits.map((c) => formatTableIdentifier(c.identifier)).join(', ');
    await this.#http.call({
      operation: 'commit-transaction',
      method: 'POST',
      path: this.#paths.commitTransaction(),
      body: commitTransactionRequest(commits),
      context: { table: names },
    });
    const loaded: LoadedTable[] = [];
    for (const { identifier } of commits) {
      try {
        loaded.push(await this.loadTable(identifier));
      } catch (error) {
        // the commit happened; only its result is missing, which a reload recovers
        throw new CommitStateUnknownError(
          `REST catalog ${this.name} committed ${names} but reloading ${formatTableIdentifier(identifier)} failed; reload the tables`,
          { catalog: this.name, table: formatTableIdentifier(identifier) },
          { cause: error },
        );
      }
    }
    assertTransactionApplied(this.name, commits, loaded);
    return loaded;
  }

  async dropTable(identifier: TableIdentifier, options: DropTableOptions = {}): Promise<void> {
    await this.#http.call({
      operation: 'drop-table',
      method: 'DELETE',
      path: this.#paths.table(identifier),
      query: { purgeRequested: String(options.purge ?? false) },
      context: { table: formatTableIdentifier(identifier) },
    });
    this.#tableConfigs.delete(this.#key(identifier));
  }

  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    await this.#http.call({
      operation: 'rename-table',
      method: 'POST',
      path: this.#paths.renameTable(),
      body: renameTableRequest(from, to),
      context: { table: formatTableIdentifier(from) },
    });
    this.#tableConfigs.delete(this.#key(from));
  }

  async close(): Promise<void> {
    this.#tableConfigs.clear();
  }

  #loaded(identifier: TableIdentifier, result: LoadTableResult, hasConfig: boolean): LoadedTable {
    const key = this.#key(identifier);
    if (hasConfig) this.#tableConfigs.set(key, result.config);
    return {
      identifier: { namespace: [...identifier.namespace], name: identifier.name },
      metadataLocation: result.metadataLocation,
      metadata: result.metadata,
      config: this.#tableConfigs.get(key) ?? {},
    };
  }

  #key(identifier: TableIdentifier): string {
    return this.#paths.table(identifier);
  }

  async #paginate<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
    const all: T[] = [];
    let pageToken: string | undefined;
    do {
      const page = await fetchPage(pageToken);
      all.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return all;
  }
}
