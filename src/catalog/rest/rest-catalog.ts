// Catalog over the Iceberg REST catalog API (spec: open-api/rest-catalog-open-api.yaml).
// connect() does the GET /v1/config handshake; every route then lives under the
// server's `prefix`. Commits are sent once: on an uncertain outcome the caller
// gets CommitStateUnknownError and reconciles by reloading the table.
import { NoSuchNamespaceError, NoSuchTableError } from '../../errors.ts';
import type { TableRequirement, TableUpdate } from '../../iceberg/table-update.ts';
import type { RetryPolicy } from '../../io/retry.ts';
import type { Logger } from '../../log.ts';
import type { Catalog, CreateTableArgs, DropTableOptions, LoadedTable, TableIdentifier } from '../catalog.ts';
import { formatTableIdentifier } from '../table-identifier.ts';
import { NO_AUTH, type RestAuth, StaticTokenAuth } from './rest-auth.ts';
import {
  type CatalogConfigResponse,
  mergeCatalogProperties,
  namespaceSeparator,
  parseCatalogConfig,
  supportsEndpoint,
} from './rest-config.ts';
import { RestHttpClient, type RestHttpClientOptions } from './rest-http-client.ts';
import {
  commitTableRequest,
  createNamespaceRequest,
  createTableRequest,
  type LoadTableResult,
  type Page,
  parseListNamespacesResponse,
  parseListTablesResponse,
  parseLoadTableResult,
  renameTableRequest,
} from './rest-messages.ts';
import { OAuth2ClientCredentialsAuth } from './rest-oauth2.ts';
import { RestPaths } from './rest-paths.ts';

export interface RestCatalogOptions {
  readonly name?: string;
  /** Base URI of the catalog service, e.g. http://localhost:8181 (routes start at `v1/`). */
  readonly uri: string;
  /** Sent as the `warehouse` parameter of GET /v1/config. */
  readonly warehouse?: string;
  /** A fixed bearer token. */
  readonly token?: string;
  /** OAuth2 client credentials as `client_id:client_secret`. */
  readonly credential?: string;
  /** Token endpoint; defaults to the catalog's deprecated `v1/oauth/tokens` route. */
  readonly oauth2ServerUri?: string;
  readonly scope?: string;
  /** Client-side catalog properties, merged between the server's defaults and overrides. */
  readonly properties?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly newIdempotencyKey?: () => string;
  readonly logger?: Logger;
}

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
    const auth = restAuth(options);
    const base: RestHttpClientOptions = {
      uri: options.uri,
      auth,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.newIdempotencyKey ? { newIdempotencyKey: options.newIdempotencyKey } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    };
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
    return this.#loaded(identifier, parseLoadTableResult(response.json, 'commit table'), false);
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

function restAuth(options: RestCatalogOptions): RestAuth {
  if (options.token) return new StaticTokenAuth(options.token);
  if (options.credential) {
    const colon = options.credential.indexOf(':');
    const clientId = colon < 0 ? '' : options.credential.slice(0, colon);
    const clientSecret = colon < 0 ? options.credential : options.credential.slice(colon + 1);
    const base = options.uri.endsWith('/') ? options.uri : `${options.uri}/`;
    return new OAuth2ClientCredentialsAuth({
      tokenUri:
        options.oauth2ServerUri ??
        options.properties?.['oauth2-server-uri'] ??
        new URL('v1/oauth/tokens', base).toString(),
      clientId,
      clientSecret,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
  }
  return NO_AUTH;
}
