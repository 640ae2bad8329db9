// Multi-table commits of the SQL catalog on SQLite and PostgreSQL: one
// transaction, so a failed requirement, a concurrent writer or a crash between
// two tables' row swaps (FLOE_CRASH_POINT=between-table-commits, in a child
// process killed -9) leaves every table as it was.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedTable, TableCommit, TableIdentifier } from '../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { SqlCatalog } from '../../src/catalog/sql/sql-catalog.ts';
import { type SqlDriver, sqlError } from '../../src/catalog/sql/sql-driver.ts';
import { SqliteDriver } from '../../src/catalog/sql/sqlite-driver.ts';
import { CommitConflictError, CommitStateUnknownError } from '../../src/errors.ts';
import type { Schema } from '../../src/iceberg/types.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { afterEachWrite } from '../support/hooked-file-io.ts';
import { services, uniqueName } from '../support/services.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [{ id: 1, name: 'id', required: true, type: { kind: 'long' } }],
};
const setProperty = (identifier: TableIdentifier, table: LoadedTable, key: string): TableCommit => ({
  identifier,
  requirements: [{ type: 'assert-table-uuid', uuid: table.metadata.tableUuid }],
  updates: [{ action: 'set-properties', updates: { [key]: 'yes' } }],
});
const metadataFiles = (table: LoadedTable): string[] =>
  readdirSync(join(table.metadata.location, 'metadata')).filter((f) => f.endsWith('.metadata.json'));

/** Runs commitTables on the two tables in a child process; `crash` arms the crash point. */
function commitInChild(
  uri: string,
  warehouse: string,
  name: string,
  tables: readonly TableIdentifier[],
  crash: boolean,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const script = `
    import { openSqlCatalog } from ${JSON.stringify(join(services.root, 'src/catalog/sql/open-sql-catalog.ts'))};
    import { LocalFileIO } from ${JSON.stringify(join(services.root, 'src/io/local-file-io.ts'))};
    const [uri, warehouse, name, tables] = process.argv.slice(1);
    const catalog = openSqlCatalog({ name, uri, warehouse, io: new LocalFileIO() });
    await catalog.commitTables(JSON.parse(tables).map((identifier) => ({
      identifier, requirements: [], updates: [{ action: 'set-properties', updates: { child: 'yes' } }],
    })));
    await catalog.close();`;
  const env = { ...process.env, FLOE_CRASH_POINT: crash ? 'between-table-commits:1' : '' };
  const args = ['--input-type=module', '-e', script, uri, warehouse, name, JSON.stringify(tables)];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env }, (error, _stdout, stderr) => {
      const failed = error as (Error & { code?: number; signal?: string }) | null;
      resolve({ code: failed ? (failed.code ?? null) : 0, signal: failed?.signal ?? null, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-sql-commits-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['SQLite', () => `sqlite:///${join(dir, 'sqlite', 'catalog.db')}`],
  ['PostgreSQL', () => services.postgresUrl],
])('SQL catalog multi-table commits on %s', (_engine, uri) => {
  const name = uniqueName('multi');
  const warehouse = () => join(dir, name);
  let catalog: SqlCatalog;
  let counter = 0;
  const twoTables = async (): Promise<[[TableIdentifier, LoadedTable], [TableIdentifier, LoadedTable]]> => {
    counter++;
    // names sort in this order: the commit handles a before b whatever order they are given in
    const create = async (name: string): Promise<[TableIdentifier, LoadedTable]> => {
      const id = { namespace: ['ns'], name };
      return [id, await catalog.createTable(id, { schema })];
    };
    return Promise.all([create(`a${counter}`), create(`b${counter}`)]);
  };

  beforeAll(async () => {
    catalog = openSqlCatalog({ name, uri: uri(), warehouse: warehouse(), io: new LocalFileIO() });
    await catalog.createNamespace(['ns']);
  });
  afterAll(async () => {
    for (const table of await catalog.listTables(['ns'])) await catalog.dropTable(table, { purge: true });
    await catalog.dropNamespace(['ns']);
    await catalog.close();
  });

  it('supports multi-table commits', async () => {
    expect(await catalog.supportsMultiTableCommit()).toBe(true);
  });

  it("a crash between two tables' row swaps leaves neither table changed; the same commit without the crash changes both", async () => {
    const [[a, baseA], [b, baseB]] = await twoTables();
    const crashed = await commitInChild(uri(), warehouse(), name, [b, a], true);
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stderr).toContain('crash point between-table-commits reached');
    const after = await Promise.all([catalog.loadTable(a), catalog.loadTable(b)]);
    expect(after.map((t) => t.metadataLocation)).toEqual([baseA.metadataLocation, baseB.metadataLocation]);
    expect(after.map((t) => t.metadata.properties.child)).toEqual([undefined, undefined]);
    // the crash left a's next metadata file behind, unpublished (orphan file cleanup takes it)
    expect(metadataFiles(baseA)).toHaveLength(2);

    const done = await commitInChild(uri(), warehouse(), name, [b, a], false);
    expect(done).toMatchObject({ code: 0, signal: null });
    const committed = await Promise.all([catalog.loadTable(a), catalog.loadTable(b)]);
    expect(committed.map((t) => t.metadata.properties.child)).toEqual(['yes', 'yes']);
  });

  it('a failed requirement on one table changes no table, names it, and deletes the files already written', async () => {
    const [[a, baseA], [b, baseB]] = await twoTables();
    const stale = {
      ...setProperty(b, baseB, 'x'),
      requirements: [{ type: 'assert-table-uuid', uuid: 'other' } as const],
    };
    const error = await catalog.commitTables([setProperty(a, baseA, 'x'), stale]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitConflictError);
    expect((error as CommitConflictError).message).toMatch(new RegExp(`table ns\\.${b.name} \\(SQL catalog`));
    expect((error as CommitConflictError).context.table).toBe(`ns.${b.name}`);
    expect((await catalog.loadTable(a)).metadataLocation).toBe(baseA.metadataLocation);
    expect(metadataFiles(baseA)).toHaveLength(1);
    expect(metadataFiles(baseB)).toHaveLength(1);
  });

  it('returns the tables in the order given, with the new metadata', async () => {
    const [[a, baseA], [b, baseB]] = await twoTables();
    const result = await catalog.commitTables([
      setProperty(b, baseB, 'k'),
      { identifier: a, requirements: [], updates: [] },
    ]);
    expect(result.map((t) => t.identifier)).toEqual([b, a]);
    expect(result[0]?.metadata.properties.k).toBe('yes');
    expect(result[0]?.metadata.metadataLog.map((e) => e.metadataFile)).toEqual([baseB.metadataLocation]);
    expect(result[1]?.metadataLocation).toBe(baseA.metadataLocation);
    expect((await catalog.loadTable(b)).metadataLocation).toBe(result[0]?.metadataLocation);
  });
});

describe('SQL catalog multi-table commits on PostgreSQL, with a concurrent writer', () => {
  const name = uniqueName('pg_concurrent');
  const warehouse = () => join(dir, name);

  it('a writer that commits to a table the transaction has not reached yet makes the whole transaction fail', async () => {
    const other = openSqlCatalog({
      name,
      uri: services.postgresUrl,
      warehouse: warehouse(),
      io: new LocalFileIO(),
    });
    await other.createNamespace(['ns']);
    const [a, b] = [
      { namespace: ['ns'], name: 'a' },
      { namespace: ['ns'], name: 'b' },
    ];
    const baseA = await other.createTable(a, { schema });
    await other.createTable(b, { schema });
    let interfered = false;
    // while the transaction writes a's next metadata file, b gets a new snapshot
    const io = afterEachWrite(new LocalFileIO(), async (path) => {
      if (interfered || !path.startsWith(baseA.metadata.location)) return;
      interfered = true;
      await other.commitTable(
        b,
        [],
        [
          {
            action: 'add-snapshot',
            snapshot: {
              snapshotId: 9n,
              sequenceNumber: 1,
              timestampMs: 1,
              manifestList: 'x',
              summary: { operation: 'append' },
            },
          },
          { action: 'set-snapshot-ref', refName: 'main', snapshotId: 9n, type: 'branch' },
        ],
      );
    });
    const catalog = openSqlCatalog({ name, uri: services.postgresUrl, warehouse: warehouse(), io });
    const onB: TableCommit = {
      identifier: b,
      requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }],
      updates: [{ action: 'set-properties', updates: { tx: 'yes' } }],
    };
    const error = await catalog.commitTables([setProperty(a, baseA, 'tx'), onB]).catch((e: unknown) => e);
    expect(interfered).toBe(true);
    expect(error).toBeInstanceOf(CommitConflictError);
    // a's row was already swapped inside the transaction: rolled back with it
    const afterA = await catalog.loadTable(a);
    expect(afterA.metadataLocation).toBe(baseA.metadataLocation);
    expect(afterA.metadata.properties.tx).toBeUndefined();
    expect((await catalog.loadTable(b)).metadata.currentSnapshotId).toBe(9n);
    await catalog.close();
    for (const t of [a, b]) await other.dropTable(t);
    await other.dropNamespace(['ns']);
    await other.close();
  });
});

describe('SQL catalog multi-table commits whose outcome is unknown', () => {
  it('a COMMIT that may have happened is CommitStateUnknownError naming the tables, and every metadata file stays', async () => {
    const path = join(dir, 'unknown', 'catalog.db');
    const sqlite = new SqliteDriver(path);
    // the transaction commits, then the answer is lost
    const flaky: SqlDriver = {
      dialect: 'sqlite',
      query: (sql, params) => sqlite.query(sql, params),
      close: () => sqlite.close(),
      transaction: async (body) => {
        await sqlite.transaction(body);
        throw sqlError('outcome-unknown', path, 'COMMIT', new Error('connection reset'));
      },
    };
    const setup = openSqlCatalog({
      name: 'unknown',
      uri: path,
      warehouse: join(dir, 'unknown'),
      io: new LocalFileIO(),
    });
    await setup.createNamespace(['ns']);
    const [a, b] = [
      { namespace: ['ns'], name: 'a' },
      { namespace: ['ns'], name: 'b' },
    ];
    const [baseA, baseB] = [await setup.createTable(a, { schema }), await setup.createTable(b, { schema })];
    await setup.close();
    const catalog = new SqlCatalog({
      name: 'unknown',
      driver: flaky,
      warehouse: join(dir, 'unknown'),
      io: new LocalFileIO(),
    });
    const error = await catalog
      .commitTables([setProperty(a, baseA, 'k'), setProperty(b, baseB, 'k')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitStateUnknownError);
    expect((error as CommitStateUnknownError).context.table).toBe('ns.a, ns.b');
    const after = await Promise.all([catalog.loadTable(a), catalog.loadTable(b)]);
    for (const table of after) {
      expect(table.metadata.properties.k).toBe('yes'); // it did commit, and its files are there
      expect(existsSync(table.metadataLocation)).toBe(true);
    }
    await catalog.close();
  });
});
