// The catalog contract: where a table's current metadata file is, and the one
// atomic operation that moves it (commitTable). REST and SQL catalogs implement it.
import type { PartitionSpec } from '../iceberg/partition-spec.ts';
import type { SortOrder } from '../iceberg/sort-order.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import type { TableRequirement, TableUpdate } from '../iceberg/table-update.ts';
import type { Schema } from '../iceberg/types.ts';

export interface TableIdentifier {
  readonly namespace: readonly string[];
  readonly name: string;
}

export interface LoadedTable {
  readonly identifier: TableIdentifier;
  readonly metadataLocation: string;
  readonly metadata: TableMetadata;
  /** Per-table configuration the catalog hands out (e.g. FileIO properties); may be empty. */
  readonly config: Readonly<Record<string, string>>;
}

export interface CreateTableArgs {
  readonly schema: Schema;
  readonly spec?: PartitionSpec;
  readonly sortOrder?: SortOrder;
  /** Table location; the catalog picks one under its warehouse when absent. */
  readonly location?: string;
  readonly properties?: Readonly<Record<string, string>>;
}

/** One table's part of a multi-table commit. */
export interface TableCommit {
  readonly identifier: TableIdentifier;
  readonly requirements: readonly TableRequirement[];
  readonly updates: readonly TableUpdate[];
}

export interface DropTableOptions {
  /** Ask the catalog to delete the table's data and metadata files too. */
  readonly purge?: boolean;
}

/**
 * Errors: NoSuchNamespaceError, NoSuchTableError, AlreadyExistsError,
 * NamespaceNotEmptyError; commitTable throws CommitConflictError when a
 * requirement no longer holds (the table is unchanged) and
 * CommitStateUnknownError when the commit may or may not have happened (the
 * caller must reload and reconcile; never delete the commit's files).
 */
export interface Catalog {
  readonly name: string;
  /** Namespaces directly under `parent` (top level when absent), each as its full path of levels. */
  listNamespaces(parent?: readonly string[]): Promise<string[][]>;
  createNamespace(namespace: readonly string[], properties?: Readonly<Record<string, string>>): Promise<void>;
  namespaceExists(namespace: readonly string[]): Promise<boolean>;
  /** Fails with NamespaceNotEmptyError while the namespace holds tables or namespaces. */
  dropNamespace(namespace: readonly string[]): Promise<void>;
  listTables(namespace: readonly string[]): Promise<TableIdentifier[]>;
  createTable(identifier: TableIdentifier, args: CreateTableArgs): Promise<LoadedTable>;
  loadTable(identifier: TableIdentifier): Promise<LoadedTable>;
  tableExists(identifier: TableIdentifier): Promise<boolean>;
  /** Atomically: check every requirement against the current table, apply the updates, publish. */
  commitTable(
    identifier: TableIdentifier,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable>;
  /**
   * Whether commitTables is atomic across tables here: the SQL catalog always
   * (one database transaction); REST when the server advertises
   * `POST /v1/{prefix}/transactions/commit` in `GET /v1/config`. REST is atomic
   * only as far as the server makes it: Iceberg's reference server commits the
   * tables one by one (see rest/rest-transaction.ts).
   */
  supportsMultiTableCommit(): Promise<boolean>;
  /**
   * Atomically for all tables: every requirement holds and every update applies,
   * or nothing changes. A requirement that fails on any table throws
   * CommitConflictError (no table changed); CommitStateUnknownError as for
   * commitTable. Results in the order of `commits`. Throws UnsupportedError
   * where supportsMultiTableCommit() is false.
   */
  commitTables(commits: readonly TableCommit[]): Promise<LoadedTable[]>;
  dropTable(identifier: TableIdentifier, options?: DropTableOptions): Promise<void>;
  close(): Promise<void>;
}
