// A table `db.t` (one optional long column `id`) in a fresh SQLite catalog with
// a local warehouse under a temp folder: the base of the in-process tests of
// commits and maintenance.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { primitive } from '../../src/iceberg/types.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';

export const TEMP_TABLE: TableIdentifier = { namespace: ['db'], name: 't' };

export interface TempSqlTable {
  readonly dir: string;
  readonly catalog: Catalog;
  readonly io: LocalFileIO;
  readonly id: TableIdentifier;
}

export async function tempSqlTable(properties: Record<string, string> = {}): Promise<TempSqlTable> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-table-'));
  const io = new LocalFileIO();
  const catalog = openSqlCatalog({
    name: 'c',
    uri: join(dir, 'catalog.db'),
    warehouse: `file://${dir}/wh`,
    io,
  });
  await catalog.createNamespace(TEMP_TABLE.namespace);
  await catalog.createTable(TEMP_TABLE, {
    schema: {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'id', required: false, type: primitive('long') }],
    },
    properties,
  });
  return { dir, catalog, io, id: TEMP_TABLE };
}
