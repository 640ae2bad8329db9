// Multi-table commits over REST (spec: POST /v1/{prefix}/transactions/commit,
// CommitTransactionRequest). The route answers 204 without the tables, so the
// client reloads them; and since a server may apply a transaction table by
// table, the reload is checked against what was sent.
//
// Iceberg's reference server (RESTCatalogAdapter.commitTransaction, 1.10)
// validates every table first and then commits them one at a time. When another
// writer changes a table in between, that table's compare-and-swap fails, the
// retry finds nothing left to apply ("Nothing to commit") and the server still
// answers 204: the other tables changed, that one did not.
import { CommitStateUnknownError } from '../../errors.ts';
import type { LoadedTable, TableCommit } from '../catalog.ts';
import { formatTableIdentifier } from '../table-identifier.ts';

export const COMMIT_TRANSACTION_ENDPOINT = 'POST /v1/{prefix}/transactions/commit';

/**
 * Throws CommitStateUnknownError when a reloaded table lacks a snapshot its
 * commit added: the server reported success but applied only part of the
 * transaction, so the caller must reload and reconcile every table.
 */
export function assertTransactionApplied(
  catalogName: string,
  commits: readonly TableCommit[],
  loaded: readonly LoadedTable[],
): void {
  commits.forEach((commit, i) => {
    const table = loaded[i] as LoadedTable;
    const present = new Set(table.metadata.snapshots.map((s) => s.snapshotId));
    for (const update of commit.updates) {
      if (update.action !== 'add-snapshot' || present.has(update.snapshot.snapshotId)) continue;
      const name = formatTableIdentifier(commit.identifier);
      throw new CommitStateUnknownError(
        `REST catalog ${catalogName} accepted the multi-table commit (HTTP 204) but table ${name} lacks ` +
          `its snapshot ${update.snapshot.snapshotId}: the server applied the transaction only in part; ` +
          'reload every table of the commit',
        { catalog: catalogName, table: name, snapshotId: update.snapshot.snapshotId },
      );
    }
  });
}
