// How a SQL catalog publishes tables and commits. A new table: its first
// metadata file, then an INSERT of its row. One table: write its next metadata file,
// then compare-and-swap metadata_location in one autocommit UPDATE. Several
// tables: the same steps for every table inside one database transaction, so
// every swap lands or none does. Failures say which way they went:
// - a requirement or swap that fails: CommitConflictError, files deleted;
// - the database may have committed: CommitStateUnknownError, files kept;
// - anything else (busy included) leaves the tables unchanged, files deleted.
import { randomUUID } from 'node:crypto';
import { crashPoint } from '../../crash-points.ts';
import { assertWritableFormatVersion } from '../../iceberg/format-version.ts';
import type { TableMetadata } from '../../iceberg/table-metadata.ts';
import type { TableRequirement, TableUpdate } from '../../iceberg/table-update.ts';
import type { TableCommit, TableIdentifier } from '../catalog.ts';
import { metadataFileLocation } from './metadata-files.ts';
import type { SqlCatalogErrors } from './sql-catalog-errors.ts';
import type { SqlCatalogRows } from './sql-catalog-rows.ts';
import { type SqlDriver, sqlFailureOf } from './sql-driver.ts';
import { namespaceToSql } from './sql-namespace.ts';
import type { PreparedCommit, SqlTableCommit, UnchangedCommit } from './sql-table-commit.ts';

export interface Published {
  readonly metadataLocation: string;
  readonly metadata: TableMetadata;
}

export class SqlCommits {
  readonly #driver: SqlDriver;
  readonly #step: SqlTableCommit;
  readonly #errors: SqlCatalogErrors;

  constructor(driver: SqlDriver, step: SqlTableCommit, errors: SqlCatalogErrors) {
    this.#driver = driver;
    this.#step = step;
    this.#errors = errors;
  }

  /** A new table: version 0 of its metadata, then its row; the file goes again if the insert fails. */
  async createTable(
    rows: SqlCatalogRows,
    identifier: TableIdentifier,
    metadata: TableMetadata,
  ): Promise<Published> {
    // a create-table, or a staged create's commit: never make a table floe cannot write
    assertWritableFormatVersion(metadata, this.#errors.describe(identifier));
    const location = metadataFileLocation(metadata, 0, randomUUID());
    await this.#step.writeMetadata(location, metadata);
    try {
      await rows.insertTable(namespaceToSql(identifier.namespace), identifier.name, location);
    } catch (error) {
      const failure = sqlFailureOf(error);
      if (failure === 'outcome-unknown') {
        throw this.#errors.outcomeUnknown([identifier], 'creating', error, location);
      }
      await this.#step.deleteOrphan(location);
      if (failure === 'unique-violation') throw this.#errors.tableExists(identifier, error);
      throw error;
    }
    return { metadataLocation: location, metadata };
  }

  /** One table whose row points at `baseLocation`. */
  async commitTable(
    rows: SqlCatalogRows,
    identifier: TableIdentifier,
    baseLocation: string,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<Published> {
    const commit = await this.#step.prepare(
      this.#errors.describe(identifier),
      this.#errors.context(identifier),
      baseLocation,
      requirements,
      updates,
    );
    if (commit.kind === 'unchanged') return { metadataLocation: baseLocation, metadata: commit.metadata };
    let changed: number;
    try {
      const namespace = namespaceToSql(identifier.namespace);
      changed = await rows.swapMetadataLocation(namespace, identifier.name, baseLocation, commit.location);
    } catch (error) {
      if (sqlFailureOf(error) === 'outcome-unknown') {
        throw this.#errors.outcomeUnknown([identifier], 'commit', error, commit.location);
      }
      await this.#step.discard([commit]);
      throw error;
    }
    if (changed === 0) {
      await this.#step.discard([commit]);
      throw this.#errors.swapMissed(identifier, baseLocation);
    }
    await this.#step.published(commit);
    return { metadataLocation: commit.location, metadata: commit.metadata };
  }

  /**
   * Every table in one transaction, in a fixed order (so that two transactions
   * on the same tables cannot deadlock); results in the order of `commits`.
   */
  async commitTables(rows: SqlCatalogRows, commits: readonly TableCommit[]): Promise<Published[]> {
    const prepared = new Map<number, PreparedCommit | UnchangedCommit>();
    try {
      await this.#driver.transaction(async (tx) => {
        let swapped = 0;
        for (const index of lockOrder(commits)) {
          const { identifier, requirements, updates } = commits[index] as TableCommit;
          const namespace = namespaceToSql(identifier.namespace);
          const row = await rows.table(namespace, identifier.name, tx, true);
          if (row === undefined) throw this.#errors.noSuchTable(identifier);
          if (row.metadataLocation === null)
            throw this.#errors.noSuchTable(identifier, 'has no metadata_location');
          const base = row.metadataLocation;
          const commit = await this.#step.prepare(
            this.#errors.describe(identifier),
            this.#errors.context(identifier),
            base,
            requirements,
            updates,
          );
          prepared.set(index, commit);
          if (commit.kind === 'unchanged') continue;
          // a crash here must leave every table as it was: the transaction never commits
          if (swapped > 0) crashPoint('between-table-commits');
          const changed = await rows.swapMetadataLocation(
            namespace,
            identifier.name,
            base,
            commit.location,
            tx,
          );
          if (changed === 0) throw this.#errors.swapMissed(identifier, base);
          swapped++;
        }
      });
    } catch (error) {
      if (sqlFailureOf(error) === 'outcome-unknown') {
        const identifiers = commits.map((c) => c.identifier);
        throw this.#errors.outcomeUnknown(identifiers, 'multi-table commit', error);
      }
      await this.#step.discard(prepared.values());
      throw error;
    }
    const published: Published[] = [];
    for (const [index] of commits.entries()) {
      const commit = prepared.get(index) as PreparedCommit | UnchangedCommit;
      await this.#step.published(commit);
      published.push({
        metadataLocation: commit.kind === 'prepared' ? commit.location : commit.baseLocation,
        metadata: commit.metadata,
      });
    }
    return published;
  }
}

/** Indexes of `commits` sorted by namespace, then table name. */
function lockOrder(commits: readonly TableCommit[]): number[] {
  const key = (c: TableCommit) => JSON.stringify([c.identifier.namespace, c.identifier.name]);
  return commits
    .map((_, index) => index)
    .sort((a, b) => {
      const [ka, kb] = [key(commits[a] as TableCommit), key(commits[b] as TableCommit)];
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}
