// What a run has committed so far, read from the catalog the way any reader
// would: the table's current metadata (snapshots, offsets in the summaries).
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import type { TableMetadata } from '../../src/iceberg/table-metadata.ts';
import { ancestors, branchHead } from '../../src/iceberg/table-metadata.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import type { BenchServices } from './bench-services.ts';

export type Storage = 'local' | 's3';

export interface TableProgress {
  readonly metadata: TableMetadata;
  /** Snapshots on main, i.e. commits (the table starts empty). */
  readonly commits: number;
  readonly dataFiles: number;
  readonly dataBytes: number;
  readonly records: number;
}

/** The local run's SQLite catalog lives in the worker's data folder. */
export function localCatalogPaths(dataDir: string): { uri: string; warehouse: string } {
  return { uri: `sqlite:///${dataDir}/catalog.db`, warehouse: `file://${dataDir}/warehouse` };
}

export async function openBenchCatalog(
  storage: Storage,
  services: BenchServices,
  dataDir: string,
): Promise<Catalog> {
  if (storage === 's3')
    return RestCatalog.connect({ uri: services.restUri, warehouse: services.restWarehouse });
  return openSqlCatalog({ name: 'floe_bench', ...localCatalogPaths(dataDir), io: new LocalFileIO() });
}

/** Undefined while the table does not exist yet. */
export async function readTableProgress(
  catalog: Catalog,
  id: TableIdentifier,
): Promise<TableProgress | undefined> {
  let metadata: TableMetadata;
  try {
    metadata = (await catalog.loadTable(id)).metadata;
  } catch {
    return undefined;
  }
  const head = branchHead(metadata, 'main');
  const summary = head?.summary ?? {};
  return {
    metadata,
    commits: head ? ancestors(metadata, head.snapshotId).length : 0,
    dataFiles: Number(summary['total-data-files'] ?? 0),
    dataBytes: Number(summary['total-files-size'] ?? 0),
    records: Number(summary['total-records'] ?? 0),
  };
}
