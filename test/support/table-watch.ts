// Waits until a table holds an expected number of records, through floe's own
// catalog client (the final check is always PyIceberg's).

import type { Catalog } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import { testFileIO } from './io.ts';
import type { ReaderCatalog } from './reader.ts';
import { services } from './services.ts';
import type { CatalogChoice, WorkerSetup } from './worker-process.ts';

export async function openCatalog(choice: CatalogChoice, setup: WorkerSetup): Promise<Catalog> {
  if (choice === 'rest')
    return RestCatalog.connect({ uri: services.restUri, warehouse: `s3://${services.s3.bucket}/rest` });
  return openSqlCatalog({
    name: 'floe_it',
    uri: `${setup.dataDir}/catalog.db`,
    warehouse: `file://${setup.dataDir}/warehouse`,
    io: testFileIO(),
  });
}

export function readerCatalog(choice: CatalogChoice, setup: WorkerSetup): ReaderCatalog {
  return choice === 'rest'
    ? { kind: 'rest' }
    : {
        kind: 'sql',
        uri: `sqlite:///${setup.dataDir}/catalog.db`,
        warehouse: `file://${setup.dataDir}/warehouse`,
        name: 'floe_it',
      };
}

export async function tableRecordCount(catalog: Catalog, table: string): Promise<number> {
  try {
    const { metadata } = await catalog.loadTable(parseTableIdentifier(table));
    return Number(branchHead(metadata, 'main')?.summary['total-records'] ?? 0);
  } catch {
    return 0;
  }
}

export async function waitForRecords(
  catalog: Catalog,
  table: string,
  expected: number,
  options: { timeoutMs?: number; failFast?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let count = 0;
  while (Date.now() < deadline) {
    count = await tableRecordCount(catalog, table);
    if (count >= expected) return;
    const failure = options.failFast?.();
    if (failure) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${table} holds ${count} records after waiting; expected ${expected}`);
}
