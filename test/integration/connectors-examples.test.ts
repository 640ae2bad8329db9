// The connector files that ship in connectors/ run as shipped against the stack:
// one `floe run` whose worker file points its connectorsDir at the repository's
// connectors/ folder (a fresh SQLite catalog; Kafka and the schema registry of
// the stack) consumes sample records produced to each file's own topics in each
// file's format (Avro through the registry, schemaless JSON, JSON with a declared
// schema), and PyIceberg reads back every table with every value equal.
// The topics are the files' own (orders, clicks.web, clicks.mobile, app-events,
// clicks-dlq): they are deleted and re-created first, so each run starts empty.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KafkaAdminClient } from '../../src/worker/kafka/admin-client.ts';
import { registerAvro, registry, TestProducer } from '../support/kafka-tools.ts';
import { metric, parseMetrics } from '../support/prometheus-text.ts';
import { readTopic } from '../support/read-topic.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { pyTimestamptz } from '../support/reader-form.ts';
import { services, uniqueName } from '../support/services.ts';
import { readerCatalog } from '../support/table-watch.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const CONNECTORS = join(services.root, 'connectors');
const TOPICS: Record<string, number> = {
  orders: 3,
  'clicks.web': 2,
  'clicks.mobile': 1,
  'clicks-dlq': 1,
  'app-events': 2,
};
const BASE_MICROS = 1_717_200_000_000_000n; // 2024-06-01T00:00:00Z

const ORDER_SCHEMA = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
  ],
};

const ORDERS = 600;
const CLICKS = 400;
const EVENTS = 300;

const orderTs = (i: number) => BASE_MICROS + BigInt(i) * 3_600_000_000n; // one an hour
const clickIso = (i: number) => new Date(Date.UTC(2024, 5, 1) + i * 61_000).toISOString();
const eventIso = (i: number) => new Date(Date.UTC(2024, 5, 1) + i * 3_600_000).toISOString();

async function recreateTopics(): Promise<void> {
  const admin = KafkaAdminClient.create({ bootstrapServers: services.kafkaBrokers, groupId: 'floe-tests' });
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of Object.keys(TOPICS)) if (existing.has(topic)) await admin.deleteTopic(topic);
    for (const [topic, partitions] of Object.entries(TOPICS)) {
      // deletion finishes in the background: retry the creation until the name is free
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await admin.createTopic(topic, partitions);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}

async function produceSamples(): Promise<void> {
  const schemaId = await registerAvro('orders-value', ORDER_SCHEMA);
  const producer = await new TestProducer().connect();
  try {
    const orders = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => ({
        key: Buffer.from(`order-${i}`),
        partition: i % TOPICS.orders!,
        value: await registry.encode(schemaId, {
          id: i,
          ts: Number(orderTs(i)),
          customer: `c${i % 37}`,
          amount: i + 0.5,
        }),
      })),
    );
    await producer.send('orders', orders);

    for (const [topic, partitions] of [
      ['clicks.web', 2],
      ['clicks.mobile', 1],
    ] as const) {
      const offset = topic === 'clicks.web' ? 0 : CLICKS;
      const clicks = Array.from({ length: CLICKS }, (_, i) => ({
        key: null,
        partition: i % partitions,
        value: Buffer.from(
          JSON.stringify({ id: offset + i, ts: clickIso(offset + i), page: `/p/${i % 9}`, ms: i * 3 }),
        ),
      }));
      await producer.send(topic, clicks);
    }
    // a later ts that is not a timestamp: the record goes to clicks-dlq, the column stays timestamptz
    await producer.send('clicks.web', [
      { key: null, partition: 0, value: Buffer.from(JSON.stringify({ id: -1, ts: 'soon', page: '/' })) },
    ]);

    const events = Array.from({ length: EVENTS }, (_, i) => ({
      key: Buffer.from(`e${i}`),
      partition: i % TOPICS['app-events']!,
      value: Buffer.from(
        JSON.stringify({
          id: `e${i}`,
          type: i % 3 === 0 ? 'purchase' : 'signup',
          ts: eventIso(i),
          amount: i % 3 === 0 ? `${i}.25` : null,
          tags: [`t${i % 4}`],
          user: { id: 1000 + i, country: i % 2 === 0 ? 'NL' : 'DE' },
        }),
      ),
    }));
    // an unknown type has no table: errors.policy skip counts and skips it
    events.push({
      key: Buffer.from('refund'),
      partition: 0,
      value: Buffer.from(JSON.stringify({ id: 'r1', type: 'refund', ts: eventIso(0) })),
    });
    await producer.send('app-events', events);
  } finally {
    await producer.disconnect();
  }
}

async function consumed(port: number): Promise<Record<string, number>> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const samples = parseMetrics(await response.text());
  const count = (connector: string, topic: string) =>
    metric(samples, 'floe_records_consumed_total', { connector, topic }) ?? 0;
  return {
    orders: count('orders-avro', 'orders'),
    clicks: count('clicks', 'clicks.web') + count('clicks', 'clicks.mobile'),
    events: count('events-routed', 'app-events'),
  };
}

describe('the shipped connector files run against the stack', () => {
  it('connectors/*.yaml, as shipped, land sample records in their tables', { timeout: 300_000 }, async () => {
    expect(
      readdirSync(CONNECTORS)
        .filter((name) => name.endsWith('.yaml'))
        .sort(),
    ).toEqual(['clicks-json.yaml', 'events-routed.yaml', 'orders-avro.yaml']);
    const started = Date.now();
    const phase = (name: string) =>
      console.log(`[connectors-examples] ${((Date.now() - started) / 1000).toFixed(1)} s: ${name}`);
    await recreateTopics();
    phase('topics re-created');
    const setup = writeWorkerConfig({
      groupId: uniqueName('examples'),
      catalog: 'sql',
      connectors: {},
      extra: { connectorsDir: CONNECTORS },
    });
    await produceSamples();
    phase('samples produced');
    const worker = new WorkerProcess(setup, { CLICKS_COMMIT_INTERVAL_MS: '2000' });
    const line = await worker.waitForLine(/"http server listening"/, 60_000);
    const port = (JSON.parse(line) as { port: number }).port;

    // orders-avro and events-routed commit every 60 s: SIGTERM commits what was read
    const expected = { orders: ORDERS, clicks: 2 * CLICKS + 1, events: EVENTS + 1 };
    const deadline = Date.now() + 180_000;
    let seen = await consumed(port);
    while (JSON.stringify(seen) !== JSON.stringify(expected)) {
      if (worker.child.exitCode !== null)
        throw new Error(`worker exited:\n${worker.lines.slice(-20).join('\n')}`);
      if (Date.now() > deadline)
        throw new Error(`consumed ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      seen = await consumed(port);
    }
    phase('every sample consumed');
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    phase('worker stopped (SIGTERM commits the open batches)');
    const reader = readerCatalog('sql', setup);

    const orders = await readWithPyIceberg(reader, 'table', { table: 'shop.orders' });
    expect(orders.schema?.partition_spec).toMatch(/day\(/);
    expect(orders.schema?.partition_spec).toMatch(/bucket\[16\]/);
    expect(orders.rows.length).toBe(ORDERS);
    for (const row of orders.rows.sort((a, b) => (a.id as number) - (b.id as number))) {
      const i = row.id as number;
      expect(row).toMatchObject({ ts: pyTimestamptz(orderTs(i)), customer: `c${i % 37}`, amount: i + 0.5 });
      expect(row._kafka).toMatchObject({ topic: 'orders', partition: i % 3, key: `order-${i}` });
    }

    const clicks = await readWithPyIceberg(reader, 'table', { table: 'web.clicks' });
    expect(clicks.schema?.schema_string).toMatch(/ts: optional timestamptz/);
    expect(clicks.schema?.partition_spec).toMatch(/hour\(/);
    expect(clicks.rows.length).toBe(2 * CLICKS);
    for (const row of clicks.rows) {
      const i = row.id as number;
      expect(row.ts).toBe(pyTimestamptz(BigInt(Date.parse(clickIso(i))) * 1000n));
    }
    const dead = await readTopic('clicks-dlq', 1);
    expect(dead.length).toBe(1);
    const headers = Object.fromEntries(dead[0]!.headers.map(([name, value]) => [name, value.toString()]));
    expect(headers['floe.error.connector']).toBe('clicks');
    expect(headers['floe.error.message']).toMatch(/ts: a string that is not an ISO-8601 date or timestamp/);

    phase('orders, clicks and the dead letter checked');
    const signups = await readWithPyIceberg(reader, 'table', { table: 'app.signups' });
    const purchases = await readWithPyIceberg(reader, 'table', { table: 'app.purchases' });
    expect(signups.rows.length + purchases.rows.length).toBe(EVENTS);
    expect(purchases.rows.length).toBe(EVENTS / 3);
    for (const row of purchases.rows) {
      const i = Number((row.id as string).slice(1));
      expect(row).toMatchObject({
        type: 'purchase',
        ts: pyTimestamptz(BigInt(Date.parse(eventIso(i))) * 1000n),
        amount: `${i}.25`,
        tags: [`t${i % 4}`],
        user: { id: 1000 + i, country: i % 2 === 0 ? 'NL' : 'DE' },
      });
    }
    expect(signups.rows.every((row) => row.type === 'signup' && row.amount === null)).toBe(true);
    phase('events checked');
  });
});
