// The errors a SQL catalog throws, each naming the catalog and the table or
// namespace, and the one that wraps a failure of unknown outcome.
import {
  AlreadyExistsError,
  CommitConflictError,
  CommitStateUnknownError,
  NoSuchNamespaceError,
  NoSuchTableError,
} from '../../errors.ts';
import type { TableIdentifier } from '../catalog.ts';
import { formatTableIdentifier } from '../table-identifier.ts';

export class SqlCatalogErrors {
  readonly #catalog: string;

  constructor(catalogName: string) {
    this.#catalog = catalogName;
  }

  /** `db.events (SQL catalog <name>)`, for messages. */
  describe(identifier: TableIdentifier): string {
    return `${formatTableIdentifier(identifier)} (SQL catalog ${this.#catalog})`;
  }

  context(identifier: TableIdentifier): Record<string, string> {
    return { catalog: this.#catalog, table: formatTableIdentifier(identifier) };
  }

  noSuchTable(identifier: TableIdentifier, why = 'does not exist'): NoSuchTableError {
    return new NoSuchTableError(`table ${this.describe(identifier)} ${why}`, this.context(identifier));
  }

  tableExists(identifier: TableIdentifier, cause?: unknown): AlreadyExistsError {
    return new AlreadyExistsError(
      `table ${this.describe(identifier)} already exists`,
      this.context(identifier),
      {
        cause,
      },
    );
  }

  noSuchNamespace(namespace: readonly string[]): NoSuchNamespaceError {
    return new NoSuchNamespaceError(
      `namespace ${namespace.join('.')} of SQL catalog ${this.#catalog} does not exist`,
      { catalog: this.#catalog, namespace: namespace.join('.') },
    );
  }

  namespaceExists(namespace: readonly string[], cause?: unknown): AlreadyExistsError {
    return new AlreadyExistsError(
      `namespace ${namespace.join('.')} of SQL catalog ${this.#catalog} already exists`,
      { catalog: this.#catalog, namespace: namespace.join('.') },
      { cause },
    );
  }

  /** The compare-and-swap of metadata_location found another file there. */
  swapMissed(identifier: TableIdentifier, baseLocation: string): CommitConflictError {
    return new CommitConflictError(
      `table ${this.describe(identifier)} was changed by another commit since ${baseLocation} was read`,
      { ...this.context(identifier), baseMetadataLocation: baseLocation },
    );
  }

  /** The database may have committed: the metadata files stay, the caller reloads. */
  outcomeUnknown(
    identifiers: readonly TableIdentifier[],
    what: string,
    cause: unknown,
    metadataLocation?: string,
  ): CommitStateUnknownError {
    const tables = identifiers.map(formatTableIdentifier).join(', ');
    return new CommitStateUnknownError(
      `${what} of ${tables} (SQL catalog ${this.#catalog}) may or may not have happened; reload the table`,
      {
        catalog: this.#catalog,
        table: tables,
        ...(metadataLocation !== undefined ? { metadataLocation } : {}),
      },
      { cause },
    );
  }
}
