// A SQL catalog database that is briefly busy or unreachable must not fail the
// worker: the drivers classify these failures as 'busy' (nothing ran), and the
// catalog runs the operation again with backoff, a bounded number of times.
// Real databases here: a SQLite file whose write lock another connection holds,
// PostgreSQL behind a port that refuses connections, then accepts them, and a
// PostgreSQL connection terminated in the middle of a transaction.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as netConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedTable, TableCommit } from '../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { PostgresDriver } from '../../src/catalog/sql/postgres-driver.ts';
import { SqlCatalog } from '../../src/catalog/sql/sql-catalog.ts';
import type { SqlDriver } from '../../src/catalog/sql/sql-driver.ts';
import { sqlFailureOf } from '../../src/catalog/sql/sql-driver.ts';
import { SqliteDriver } from '../../src/catalog/sql/sqlite-driver.ts';
import type { Schema } from '../../src/iceberg/types.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { sleepMs } from '../../src/io/retry.ts';
import { afterEachWrite } from '../support/hooked-file-io.ts';
import { services, uniqueName } from '../support/services.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [{ id: 1, name: 'id', required: true, type: { kind: 'long' } }],
};
const [a, b] = [
  { namespace: ['ns'], name: 'a' },
  { namespace: ['ns'], name: 'b' },
];
const set = (key: string): TableCommit['updates'] => [
  { action: 'set-properties', updates: { [key]: 'yes' } },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-sql-transient-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A catalog over `driver` that retries quickly and counts its waits. */
function retryingCatalog(name: string, driver: SqlDriver, maxAttempts = 40) {
  const waits: number[] = [];
  const catalog = new SqlCatalog({
    name,
    driver,
    warehouse: join(dir, name),
    io: new LocalFileIO(),
    busyRetry: { maxAttempts, baseDelayMs: 20, maxDelayMs: 40 },
    sleep: async (ms) => {
      waits.push(ms);
      await sleepMs(ms);
    },
  });
  return { catalog, waits };
}

describe('SQL catalog on a SQLite file whose write lock another connection holds', () => {
  const name = uniqueName('locked');
  const path = () => join(dir, 'locked.db');

  /** Holds the database's write lock (an IMMEDIATE transaction) until the returned function is called. */
  const holdWriteLock = async (): Promise<() => Promise<void>> => {
    const holder = new SqliteDriver(path());
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const held = holder.transaction(async () => {
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await Promise.race([isLocked, held]); // a lock that cannot be taken fails here, never hangs
    return async () => {
      release();
      await held;
      await holder.close();
    };
  };

  beforeAll(async () => {
    const setup = openSqlCatalog({ name, uri: path(), warehouse: join(dir, name), io: new LocalFileIO() });
    await setup.createNamespace(['ns']);
    for (const id of [a, b]) await setup.createTable(id, { schema });
    await setup.close();
  });

  it('reports SQLITE_BUSY as busy, and commitTable and commitTables wait it out', async () => {
    // a short busy_timeout, so the lock is reported quickly instead of waited for inside SQLite
    const { catalog, waits } = retryingCatalog(name, new SqliteDriver(path(), { busyTimeoutMs: 20 }));
    await catalog.loadTable(a); // reads are never blocked (WAL)

    // the lock goes after 250 ms whatever happens, so a failure here cannot block the next test
    let releasing = sleepMs(250).then(await holdWriteLock());
    const single = await catalog.commitTable(a, [], set('single')).catch((e: unknown) => e);
    await releasing;
    expect((single as LoadedTable).metadata?.properties.single).toBe('yes');
    expect(waits.length).toBeGreaterThan(0);

    waits.length = 0;
    releasing = sleepMs(250).then(await holdWriteLock());
    const multi = await catalog
      .commitTables([
        { identifier: a, requirements: [], updates: set('multi') },
        { identifier: b, requirements: [], updates: set('multi') },
      ])
      .catch((e: unknown) => e);
    await releasing;
    expect((multi as LoadedTable[]).map((t) => t.metadata.properties.multi)).toEqual(['yes', 'yes']);
    expect(waits.length).toBeGreaterThan(0);
    await catalog.close();
  });

  it('gives up after the bounded attempts with the busy StorageError, the table unchanged', async () => {
    const { catalog, waits } = retryingCatalog(name, new SqliteDriver(path(), { busyTimeoutMs: 10 }), 3);
    const before = await catalog.loadTable(a);
    const release = await holdWriteLock();
    const error = await catalog.commitTable(a, [], set('never')).catch((e: unknown) => e);
    await release();
    expect(sqlFailureOf(error)).toBe('busy');
    expect(waits).toHaveLength(2);
    expect((await catalog.loadTable(a)).metadataLocation).toBe(before.metadataLocation);
    await catalog.close();
  });
});

describe('SQL catalog on PostgreSQL that is unreachable for a while', () => {
  const name = uniqueName('unreachable');
  const upstream = new URL(services.postgresUrl);
  let proxy: Server | undefined;

  /**
   * A port nothing listens on (yet), below the kernel's ephemeral range (32768
   * and up) and above the services' (scripts/services.env): a port listen(0)
   * picked could be taken by another file's connection before the proxy opens it.
   */
  const freePort = async (): Promise<number> => {
    for (;;) {
      const port = 24_000 + Math.floor(Math.random() * 8000);
      const probe = createServer();
      const free = await new Promise<boolean>((resolve) => {
        probe.once('error', () => resolve(false));
        probe.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (free) {
        await new Promise((resolve) => probe.close(resolve));
        return port;
      }
    }
  };
  /** Starts forwarding `port` to the real PostgreSQL. */
  const openProxy = (port: number): Promise<void> => {
    proxy = createServer((client) => {
      const server = netConnect(Number(upstream.port), upstream.hostname);
      client.pipe(server).pipe(client);
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
    });
    return new Promise((resolve) => proxy?.listen(port, '127.0.0.1', resolve));
  };
  const driverOn = (port: number) => {
    const url = new URL(services.postgresUrl);
    url.port = String(port);
    return new PostgresDriver({ connectionString: url.toString() });
  };

  beforeAll(async () => {
    const setup = openSqlCatalog({
      name,
      uri: services.postgresUrl,
      warehouse: join(dir, name),
      io: new LocalFileIO(),
    });
    await setup.createNamespace(['ns']);
    for (const id of [a, b]) await setup.createTable(id, { schema });
    await setup.close();
  });
  afterAll(async () => {
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    const cleanup = openSqlCatalog({
      name,
      uri: services.postgresUrl,
      warehouse: join(dir, name),
      io: new LocalFileIO(),
    });
    for (const id of [a, b]) await cleanup.dropTable(id);
    await cleanup.dropNamespace(['ns']);
    await cleanup.close();
  });

  it('reports a refused connection as busy and retries loadTable, commitTable and commitTables until it is up', async () => {
    const port = await freePort();
    const { catalog, waits } = retryingCatalog(name, driverOn(port));
    const loading = catalog.loadTable(a);
    await sleepMs(200);
    await openProxy(port);
    expect((await loading).identifier).toEqual(a);
    expect(waits.length).toBeGreaterThan(0);
    expect((await catalog.commitTable(a, [], set('k'))).metadata.properties.k).toBe('yes');
    const both = await catalog.commitTables([
      { identifier: a, requirements: [], updates: set('m') },
      { identifier: b, requirements: [], updates: set('m') },
    ]);
    expect(both.map((t) => t.metadata.properties.m)).toEqual(['yes', 'yes']);
    await catalog.close();
  });

  it('survives its connection being terminated inside a multi-table transaction, and retries the commit', async () => {
    const application = uniqueName('floe_victim');
    const url = new URL(services.postgresUrl);
    url.searchParams.set('application_name', application);
    const admin = new PostgresDriver({ connectionString: services.postgresUrl });
    let terminated = 0;
    // while the transaction writes the first metadata file, the server ends its connection
    const io = afterEachWrite(new LocalFileIO(), async () => {
      if (terminated > 0) return;
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = ?',
        [application],
      );
      terminated = killed.rows.length;
      await sleepMs(100); // the FATAL message reaches the idle, checked-out connection
    });
    const waits: number[] = [];
    const catalog = new SqlCatalog({
      name,
      driver: new PostgresDriver({ connectionString: url.toString() }),
      warehouse: join(dir, name),
      io,
      busyRetry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 20 },
      sleep: async (ms) => {
        waits.push(ms);
        await sleepMs(ms);
      },
    });
    const both = await catalog.commitTables([
      { identifier: a, requirements: [], updates: set('after-kill') },
      { identifier: b, requirements: [], updates: set('after-kill') },
    ]);
    expect(terminated).toBe(1);
    expect(waits).toHaveLength(1);
    expect(both.map((t) => t.metadata.properties['after-kill'])).toEqual(['yes', 'yes']);
    await catalog.close();
    await admin.close();
  });

  it('gives up after the bounded attempts with the busy StorageError', async () => {
    const { catalog, waits } = retryingCatalog(name, driverOn(await freePort()), 3);
    const error = await catalog.commitTable(a, [], set('never')).catch((e: unknown) => e);
    expect(sqlFailureOf(error)).toBe('busy');
    expect(waits).toHaveLength(2);
    await catalog.close();
  });
});
