// The SQL catalog on SQLite (a file, shared with PyIceberg's SqlCatalog) and on
// the PostgreSQL of the service stack: the catalog contract, interop with
// PyIceberg in both directions, and the compare-and-swap commit under races.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { SqlCatalog } from '../../src/catalog/sql/sql-catalog.ts';
import { type SqlDriver, sqlError } from '../../src/catalog/sql/sql-driver.ts';
import { SqliteDriver } from '../../src/catalog/sql/sqlite-driver.ts';
import { CommitConflictError, CommitStateUnknownError, NoSuchTableError } from '../../src/errors.ts';
import { encodeManifest } from '../../src/iceberg/manifest.ts';
import { encodeManifestList, type ManifestFile } from '../../src/iceberg/manifest-list.ts';
import { buildPartitionSpec, UNPARTITIONED } from '../../src/iceberg/partition-spec.ts';
import type { Snapshot } from '../../src/iceberg/snapshot.ts';
import type { TableRequirement, TableUpdate } from '../../src/iceberg/table-update.ts';
import { primitive, type Schema } from '../../src/iceberg/types.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { afterEachWrite } from '../support/hooked-file-io.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { services, uniqueName } from '../support/services.ts';
import { describeCatalogContract } from './catalog-contract.ts';

const run = promisify(execFile);

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'label', required: false, type: primitive('string') },
    { id: 3, name: 'ts', required: false, type: primitive('timestamptz') },
  ],
};

/** An append commit of a snapshot that exists only in metadata (its manifest list is never read). */
function appendCommit(table: { location: string }, snapshotId: bigint): [TableRequirement[], TableUpdate[]] {
  const snapshot: Snapshot = {
    snapshotId,
    sequenceNumber: 1,
    timestampMs: 1_700_000_000_000,
    manifestList: `${table.location}/metadata/snap-${snapshotId}.avro`,
    summary: { operation: 'append' },
    schemaId: 0,
  };
  return [
    [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }],
    [
      { action: 'add-snapshot', snapshot },
      { action: 'set-snapshot-ref', refName: 'main', snapshotId, type: 'branch' },
    ],
  ];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-sql-catalog-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeCatalogContract('sql on sqlite', async () =>
  openSqlCatalog({
    name: uniqueName('contract'),
    uri: `sqlite:///${join(dir, 'contract', 'catalog.db')}`,
    warehouse: `file://${join(dir, 'contract', 'warehouse')}`,
    io: new LocalFileIO(),
  }),
);

describeCatalogContract('sql on postgresql', async () =>
  openSqlCatalog({
    name: uniqueName('contract'),
    uri: services.postgresUrl,
    warehouse: `file://${join(dir, 'pg-contract', 'warehouse')}`,
    io: new LocalFileIO(),
  }),
);

describe('SQL catalog on SQLite, shared with PyIceberg', () => {
  const name = uniqueName('floe');
  const dbPath = () => join(dir, 'interop', 'catalog.db');
  const warehouse = () => `file://${join(dir, 'interop', 'warehouse')}`;
  const pyCatalog = () => ({
    kind: 'sql' as const,
    uri: `sqlite:///${dbPath()}`,
    warehouse: warehouse(),
    name,
  });
  const open = () =>
    openSqlCatalog({ name, uri: `sqlite:///${dbPath()}`, warehouse: warehouse(), io: new LocalFileIO() });

  it('PyIceberg lists and loads a table floe created and committed to', async () => {
    const catalog = open();
    await catalog.createNamespace(['floe_ns']);
    const spec = buildPartitionSpec(schema, [{ source: 'ts', transform: { kind: 'day' } }]);
    const created = await catalog.createTable({ namespace: ['floe_ns'], name: 't' }, { schema, spec });
    expect(created.metadataLocation).toMatch(
      /\/floe_ns\.db\/t\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/,
    );
    const [requirements, updates] = appendCommit(created.metadata, 4242n);
    const committed = await catalog.commitTable(created.identifier, requirements, updates);
    expect(committed.metadataLocation).toMatch(/\/metadata\/00001-[0-9a-f-]{36}\.metadata\.json$/);
    expect(committed.metadata.metadataLog.map((entry) => entry.metadataFile)).toEqual([
      created.metadataLocation,
    ]);
    await catalog.close();

    const namespaces = await readWithPyIceberg(pyCatalog(), 'namespaces');
    expect(namespaces.namespaces).toContainEqual(['floe_ns']);
    const table = await readWithPyIceberg(pyCatalog(), 'table', { table: 'floe_ns.t', noRows: true });
    expect(table.schema?.fields).toEqual([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'label', required: false, type: 'string' },
      { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    ]);
    expect(table.schema?.partition_spec).toContain('ts_day');
    expect(table.snapshots.map((s) => s.snapshot_id)).toEqual(['4242']);
  });

  it('floe loads a table PyIceberg created and appended to, snapshot ids intact, and commits on top of it', async () => {
    const script = `
import json, sys
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
catalog = SqlCatalog(sys.argv[1], uri=sys.argv[2], warehouse=sys.argv[3])
catalog.create_namespace("py_ns")
data = pa.table({"id": pa.array([1, 2], pa.int64()), "name": pa.array(["a", "b"], pa.string())})
table = catalog.create_table("py_ns.events", schema=data.schema)
table.append(data)
table.append(data)
table = catalog.load_table("py_ns.events")
print(json.dumps({"location": table.metadata_location,
                  "snapshots": [str(s.snapshot_id) for s in table.snapshots()],
                  "current": str(table.current_snapshot().snapshot_id)}))
`;
    const { stdout } = await run(services.readerPython, [
      '-c',
      script,
      name,
      `sqlite:///${dbPath()}`,
      warehouse(),
    ]);
    const py = JSON.parse(stdout) as { location: string; snapshots: string[]; current: string };
    expect(py.snapshots).toHaveLength(2);

    const catalog = open();
    expect(await catalog.listTables(['py_ns'])).toEqual([{ namespace: ['py_ns'], name: 'events' }]);
    const loaded = await catalog.loadTable({ namespace: ['py_ns'], name: 'events' });
    expect(loaded.metadataLocation).toBe(py.location);
    expect(loaded.metadata.snapshots.map((s) => s.snapshotId.toString())).toEqual(py.snapshots);
    expect(loaded.metadata.currentSnapshotId?.toString()).toBe(py.current);
    expect(loaded.metadata.refs.main?.snapshotId.toString()).toBe(py.current);

    // floe's commit continues PyIceberg's file numbering, and PyIceberg reads the result with its rows
    const updated = await catalog.commitTable(
      loaded.identifier,
      [{ type: 'assert-table-uuid', uuid: loaded.metadata.tableUuid }],
      [{ action: 'set-properties', updates: { 'floe.touched': 'yes' } }],
    );
    expect(updated.metadataLocation).toMatch(/\/00003-[0-9a-f-]{36}\.metadata\.json$/);
    await catalog.close();
    const reread = await readWithPyIceberg(pyCatalog(), 'table', { table: 'py_ns.events' });
    expect(reread.snapshots.map((s) => s.snapshot_id)).toEqual(py.snapshots);
    expect(reread.rows).toHaveLength(4);
  });
});

describe('SQL catalog commits race safely (two catalogs, one SQLite file)', () => {
  const name = uniqueName('race');
  const uri = () => join(dir, 'race', 'catalog.db');
  const warehouse = () => join(dir, 'race', 'warehouse');

  it('two commits on the same base: exactly one wins, the other gets CommitConflictError', async () => {
    const a = openSqlCatalog({ name, uri: uri(), warehouse: warehouse(), io: new LocalFileIO() });
    const b = openSqlCatalog({ name, uri: uri(), warehouse: warehouse(), io: new LocalFileIO() });
    await a.createNamespace(['ns']);
    const table = await a.createTable({ namespace: ['ns'], name: 'raced' }, { schema });
    const results = await Promise.allSettled([
      a.commitTable(table.identifier, ...appendCommit(table.metadata, 1n)),
      b.commitTable(table.identifier, ...appendCommit(table.metadata, 2n)),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(CommitConflictError);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<SqlCatalog['commitTable']>>>).value;
    const final = await b.loadTable(table.identifier);
    expect(final.metadataLocation).toBe(winner.metadataLocation);
    expect(final.metadata.snapshots).toHaveLength(1);
    await a.close();
    await b.close();
  });

  it('a commit that loses the compare-and-swap after writing its file gets CommitConflictError and deletes the file', async () => {
    const b = openSqlCatalog({ name, uri: uri(), warehouse: warehouse(), io: new LocalFileIO() });
    let written: string | undefined;
    // catalog A's storage lets B commit right after A wrote its new metadata file, before A's UPDATE
    const interleaving = afterEachWrite(new LocalFileIO(), async (path) => {
      if (written === undefined && path.endsWith('.metadata.json')) {
        written = path;
        const current = await b.loadTable({ namespace: ['ns'], name: 'cas' });
        await b.commitTable(current.identifier, [], [{ action: 'set-properties', updates: { by: 'b' } }]);
      }
    });
    const a = openSqlCatalog({ name, uri: uri(), warehouse: warehouse(), io: interleaving });
    const table = await b.createTable({ namespace: ['ns'], name: 'cas' }, { schema });
    const attempt = a.commitTable(table.identifier, [], [{ action: 'set-properties', updates: { by: 'a' } }]);
    await expect(attempt).rejects.toBeInstanceOf(CommitConflictError);
    expect(written).toMatch(/\/00001-/);
    expect(existsSync(new URL(`file://${written}`))).toBe(false);
    const final = await a.loadTable(table.identifier);
    expect(final.metadata.properties.by).toBe('b');
    await a.close();
    await b.close();
  });

  it('an UPDATE whose outcome is unknown is CommitStateUnknownError, and the new metadata file stays', async () => {
    const sqlite = new SqliteDriver(uri());
    // a connection that breaks while the commit's UPDATE is in flight
    const flaky: SqlDriver = {
      dialect: 'sqlite',
      transaction: (body) => sqlite.transaction(body),
      close: () => sqlite.close(),
      query: async (sql, params) => {
        if (sql.startsWith('UPDATE iceberg_tables')) {
          throw sqlError('outcome-unknown', uri(), sql, new Error('connection reset'));
        }
        return sqlite.query(sql, params);
      },
    };
    const catalog = new SqlCatalog({ name, driver: flaky, warehouse: warehouse(), io: new LocalFileIO() });
    const table = await catalog.createTable({ namespace: ['ns'], name: 'unknown' }, { schema });
    const error = await catalog
      .commitTable(table.identifier, [], [{ action: 'set-properties', updates: { k: 'v' } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitStateUnknownError);
    const kept = (error as CommitStateUnknownError).context.metadataLocation as string;
    expect(kept).toMatch(/\/00001-[0-9a-f-]{36}\.metadata\.json$/);
    expect(existsSync(kept)).toBe(true);
    expect((await catalog.loadTable(table.identifier)).metadataLocation).toBe(table.metadataLocation);
    await catalog.close();
  });
});

describe('SQL catalog drops tables', () => {
  const name = uniqueName('drop');
  const listFiles = async (io: FileIO, prefix: string): Promise<string[]> => {
    const paths: string[] = [];
    for await (const file of io.list(prefix)) paths.push(file.path);
    return paths;
  };

  it('keeps the files without purge, and with purge deletes metadata files, manifest lists and manifests', async () => {
    const io = new LocalFileIO();
    const catalog = openSqlCatalog({
      name,
      uri: join(dir, 'drop', 'catalog.db'),
      warehouse: join(dir, 'drop', 'wh'),
      io,
    });
    await catalog.createNamespace(['ns']);
    const kept = await catalog.createTable({ namespace: ['ns'], name: 'kept' }, { schema });
    await catalog.dropTable(kept.identifier);
    expect(await catalog.tableExists(kept.identifier)).toBe(false);
    expect(existsSync(kept.metadataLocation)).toBe(true);

    const created = await catalog.createTable({ namespace: ['ns'], name: 'purged' }, { schema });
    const manifestPath = `${created.metadata.location}/metadata/m0.avro`;
    await io.write(
      manifestPath,
      encodeManifest([], {
        schema,
        spec: UNPARTITIONED,
        formatVersion: 2,
        content: 'data',
        syncMarker: new Uint8Array(16),
      }),
    );
    const manifestList = `${created.metadata.location}/metadata/snap-7.avro`;
    const listed: ManifestFile = {
      manifestPath,
      manifestLength: 1,
      partitionSpecId: 0,
      content: 0,
      sequenceNumber: 1,
      minSequenceNumber: 1,
      addedSnapshotId: 7n,
      addedFilesCount: 0,
      existingFilesCount: 0,
      deletedFilesCount: 0,
      addedRowsCount: 0,
      existingRowsCount: 0,
      deletedRowsCount: 0,
    };
    await io.write(
      manifestList,
      encodeManifestList([listed], {
        snapshotId: 7n,
        parentSnapshotId: null,
        sequenceNumber: 1,
        formatVersion: 2,
        syncMarker: new Uint8Array(16),
      }),
    );
    const snapshot: Snapshot = {
      snapshotId: 7n,
      sequenceNumber: 1,
      timestampMs: 1,
      manifestList,
      summary: { operation: 'append' },
      schemaId: 0,
    };
    const committed = await catalog.commitTable(
      created.identifier,
      [],
      [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', refName: 'main', snapshotId: 7n, type: 'branch' },
      ],
    );
    const before = await listFiles(io, `${created.metadata.location}/`);
    expect(before).toEqual(
      expect.arrayContaining([
        created.metadataLocation,
        committed.metadataLocation,
        manifestList,
        manifestPath,
      ]),
    );
    await catalog.dropTable(created.identifier, { purge: true });
    expect(await listFiles(io, `${created.metadata.location}/`)).toEqual([]);
    await expect(catalog.dropTable(created.identifier)).rejects.toBeInstanceOf(NoSuchTableError);
    await catalog.close();
  });
});

describe('SQL catalog on PostgreSQL', () => {
  it('two commits on the same base: exactly one wins, the other gets CommitConflictError', async () => {
    const name = uniqueName('floe_pg');
    const warehouse = join(dir, 'pg-race');
    const a = openSqlCatalog({ name, uri: services.postgresUrl, warehouse, io: new LocalFileIO() });
    const b = openSqlCatalog({ name, uri: services.postgresUrl, warehouse, io: new LocalFileIO() });
    await a.createNamespace(['ns']);
    const table = await a.createTable({ namespace: ['ns'], name: 'raced' }, { schema });
    const results = await Promise.allSettled([
      a.commitTable(table.identifier, ...appendCommit(table.metadata, 1n)),
      b.commitTable(table.identifier, ...appendCommit(table.metadata, 2n)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.filter((r) => r.status === 'rejected');
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(CommitConflictError);
    await a.dropTable(table.identifier, { purge: true });
    await a.dropNamespace(['ns']);
    await a.close();
    await b.close();
  });
});
