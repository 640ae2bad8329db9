// The README's two checking commands as a user runs them, child processes of
// bin/floe.js against the stack (Kafka, schema registry, REST catalog, S3):
// `floe validate --connectivity` says what answered, for every table a
// connector names (a route's default too), reads storage through floe's own
// client, and names what fails with exit 1 (a topic not there, a wrong S3
// secret); `floe tables --lag` (and --json) shows each table's committed
// offsets and how far the broker is ahead of them.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { AlreadyExistsError } from '../../src/errors.ts';
import { KAFKA } from '../support/brokers.ts';
import { runFloe } from '../support/floe-cli.ts';
import { interopSchema } from '../support/interop-table.ts';
import { testFileIO } from '../support/io.ts';
import { createTopic } from '../support/kafka-tools.ts';
import { orderScenario, produceOrders, SCENARIO_PARTITIONS } from '../support/order-scenario.ts';
import { services, uniqueName } from '../support/services.ts';
import { openCatalog, waitForRecords } from '../support/table-watch.ts';
import { stackS3, WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const workers: WorkerProcess[] = [];
const catalogs: Catalog[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.kill9();
});
afterAll(async () => {
  for (const catalog of catalogs) await catalog.close();
});

describe('floe validate --connectivity (REST catalog, S3)', () => {
  it('says what answered for each service and table, and names what fails', async () => {
    const topic = uniqueName('validate');
    await createTopic(topic, 2);
    await createTopic(`${topic}-r`, 2);
    const table = `it_rest.${topic}`;
    const connectors = {
      orders: { topics: [topic], value: { format: 'avro' }, table },
      routed: {
        topics: [`${topic}-r`],
        value: { format: 'json' },
        route: { field: 'type', tables: { a: `${table}_a` }, default: `${table}_other` },
      },
    };
    const setup = writeWorkerConfig({ groupId: uniqueName('group'), catalog: 'rest', connectors });
    const validate = () => runFloe(['validate', '--config', setup.configFile, '--connectivity']);

    const first = await validate();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const lines = first.stdout.split('\n');
    expect(lines).toContain(`ok  connector orders (${setup.dir}/connectors/orders.yaml)`);
    expect(lines.find((l) => l.startsWith(`ok  Kafka at ${services.kafkaBrokers}: `))).toMatch(
      /every listed connector topic exists$/,
    );
    expect(lines.find((l) => l.startsWith(`ok  schema registry at ${services.registryUrl}: `))).toMatch(
      /\d+ subjects$/,
    );
    expect(lines.find((l) => l.startsWith(`ok  catalog (rest) ${services.restUri}: `))).toMatch(
      /namespaces$/,
    );
    expect(lines).toContain(
      `ok  tables: ${table} (created on first record), ${table}_a (created on first record), ${table}_other (created on first record)`,
    );
    const probe = new RegExp(
      `wrote and deleted s3://${services.s3.bucket}/rest/\\.floe-validate-[0-9a-f-]{36}$`,
    );
    expect(lines.find((l) => l.startsWith('ok  storage: '))).toMatch(probe);

    // Once a table exists, its metadata file is read through floe's S3 client.
    const catalog = await openCatalog('rest', setup);
    catalogs.push(catalog);
    await catalog.createNamespace(['it_rest']).catch((error: unknown) => {
      if (!(error instanceof AlreadyExistsError)) throw error;
    });
    await catalog.createTable(parseTableIdentifier(table), { schema: interopSchema });
    const second = await validate();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain(`ok  tables: ${table}, ${table}_a (created on first record)`);
    expect(second.stdout).toMatch(
      /\nok {2}storage: read 1 table metadata file\(s\) \(\d+ bytes\); wrote and deleted s3:\/\/.+\n/,
    );
    // The probe object is gone.
    const left = [];
    for await (const file of testFileIO().list(`s3://${services.s3.bucket}/rest/.floe-validate-`))
      left.push(file.path);
    expect(left).toEqual([]);

    // A wrong secret fails storage (the REST catalog has its own); a topic not there fails Kafka.
    const broken = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'rest',
      connectors: {
        ...connectors,
        missing: { topics: [`${topic}-nope`], value: { format: 'json' }, table: `${table}_nope` },
      },
      extra: { storage: { s3: stackS3({ secretAccessKey: 'not-the-secret' }) } },
    });
    const failed = await runFloe(['validate', '--config', broken.configFile, '--connectivity']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`ERR Kafka at ${services.kafkaBrokers}: topics not found: ${topic}-nope`);
    expect(failed.stdout).toMatch(/\nok {2}catalog \(rest\) /);
    expect(failed.stdout).toMatch(/\nERR storage: .+/);
  }, 120_000);
});

describe('floe tables --lag (REST catalog, S3)', () => {
  it('shows the committed offsets per partition and the lag behind the broker, in text and JSON', async () => {
    const s = await orderScenario('rest', 'tableslag', KAFKA, { commit: { intervalMs: 500 } });
    const config = ['--config', s.setup.configFile];
    const before = await runFloe(['tables', ...config, '--lag']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toBe(`orders -> ${s.table}: not created yet\n`);

    await produceOrders(s, 0, 600);
    const worker = new WorkerProcess(s.setup);
    workers.push(worker);
    await worker.waitForLine(/partitions assigned/, 60_000);
    const catalog = await openCatalog('rest', s.setup);
    catalogs.push(catalog);
    await waitForRecords(catalog, s.table, 600, { timeoutMs: 60_000 });
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    // The broker runs ahead of the table: 60 more records, 10 per partition.
    await produceOrders(s, 600, 660);

    const text = await runFloe(['tables', ...config, '--lag']);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^orders -> ${s.table}: \\d+ snapshots, 600 records in \\d+ files at s3://`),
    );
    expect(lines[1]).toMatch(/^ {2}metadata: s3:\/\/.+\.metadata\.json$/);
    expect(lines.slice(2)).toEqual(
      Array.from({ length: SCENARIO_PARTITIONS }, (_, p) => `  ${s.topic}[${p}] committed up to 100, lag 10`),
    );

    const json = await runFloe(['tables', ...config, '--lag', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(report).toEqual([
      expect.objectContaining({
        connector: 'orders',
        table: s.table,
        totalRecords: '600',
        partitions: Array.from({ length: SCENARIO_PARTITIONS }, (_, p) => ({
          topic: s.topic,
          partition: p,
          offset: '100',
          lag: '10',
        })),
      }),
    ]);
  }, 120_000);
});
