// The catalog one simulated actor sees: the shared SQL catalog behind a
// scheduling point and a seeded fault at every call (conflict, unknown outcome
// that did or did not land, transient failure, crash before or after).
import type {
  Catalog,
  CreateTableArgs,
  DropTableOptions,
  LoadedTable,
  TableCommit,
  TableIdentifier,
} from '../../src/catalog/catalog.ts';
import { UnsupportedError } from '../../src/errors.ts';
import type { TableRequirement, TableUpdate } from '../../src/iceberg/table-update.ts';
import type { CallKind, FaultPlan } from './fault-plan.ts';
import { atFaultPoint } from './fault-point.ts';
import type { SimWorld } from './sim-world.ts';

/** Bumped whenever a table may have changed, so the invariants know when to look again. */
export interface CatalogWatch {
  version: number;
}

const name = (id: TableIdentifier) => [...id.namespace, id.name].join('.');

/** A catalog that may lack commitTables (older checkouts). */
type MaybeMultiTable = Catalog & Partial<Pick<Catalog, 'commitTables' | 'supportsMultiTableCommit'>>;

export class SimCatalog implements Catalog {
  readonly name: string;
  readonly #inner: MaybeMultiTable;
  readonly #actor: string;
  readonly #world: SimWorld;
  readonly #faults: FaultPlan;
  readonly #watch: CatalogWatch;

  /** False plays a catalog without atomic multi-table commits (REST without the transactions endpoint). */
  readonly #multiTable: boolean;

  constructor(
    inner: Catalog,
    actor: string,
    world: SimWorld,
    faults: FaultPlan,
    watch: CatalogWatch,
    multiTable = true,
  ) {
    this.name = inner.name;
    this.#multiTable = multiTable;
    this.#inner = inner;
    this.#actor = actor;
    this.#world = world;
    this.#faults = faults;
    this.#watch = watch;
  }

  #call<T>(label: string, kind: CallKind, run: () => Promise<T>): Promise<T> {
    const bump = kind === 'read' ? undefined : () => this.#watch.version++;
    return atFaultPoint(
      { world: this.#world, actor: this.#actor, faults: this.#faults },
      label,
      kind,
      run,
      bump,
    );
  }

  listNamespaces(parent?: readonly string[]): Promise<string[][]> {
    return this.#call('cat.listNamespaces', 'read', () => this.#inner.listNamespaces(parent));
  }

  createNamespace(
    namespace: readonly string[],
    properties?: Readonly<Record<string, string>>,
  ): Promise<void> {
    return this.#call(`cat.createNamespace(${namespace.join('.')})`, 'write', () =>
      this.#inner.createNamespace(namespace, properties),
    );
  }

  namespaceExists(namespace: readonly string[]): Promise<boolean> {
    return this.#call(`cat.namespaceExists(${namespace.join('.')})`, 'read', () =>
      this.#inner.namespaceExists(namespace),
    );
  }

  dropNamespace(namespace: readonly string[]): Promise<void> {
    return this.#call(`cat.dropNamespace(${namespace.join('.')})`, 'write', () =>
      this.#inner.dropNamespace(namespace),
    );
  }

  listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    return this.#call(`cat.listTables(${namespace.join('.')})`, 'read', () =>
      this.#inner.listTables(namespace),
    );
  }

  createTable(id: TableIdentifier, args: CreateTableArgs): Promise<LoadedTable> {
    return this.#call(`cat.createTable(${name(id)})`, 'write', () => this.#inner.createTable(id, args));
  }

  loadTable(id: TableIdentifier): Promise<LoadedTable> {
    return this.#call(`cat.loadTable(${name(id)})`, 'read', () => this.#inner.loadTable(id));
  }

  tableExists(id: TableIdentifier): Promise<boolean> {
    return this.#call(`cat.tableExists(${name(id)})`, 'read', () => this.#inner.tableExists(id));
  }

  commitTable(
    id: TableIdentifier,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable> {
    return this.#call(`cat.commitTable(${name(id)})`, 'commit', () =>
      this.#inner.commitTable(id, requirements, updates),
    );
  }

  async supportsMultiTableCommit(): Promise<boolean> {
    return this.#multiTable && ((await this.#inner.supportsMultiTableCommit?.()) ?? false);
  }

  commitTables(commits: readonly TableCommit[]): Promise<LoadedTable[]> {
    const inner = this.#multiTable ? this.#inner.commitTables?.bind(this.#inner) : undefined;
    if (inner === undefined) return Promise.reject(new UnsupportedError('this catalog has no commitTables'));
    return this.#call(`cat.commitTables(${commits.map((c) => name(c.identifier)).join(',')})`, 'commit', () =>
      inner(commits),
    );
  }

  dropTable(id: TableIdentifier, options?: DropTableOptions): Promise<void> {
    return this.#call(`cat.dropTable(${name(id)})`, 'write', () => this.#inner.dropTable(id, options));
  }

  async close(): Promise<void> {}
}
