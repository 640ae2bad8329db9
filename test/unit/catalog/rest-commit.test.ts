// RestCatalog commits beyond the single-table basics: multi-table transactions
// (POST /v1/{prefix}/transactions/commit), replies that cannot be read, and
// the format versions floe refuses to create.
import { describe, expect, it } from 'vitest';
import type { TableCommit } from '../../../src/catalog/catalog.ts';
import {
  CommitConflictError,
  CommitStateUnknownError,
  NoSuchTableError,
  StorageError,
  UnsupportedError,
  ValidationError,
} from '../../../src/errors.ts';
import { parseJson, stringifyJson } from '../../../src/iceberg/json-bigint.ts';
import { configServer, connectFake, connectionError, errorReply, loadResult } from './fake-rest-server.ts';

const TRANSACTION = 'POST /v1/{prefix}/transactions/commit';
const TX_PATH = /^\/v1\/wh1\/transactions\/commit$/;
const EVENTS_PATH = /^\/v1\/wh1\/namespaces\/db\/tables\/events$/;
const CLICKS_PATH = /^\/v1\/wh1\/namespaces\/db\/tables\/clicks$/;
const events = { namespace: ['db'], name: 'events' };
const clicks = { namespace: ['db'], name: 'clicks' };
const commits: TableCommit[] = [
  {
    identifier: events,
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 9007199254740993n }],
    updates: [{ action: 'set-properties', updates: { a: '1' } }],
  },
  {
    identifier: clicks,
    requirements: [{ type: 'assert-table-uuid', uuid: 'u-2' }],
    updates: [{ action: 'remove-properties', removals: ['b'] }],
  },
];
/** A server that advertises the transactions route. */
const txServer = (endpoints: string[] = [TRANSACTION]) =>
  configServer({ defaults: {}, overrides: { prefix: 'wh1' }, endpoints });
/** The golden load result, for another table. */
const loadResultOf = (location: string) =>
  loadResult.replace(/s3:\/\/warehouse\/rest\/db\/events/g, `s3://warehouse/rest/db/${location}`);

describe('RestCatalog.supportsMultiTableCommit', () => {
  it.each([
    ['the server lists the route', [TRANSACTION], true],
    ['the server lists other routes only', ['GET /v1/{prefix}/namespaces'], false],
    ['the server sends no endpoint list', undefined, false],
  ])('%s: %s', async (_case, endpoints, expected) => {
    const fake = configServer({ overrides: { prefix: 'wh1' }, ...(endpoints ? { endpoints } : {}) });
    expect(await (await connectFake(fake)).supportsMultiTableCommit()).toBe(expected);
  });

  it('refuses commitTables without the route, sending nothing', async () => {
    const fake = configServer();
    const error = await (await connectFake(fake)).commitTables(commits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(fake.requests).toHaveLength(1); // the config handshake only
  });
});

describe('RestCatalog.commitTables', () => {
  it('posts a CommitTransactionRequest once, with an Idempotency-Key, and loads every table after the 204', async () => {
    const fake = txServer()
      .on('POST', TX_PATH, { status: 204 })
      .on('GET', EVENTS_PATH, { status: 200, text: loadResult })
      .on('GET', CLICKS_PATH, { status: 200, text: loadResultOf('clicks') });
    const loaded = await (await connectFake(fake)).commitTables(commits);
    expect(loaded.map((t) => t.identifier)).toEqual([events, clicks]);
    expect(loaded[1]?.metadata.location).toBe('s3://warehouse/rest/db/clicks');
    expect(loaded[0]?.config).toEqual({ 'client.region': 'us-east-1' });
    const posts = fake.to('POST', TX_PATH);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[0]?.body).toContain('"snapshot-id":9007199254740993');
    expect(parseJson(posts[0]?.body ?? '')).toEqual({
      'table-changes': [
        {
          identifier: { namespace: ['db'], name: 'events' },
          requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 9007199254740993n }],
          updates: [{ action: 'set-properties', updates: { a: '1' } }],
        },
        {
          identifier: { namespace: ['db'], name: 'clicks' },
          requirements: [{ type: 'assert-table-uuid', uuid: 'u-2' }],
          updates: [{ action: 'remove-properties', removals: ['b'] }],
        },
      ],
    });
  });

  it('maps a 409 to CommitConflictError naming the tables', async () => {
    const fake = txServer().on(
      'POST',
      TX_PATH,
      errorReply(409, 'CommitFailedException', 'branch main has changed'),
    );
    const error = await (await connectFake(fake)).commitTables(commits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitConflictError);
    expect((error as CommitConflictError).message).toContain('branch main has changed');
    expect((error as CommitConflictError).context.table).toBe('db.events, db.clicks');
  });

  it('maps a 404 to NoSuchTableError', async () => {
    const fake = txServer().on('POST', TX_PATH, errorReply(404, 'NoSuchTableException'));
    await expect((await connectFake(fake)).commitTables(commits)).rejects.toBeInstanceOf(NoSuchTableError);
  });

  it.each([
    ['HTTP 500', errorReply(500, 'CommitStateUnknownException')],
    ['HTTP 502', errorReply(502, 'BadGateway')],
    ['HTTP 503', errorReply(503, 'ServiceUnavailable')],
    ['HTTP 504', { status: 504, text: '<html>gateway timeout</html>' }],
    ['a reset connection', { throws: connectionError('ECONNRESET') }],
    ['a timeout', { throws: new DOMException('The operation was aborted due to timeout', 'TimeoutError') }],
  ])('maps %s to CommitStateUnknownError and never resends', async (_what, reply) => {
    const fake = txServer().on('POST', TX_PATH, reply);
    const error = await (await connectFake(fake)).commitTables(commits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitStateUnknownError);
    expect(fake.to('POST', TX_PATH)).toHaveLength(1);
  });

  it('a committed transaction whose tables cannot be reloaded is CommitStateUnknownError, not a failure', async () => {
    const fake = txServer()
      .on('POST', TX_PATH, { status: 204 })
      .on('GET', EVENTS_PATH, { status: 200, text: loadResult })
      .on('GET', CLICKS_PATH, errorReply(503, 'ServiceUnavailable'));
    const error = await (await connectFake(fake)).commitTables(commits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitStateUnknownError);
    expect((error as CommitStateUnknownError).message).toMatch(/committed db\.events, db\.clicks/);
    expect(fake.to('POST', TX_PATH)).toHaveLength(1);
  });

  it('a 204 after which a table lacks the snapshot it added is CommitStateUnknownError naming it (applied in part)', async () => {
    const addSnapshot = (snapshotId: bigint) => ({
      action: 'add-snapshot' as const,
      snapshot: {
        snapshotId,
        sequenceNumber: 2,
        timestampMs: 1,
        manifestList: 's3://b/snap.avro',
        summary: { operation: 'append' },
      },
    });
    const fake = txServer()
      .on('POST', TX_PATH, { status: 204 })
      .on('GET', EVENTS_PATH, { status: 200, text: loadResult })
      .on('GET', CLICKS_PATH, { status: 200, text: loadResultOf('clicks') });
    const catalog = await connectFake(fake);
    // the golden table holds snapshot 2^53 + 1 and no other
    const landed = { identifier: events, requirements: [], updates: [addSnapshot(9007199254740993n)] };
    const lost = { identifier: clicks, requirements: [], updates: [addSnapshot(77n)] };
    const error = await catalog.commitTables([landed, lost]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitStateUnknownError);
    expect((error as CommitStateUnknownError).message).toMatch(/table db\.clicks lacks its snapshot 77/);
    expect(await catalog.commitTables([landed])).toHaveLength(1);
  });

  it('refuses a table named twice, and commits nothing for no tables', async () => {
    const fake = txServer();
    const catalog = await connectFake(fake);
    await expect(catalog.commitTables([commits[0]!, commits[0]!])).rejects.toBeInstanceOf(ValidationError);
    expect(await catalog.commitTables([])).toEqual([]);
    expect(fake.to('POST', TX_PATH)).toHaveLength(0);
  });
});

describe('RestCatalog commit replies that cannot be read', () => {
  it.each([
    ['a truncated body', { status: 200, text: loadResult.slice(0, 200) }],
    ['a body that is not JSON', { status: 200, text: '<html>ok</html>' }],
    ['JSON of the wrong shape', { status: 200, json: { 'metadata-location': 's3://x' } }],
    [
      'metadata floe cannot read',
      { status: 200, text: loadResult.replace('"format-version": 2', '"format-version": 9') },
    ],
  ])('a 200 with %s is CommitStateUnknownError (the commit landed), sent once', async (_what, reply) => {
    const fake = configServer().on('POST', EVENTS_PATH, reply);
    const error = await (await connectFake(fake))
      .commitTable(events, [], [{ action: 'set-properties', updates: { a: '1' } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitStateUnknownError);
    expect((error as CommitStateUnknownError).message).toMatch(/accepted the commit \(HTTP 200\)/);
    expect((error as CommitStateUnknownError).context.table).toBe('db.events');
    expect(fake.to('POST', EVENTS_PATH)).toHaveLength(1);
  });

  it('a read whose 200 cannot be parsed is a retryable StorageError, retried', async () => {
    const fake = configServer().on(
      'GET',
      EVENTS_PATH,
      { status: 200, text: '{"metadata-loc' },
      {
        status: 200,
        text: loadResult,
      },
    );
    const loaded = await (await connectFake(fake)).loadTable(events);
    expect(loaded.metadata.location).toBe('s3://warehouse/rest/db/events');
    expect(fake.to('GET', EVENTS_PATH)).toHaveLength(2);
    const broken = configServer().on('GET', EVENTS_PATH, { status: 200, text: 'not json' });
    const error = await (await connectFake(broken)).loadTable(events).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).retryable).toBe(true);
  });
});

describe('RestCatalog.createTable and format versions', () => {
  const schema = { schemaId: 0, identifierFieldIds: [], fields: [] };

  it('sends format-version 3 as asked (v3 tables get row lineage)', async () => {
    const fake = configServer().on('POST', /\/namespaces\/db\/tables$/, { status: 200, text: loadResult });
    await (await connectFake(fake)).createTable(events, { schema, properties: { 'format-version': '3' } });
    const body = parseJson(fake.to('POST', /\/tables$/)[0]?.body ?? '') as { properties: unknown };
    expect(stringifyJson(body.properties)).toBe('{"format-version":"3"}');
  });

  it('sends format-version 2 as asked', async () => {
    const fake = configServer().on('POST', /\/namespaces\/db\/tables$/, { status: 200, text: loadResult });
    await (await connectFake(fake)).createTable(events, { schema, properties: { 'format-version': '2' } });
    const body = parseJson(fake.to('POST', /\/tables$/)[0]?.body ?? '') as { properties: unknown };
    expect(stringifyJson(body.properties)).toBe('{"format-version":"2"}');
  });
});
