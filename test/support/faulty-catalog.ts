// A Catalog decorator that injects commit faults, to test the snapshot
// producer's conflict and unknown-outcome paths against a real catalog.
import type {
  Catalog,
  CreateTableArgs,
  DropTableOptions,
  LoadedTable,
  TableCommit,
  TableIdentifier,
} from '../../src/catalog/catalog.ts';
import { CommitStateUnknownError } from '../../src/errors.ts';
import type { TableRequirement, TableUpdate } from '../../src/iceberg/table-update.ts';

export type CommitFault =
  /** The commit happens, then the answer is lost. */
  | 'lost-after-commit'
  /** The request never reaches the catalog, and the caller cannot tell. */
  | 'lost-before-commit'
  /** Another writer commits first (runs the callback before forwarding). */
  | { readonly before: () => Promise<void> };

export class FaultyCatalog implements Catalog {
  readonly name: string;
  readonly #inner: Catalog;
  readonly faults: CommitFault[] = [];
  commits = 0;
  /** Every commit attempt that reached the inner catalog. */
  forwarded = 0;

  constructor(inner: Catalog) {
    this.#inner = inner;
    this.name = inner.name;
  }

  commitTable(
    id: TableIdentifier,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable> {
    return this.#withFault(() => this.#inner.commitTable(id, requirements, updates));
  }

  /** A multi-table commit counts as one commit and takes one fault, like a single table's. */
  commitTables(commits: readonly TableCommit[]): Promise<LoadedTable[]> {
    return this.#withFault(() => this.#inner.commitTables(commits));
  }

  supportsMultiTableCommit() {
    return this.#inner.supportsMultiTableCommit();
  }

  async #withFault<T>(commit: () => Promise<T>): Promise<T> {
    this.commits++;
    const fault = this.faults.shift();
    if (fault === 'lost-before-commit')
      throw new CommitStateUnknownError('injected: connection reset before the commit');
    if (typeof fault === 'object') await fault.before();
    this.forwarded++;
    const result = await commit();
    if (fault === 'lost-after-commit')
      throw new CommitStateUnknownError('injected: answer lost after the commit');
    return result;
  }

  listNamespaces(parent?: readonly string[]) {
    return this.#inner.listNamespaces(parent);
  }
  createNamespace(ns: readonly string[], props?: Readonly<Record<string, string>>) {
    return this.#inner.createNamespace(ns, props);
  }
  namespaceExists(ns: readonly string[]) {
    return this.#inner.namespaceExists(ns);
  }
  dropNamespace(ns: readonly string[]) {
    return this.#inner.dropNamespace(ns);
  }
  listTables(ns: readonly string[]) {
    return this.#inner.listTables(ns);
  }
  createTable(id: TableIdentifier, args: CreateTableArgs) {
    return this.#inner.createTable(id, args);
  }
  loadTable(id: TableIdentifier) {
    return this.#inner.loadTable(id);
  }
  tableExists(id: TableIdentifier) {
    return this.#inner.tableExists(id);
  }
  dropTable(id: TableIdentifier, options?: DropTableOptions) {
    return this.#inner.dropTable(id, options);
  }
  close() {
    return this.#inner.close();
  }
}
