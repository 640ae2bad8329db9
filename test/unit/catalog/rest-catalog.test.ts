import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  CommitConflictError,
  CommitStateUnknownError,
  ConfigError,
  NamespaceNotEmptyError,
  NoSuchNamespaceError,
  NoSuchTableError,
  StorageError,
} from '../../../src/errors.ts';
import { parseJson, stringifyJson } from '../../../src/iceberg/json-bigint.ts';
import type { TableRequirement, TableUpdate } from '../../../src/iceberg/table-update.ts';
import { configServer, connectFake, connectionError, errorReply, loadResult } from './fake-rest-server.ts';

const BIG_SNAPSHOT_ID = 9007199254740993n; // 2^53 + 1: not representable as a double
const table = { namespace: ['db', 'sales'], name: 'events' };
const TABLE_PATH = /^\/v1\/wh1\/namespaces\/db%1Fsales\/tables\/events$/;
const requirements: TableRequirement[] = [
  { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: BIG_SNAPSHOT_ID },
];
const updates: TableUpdate[] = [{ action: 'set-properties', updates: { owner: 'floe' } }];

const server = configServer;
const connect = connectFake;

describe('RestCatalog configuration', () => {
  it('sends the warehouse, merges defaults < client properties < overrides, and routes under the prefix', async () => {
    const fake = server({
      defaults: { clients: '4', 'client.only': 'server-default', prefix: 'ignored' },
      overrides: { prefix: 'wh1', forced: 'server' },
    }).on('GET', /^\/v1\/wh1\/namespaces$/, { status: 200, json: { namespaces: [['db']] } });
    const catalog = await connect(fake, { properties: { 'client.only': 'client', forced: 'client' } });
    expect(fake.requests[0]?.url.searchParams.get('warehouse')).toBe('s3://bucket/wh');
    expect(catalog.properties).toMatchObject({
      clients: '4',
      'client.only': 'client',
      forced: 'server',
      prefix: 'wh1',
    });
    expect(await catalog.listNamespaces()).toEqual([['db']]);
  });

  it('joins namespace levels with the unit separator %1F, in paths and in the parent parameter', async () => {
    const fake = server()
      .on('GET', /^\/v1\/wh1\/namespaces$/, { status: 200, json: { namespaces: [['db', 'sales', 'eu']] } })
      .on('GET', /^\/v1\/wh1\/namespaces\/db%1Fsales$/, {
        status: 200,
        json: { namespace: ['db', 'sales'] },
      });
    const catalog = await connect(fake);
    expect(await catalog.listNamespaces(['db', 'sales'])).toEqual([['db', 'sales', 'eu']]);
    expect(fake.requests.at(-1)?.url.search).toBe('?parent=db%1Fsales');
    expect(await catalog.namespaceExists(['db', 'sales'])).toBe(true);
  });

  it('uses HEAD for existence checks only when the server lists that endpoint', async () => {
    const endpoints = [
      'HEAD /v1/{prefix}/namespaces/{namespace}',
      'HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}',
    ];
    const fake = server({ overrides: { prefix: 'wh1' }, endpoints })
      .on('HEAD', /^\/v1\/wh1\/namespaces\/db%1Fsales$/, { status: 204 })
      .on('HEAD', TABLE_PATH, { status: 404 });
    const catalog = await connect(fake);
    expect(await catalog.namespaceExists(['db', 'sales'])).toBe(true);
    expect(await catalog.tableExists(table)).toBe(false);
    expect(fake.requests.slice(1).map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('rejects namespace levels that are empty or contain the separator', async () => {
    const catalog = await connect(server());
    await expect(catalog.createNamespace(['db', ''])).rejects.toThrow(/empty or contains/);
    await expect(catalog.createNamespace(['a\u001fb'])).rejects.toThrow(/empty or contains/);
  });

  it('follows next-page-token through every page', async () => {
    const fake = server().on(
      'GET',
      /^\/v1\/wh1\/namespaces\/db\/tables$/,
      { status: 200, json: { identifiers: [{ namespace: ['db'], name: 'a' }], 'next-page-token': 'p2' } },
      { status: 200, json: { identifiers: [{ namespace: ['db'], name: 'b' }], 'next-page-token': null } },
    );
    const catalog = await connect(fake);
    expect(await catalog.listTables(['db'])).toEqual([
      { namespace: ['db'], name: 'a' },
      { namespace: ['db'], name: 'b' },
    ]);
    expect(fake.requests.at(-1)?.url.searchParams.get('pageToken')).toBe('p2');
  });
});

describe('RestCatalog tables', () => {
  it('loads a table with exact 64-bit snapshot ids and the table config', async () => {
    const fake = server().on('GET', TABLE_PATH, { status: 200, text: loadResult });
    const loaded = await (await connect(fake)).loadTable(table);
    expect(loaded.metadata.currentSnapshotId).toBe(BIG_SNAPSHOT_ID);
    expect(loaded.metadata.refs.main?.snapshotId).toBe(BIG_SNAPSHOT_ID);
    expect(loaded.metadataLocation).toMatch(/00001-.*\.metadata\.json$/);
    expect(loaded.config).toEqual({ 'client.region': 'us-east-1' });
    expect(fake.requests.at(-1)?.url.searchParams.get('snapshots')).toBe('all');
  });

  it('loads a table whose server adds keys of its own, at every level', async () => {
    const result = parseJson(loadResult) as Record<string, Record<string, unknown>>;
    const metadata = result.metadata as Record<string, unknown>;
    const vendor = stringifyJson({
      ...result,
      'storage-credentials': [{ prefix: 's3://', config: {} }],
      'vendor.etag': 'W/1',
      metadata: {
        ...metadata,
        'vendor.owner': { team: 'x' },
        snapshots: (metadata.snapshots as Record<string, unknown>[]).map((s) => ({ ...s, 'vendor.s': 1 })),
      },
    });
    const fake = server().on('GET', TABLE_PATH, { status: 200, text: vendor });
    const loaded = await (await connect(fake)).loadTable(table);
    expect(loaded.metadata.currentSnapshotId).toBe(BIG_SNAPSHOT_ID);
    expect(loaded.metadata.extraFields).toEqual({ 'vendor.owner': { team: 'x' } });
    expect(loaded.metadata.snapshots[0]?.extraFields).toEqual({ 'vendor.s': 1 });
  });

  it('commits identifier, requirements and updates with an Idempotency-Key, bigint-exact', async () => {
    const fake = server()
      .on('GET', TABLE_PATH, { status: 200, text: loadResult })
      .on('POST', TABLE_PATH, { status: 200, text: loadResult });
    const catalog = await connect(fake);
    await catalog.loadTable(table);
    const committed = await catalog.commitTable(table, requirements, updates);
    expect(committed.config).toEqual({ 'client.region': 'us-east-1' }); // kept from the load
    await catalog.commitTable(table, requirements, updates);
    const commits = fake.to('POST', TABLE_PATH);
    expect(commits).toHaveLength(2);
    const body = commits[0]?.body ?? '';
    expect(body).toContain('"snapshot-id":9007199254740993');
    expect(parseJson(body)).toEqual({
      identifier: { namespace: ['db', 'sales'], name: 'events' },
      requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': BIG_SNAPSHOT_ID }],
      updates: [{ action: 'set-properties', updates: { owner: 'floe' } }],
    });
    const keys = commits.map((c) => c.headers.get('Idempotency-Key'));
    for (const key of keys)
      expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('maps a 409 on commit to CommitConflictError', async () => {
    const fake = server().on(
      'POST',
      TABLE_PATH,
      errorReply(409, 'CommitFailedException', 'branch main has changed'),
    );
    const error = await (await connect(fake))
      .commitTable(table, requirements, updates)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitConflictError);
    expect((error as CommitConflictError).message).toContain('branch main has changed');
    expect((error as CommitConflictError).context.table).toBe('db.sales.events');
  });

  it.each([
    ['HTTP 500', errorReply(500, 'CommitStateUnknownException')],
    ['HTTP 502', errorReply(502, 'BadGateway')],
    ['HTTP 503', errorReply(503, 'ServiceUnavailable')],
    ['HTTP 504', { status: 504, text: '<html>gateway timeout</html>' }],
    ['a reset connection', { throws: connectionError('ECONNRESET') }],
    ['a timeout', { throws: new DOMException('The operation was aborted due to timeout', 'TimeoutError') }],
  ])('maps %s on commit to CommitStateUnknownError and never resends the commit', async (_what, reply) => {
    const fake = server().on('POST', TABLE_PATH, reply);
    const error = await (await connect(fake))
      .commitTable(table, requirements, updates)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitStateUnknownError);
    expect(fake.to('POST', TABLE_PATH)).toHaveLength(1);
  });

  it('retries reads on 503 and on connection errors, then succeeds', async () => {
    const fake = server().on(
      'GET',
      TABLE_PATH,
      errorReply(503, 'SlowDown'),
      { throws: connectionError('ECONNRESET') },
      { status: 200, text: loadResult },
    );
    const loaded = await (await connect(fake)).loadTable(table);
    expect(loaded.metadata.currentSnapshotId).toBe(BIG_SNAPSHOT_ID);
    expect(fake.to('GET', TABLE_PATH)).toHaveLength(3);
  });

  it('gives up on reads after the retry policy with a retryable StorageError', async () => {
    const fake = server().on('GET', TABLE_PATH, errorReply(500, 'InternalServerError'));
    const error = await (await connect(fake)).loadTable(table).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).retryable).toBe(true);
    expect(fake.to('GET', TABLE_PATH)).toHaveLength(3);
  });

  it('maps 404 and 409 by route and error type', async () => {
    const fake = server()
      .on('GET', TABLE_PATH, errorReply(404, 'NoSuchTableException'))
      .on('GET', /\/namespaces\/nope\/tables\/t$/, errorReply(404, 'NoSuchNamespaceException'))
      .on('POST', /\/namespaces\/db%1Fsales\/tables$/, errorReply(409, 'AlreadyExistsException'))
      .on('POST', /\/namespaces$/, errorReply(409, 'AlreadyExistsException'))
      .on('DELETE', /\/namespaces\/db$/, errorReply(409, 'NamespaceNotEmptyException'))
      .on('DELETE', /\/namespaces\/gone$/, errorReply(404, 'NoSuchNamespaceException'));
    const catalog = await connect(fake);
    await expect(catalog.loadTable(table)).rejects.toBeInstanceOf(NoSuchTableError);
    await expect(catalog.loadTable({ namespace: ['nope'], name: 't' })).rejects.toBeInstanceOf(
      NoSuchNamespaceError,
    );
    const schema = { schemaId: 0, identifierFieldIds: [], fields: [] };
    await expect(catalog.createTable(table, { schema })).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(catalog.createNamespace(['db'])).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(catalog.dropNamespace(['db'])).rejects.toBeInstanceOf(NamespaceNotEmptyError);
    await expect(catalog.dropNamespace(['gone'])).rejects.toBeInstanceOf(NoSuchNamespaceError);
    expect(await catalog.tableExists(table)).toBe(false);
    expect(await catalog.tableExists({ namespace: ['nope'], name: 't' })).toBe(false);
  });

  it('resends a mutation only when the server surely did not apply it', async () => {
    const fake = server()
      .on('POST', /\/namespaces$/, errorReply(503, 'SlowDown'), { status: 200, json: { namespace: ['a'] } })
      .on('DELETE', TABLE_PATH, errorReply(500, 'InternalServerError'));
    const catalog = await connect(fake);
    await catalog.createNamespace(['a']);
    const creates = fake.to('POST', /\/namespaces$/);
    expect(creates).toHaveLength(2);
    expect(creates[0]?.headers.get('Idempotency-Key')).toBe(creates[1]?.headers.get('Idempotency-Key'));
    await expect(catalog.dropTable(table, { purge: true })).rejects.toBeInstanceOf(StorageError);
    const drops = fake.to('DELETE', TABLE_PATH);
    expect(drops).toHaveLength(1);
    expect(drops[0]?.url.searchParams.get('purgeRequested')).toBe('true');
  });

  it('sends a static bearer token and reports a rejected one as a configuration error', async () => {
    const fake = server().on('GET', TABLE_PATH, errorReply(401, 'NotAuthorizedException'));
    const catalog = await connect(fake, { token: 'secret-token' });
    expect(fake.requests[0]?.headers.get('Authorization')).toBe('Bearer secret-token');
    await expect(catalog.loadTable(table)).rejects.toBeInstanceOf(ConfigError);
    expect(fake.to('GET', TABLE_PATH)).toHaveLength(1);
  });
});
