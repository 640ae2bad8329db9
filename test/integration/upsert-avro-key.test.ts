// Upsert keyed by a primitive Avro Kafka key (`key.format: avro`, the key's
// schema `"long"` in the registry, no key.fields): `floe run` on the real stack
// (Kafka, schema registry, REST catalog + S3) keys each row by the column
// `_key`, so updates replace their key's row and null values delete it;
// PyIceberg reads the dictionary replay of the changes. Was: every record was a
// record error ("the Avro value schema must be a record ... (got long)").
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import type { ProducerRecord } from '../../src/worker/kafka-types.ts';
import { createTopic, registerAvro, registry, TestProducer } from '../support/kafka-tools.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { services, uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog } from '../support/table-watch.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';
import { wireRecord } from '../unit/codec/avro-fixtures.ts';

const PARTITIONS = 3;
const VALUE_SCHEMA = {
  type: 'record',
  name: 'Item',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'qty', type: 'int' },
  ],
};

describe('floe run: upsert keyed by a primitive Avro key (REST catalog, S3)', () => {
  const workers: WorkerProcess[] = [];
  let catalog: Catalog | undefined;
  afterAll(async () => {
    for (const worker of workers) await worker.kill9();
    await catalog?.close();
  });

  it('keys rows by the long key: updates replace, null values delete', async () => {
    const topic = uniqueName('upsertkey');
    const table = `it_rest.${topic}`;
    await createTopic(topic, PARTITIONS);
    // The registry client refuses an unnamed schema: registered over HTTP, encoded by hand.
    const registered = await fetch(`${services.registryUrl}/subjects/${topic}-key/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: '"long"' }),
    });
    expect(registered.ok).toBe(true);
    const keySchemaId = ((await registered.json()) as { id: number }).id;
    const valueSchemaId = await registerAvro(`${topic}-value`, VALUE_SCHEMA);
    // Inserts of keys 0-199, updates of 0-59, deletes of 150-179; a key's changes in one partition.
    const changes: Array<{ id: number; value: { name: string; qty: number } | null }> = [
      ...Array.from({ length: 200 }, (_, id) => ({ id, value: { name: `n${id}`, qty: id } })),
      ...Array.from({ length: 60 }, (_, id) => ({ id, value: { name: `n${id}`, qty: id + 1000 } })),
      ...Array.from({ length: 30 }, (_, i) => ({ id: 150 + i, value: null })),
    ];
    const records: ProducerRecord[] = [];
    for (const { id, value } of changes) {
      records.push({
        key: wireRecord(keySchemaId, 'long', id),
        value: value === null ? null : await registry.encode(valueSchemaId, value),
        partition: id % PARTITIONS,
      });
    }
    const producer = await new TestProducer().connect();
    try {
      await producer.send(topic, records);
    } finally {
      await producer.disconnect();
    }

    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'rest',
      connectors: {
        items: {
          topics: [topic],
          mode: 'upsert',
          key: { format: 'avro' },
          value: { format: 'avro' },
          table,
          commit: { intervalMs: 500 },
        },
      },
    });
    const worker = new WorkerProcess(setup);
    workers.push(worker);
    catalog = await openCatalog('rest', setup);
    const id = parseTableIdentifier(table);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const exists = await catalog.tableExists(id);
      const offsets = exists ? committedOffsets((await catalog.loadTable(id)).metadata, 'items') : undefined;
      const committed = [...(offsets?.get(topic)?.values() ?? [])].reduce((a, n) => a + Number(n), 0);
      if (committed >= changes.length) break;
      if (worker.child.exitCode !== null)
        throw new Error(`worker exited:\n${worker.lines.slice(-20).join('\n')}`);
      if (Date.now() > deadline)
        throw new Error(
          `${committed} of ${changes.length} committed:\n${worker.lines.slice(-10).join('\n')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    expect(worker.lines.filter((l) => l.includes('"level":"error"'))).toEqual([]);

    const replay = new Map<number, { name: string; qty: number }>();
    for (const { id: key, value } of changes) {
      if (value === null) replay.delete(key);
      else replay.set(key, value);
    }
    const read = await readWithPyIceberg(readerCatalog('rest', setup), 'table', { table });
    const rows = read.rows
      .map((row) => ({ key: Number(row._key), name: row.name, qty: row.qty }))
      .sort((a, b) => a.key - b.key);
    expect(rows).toEqual([...replay].sort((a, b) => a[0] - b[0]).map(([key, v]) => ({ key, ...v })));
    expect(rows).toHaveLength(170);
  }, 180_000);
});
