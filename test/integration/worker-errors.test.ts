// Poison records through `floe run` (SQLite catalog): garbage bytes and an
// unknown schema id. Under `dlq` they land in the DLQ topic with error headers
// while every good record lands in the table; under `fail` the worker stops
// with a non-zero exit naming topic, partition and offset, after committing the
// good records that precede the poison.
import { describe, expect, it } from 'vitest';
import { createTopic, registerAvro, registry, TestProducer } from '../support/kafka-tools.ts';
import { ORDER_SCHEMA_V1, orderPayload } from '../support/orders.ts';
import { readTopic } from '../support/read-topic.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, waitForRecords } from '../support/table-watch.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const GARBAGE = Buffer.from('{"this is": "not avro in the wire format"}');
const UNKNOWN_ID = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0x01]), Buffer.from([2, 4, 6])]);

/** 1000 good orders on partitions 0 and 1, with poison at ids 100 (garbage, p0) and 301 (unknown id, p1). */
async function producePoisoned(topic: string, schemaId: number): Promise<void> {
  const producer = await new TestProducer().connect();
  try {
    const records = [];
    for (let i = 0; i < 1000; i++) {
      let value = await registry.encode(schemaId, orderPayload(i));
      if (i === 100) value = GARBAGE;
      if (i === 301) value = UNKNOWN_ID;
      records.push({
        key: Buffer.from(String(i)),
        value,
        partition: i % 2,
        headers: [['trace', `t${i}`] as const],
      });
    }
    await producer.send(topic, records);
  } finally {
    await producer.disconnect();
  }
}

describe('floe run: bad records', () => {
  it('dlq: poison records go to the DLQ topic with error headers, the rest to the table', async () => {
    const topic = uniqueName('poison');
    const dlq = `${topic}-dlq`;
    const table = `it_errors.${topic}`;
    await createTopic(topic, 2);
    await createTopic(dlq, 1);
    await producePoisoned(topic, await registerAvro(`${topic}-value`, ORDER_SCHEMA_V1));
    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: {
        orders: {
          topics: [topic],
          value: { format: 'avro' },
          table,
          commit: { intervalMs: 1000 },
          errors: { policy: 'dlq', dlqTopic: dlq },
        },
      },
    });
    const worker = new WorkerProcess(setup);
    const catalog = await openCatalog('sql', setup);
    try {
      await waitForRecords(catalog, table, 998);
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await worker.stop();
      await catalog.close();
    }
    const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table, noRows: false });
    const ids = read.rows.map((r) => r.id as number).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 100 && i !== 301));

    const dead = await readTopic(dlq, 2);
    expect(dead.length).toBe(2);
    const byKey = new Map(dead.map((r) => [r.key?.toString(), r]));
    const headers = (key: string) =>
      Object.fromEntries(byKey.get(key)!.headers.map(([name, value]) => [name, value.toString()]));
    expect(byKey.get('100')?.value).toEqual(GARBAGE);
    expect(headers('100')).toMatchObject({
      trace: 't100',
      'floe.error.reason': 'malformed',
      'floe.error.topic': topic,
      'floe.error.partition': '0',
      'floe.error.offset': '50',
      'floe.error.connector': 'orders',
      'floe.error.id': `orders/${topic}/0/50`,
    });
    expect(byKey.get('301')?.value).toEqual(UNKNOWN_ID);
    expect(headers('301')).toMatchObject({
      'floe.error.reason': 'unknown-schema-id',
      'floe.error.partition': '1',
      'floe.error.offset': '150',
      'floe.error.id': `orders/${topic}/1/150`,
    });
    expect(headers('301')['floe.error.message']).toMatch(/schema id/);
  });

  it('fail: the worker stops non-zero naming topic, partition and offset, keeping what precedes', async () => {
    const topic = uniqueName('poison');
    const table = `it_errors.${topic}`;
    await createTopic(topic, 2);
    await producePoisoned(topic, await registerAvro(`${topic}-value`, ORDER_SCHEMA_V1));
    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: {
        orders: { topics: [topic], value: { format: 'avro' }, table, errors: { policy: 'fail' } },
      },
    });
    const worker = new WorkerProcess(setup);
    const exit = await Promise.race([
      worker.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('worker did not stop')), 60_000)),
    ]);
    expect(exit.code).toBe(1);
    const stop = worker.lines.find((line) => line.includes('stopping:'));
    expect(stop).toBeDefined();
    expect(stop).toMatch(new RegExp(`${topic}\\[0\\]@50|${topic}\\[1\\]@150`));
    const context = JSON.parse(stop!) as Record<string, unknown>;
    expect(context).toMatchObject({ topic });
    expect(['50', '150']).toContain(context.offset);

    // What precedes the poison in its partition is committed; nothing at or after it.
    const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table });
    const ids = new Set(read.rows.map((r) => r.id as number));
    const partition = context.partition === 0 ? 0 : 1;
    const poison = partition === 0 ? 100 : 301;
    for (let i = partition; i < 1000; i += 2) expect(ids.has(i)).toBe(i < poison);
  });
});
