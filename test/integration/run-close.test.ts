// `floe run` closes its connectors once the worker stopped: a keyed connector's
// key index store (LMDB, memory-mapped, outside the heap) is closed after the
// last commit, and a connector whose close fails is logged, not thrown: the run
// still exits 0. In process (runCommand with a stop signal standing in for
// SIGTERM), against the stack's Kafka and a local SQLite catalog; the store's
// close is watched through a spy that calls the real one.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { runCommand } from '../../src/cli/run-command.ts';
import type { Logger } from '../../src/log.ts';
import { ConnectorRuntime } from '../../src/worker/connector-runtime.ts';
import { LmdbKeyStores } from '../../src/worker/upsert/lmdb-key-store.ts';
import { createTopic } from '../support/kafka-tools.ts';
import { produceNumbered } from '../support/produce.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, waitForRecords } from '../support/table-watch.ts';
import { writeWorkerConfig } from '../support/worker-process.ts';

const RECORDS = 200;

const catalogs: Catalog[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const catalog of catalogs.splice(0)) await catalog.close().catch(() => undefined);
});

/** A logger that keeps the error lines and drops the rest. */
function errorLines(): { log: Logger; errors: Array<{ message: string; fields: Record<string, unknown> }> } {
  const errors: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message, fields = {}) => errors.push({ message, fields }),
    child: () => log,
  };
  return { log, errors };
}

describe('floe run on stop', () => {
  it('closes the key index store after the last commit, and logs a connector whose close fails', async () => {
    const keyedTopic = uniqueName('run_close_keyed');
    const plainTopic = uniqueName('run_close_plain');
    await createTopic(keyedTopic, 2);
    await createTopic(plainTopic, 2);
    const keyedTable = `it_close.${keyedTopic}`;
    const plainTable = `it_close.${plainTopic}`;
    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: {
        keyed: {
          topics: [keyedTopic],
          mode: 'upsert',
          key: { format: 'string', fields: ['id'] },
          value: { format: 'json' },
          table: keyedTable,
          commit: { intervalMs: 500 },
        },
        plain: {
          topics: [plainTopic],
          value: { format: 'json' },
          table: plainTable,
          commit: { intervalMs: 500 },
        },
      },
    });
    const ids = Array.from({ length: RECORDS }, (_, i) => i);
    const json = (i: number) => Buffer.from(JSON.stringify({ id: i, name: `n${i}` }));
    await produceNumbered(keyedTopic, 2, ids, json);
    await produceNumbered(plainTopic, 2, ids, json);

    const storeClose = vi.spyOn(LmdbKeyStores.prototype, 'close');
    const close = ConnectorRuntime.prototype.close;
    vi.spyOn(ConnectorRuntime.prototype, 'close').mockImplementation(async function (this: ConnectorRuntime) {
      if (this.settings.name === 'plain') throw new Error('close failed on purpose');
      await close.call(this);
    });
    const { log, errors } = errorLines();
    const stop = new AbortController();
    const exit = runCommand({ config: setup.configFile, port: 0, signal: stop.signal }, log);
    const catalog = await openCatalog('sql', setup);
    catalogs.push(catalog);
    await waitForRecords(catalog, keyedTable, RECORDS, { timeoutMs: 60_000 });
    await waitForRecords(catalog, plainTable, RECORDS, { timeoutMs: 60_000 });
    // The key index store is open (the keyed table's commits went through it) and stays open while the worker runs.
    expect(storeClose).not.toHaveBeenCalled();

    stop.abort();
    expect(await exit).toBe(0);
    expect(storeClose).toHaveBeenCalledTimes(1);
    await expect(storeClose.mock.results[0]?.value).resolves.toBeUndefined();
    expect(errors.filter((line) => line.message.startsWith('closing'))).toEqual([
      {
        message: 'closing the connector failed',
        fields: expect.objectContaining({ connector: 'plain', err: expect.any(Error) }),
      },
    ]);
  });
});
