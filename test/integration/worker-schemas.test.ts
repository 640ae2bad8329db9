// Schema handling through `floe run` (SQLite catalog): three registered Avro
// schema versions mid-stream (add an optional field, add a nested field, promote
// int to long) evolve one table; and a schemaless JSON topic lands in a table
// with an inferred, widened schema. Checked row by row with PyIceberg; Spark and
// DuckDB read the Avro table identically.
import { describe, expect, it } from 'vitest';
import { createTopic, registerAvro, registry } from '../support/kafka-tools.ts';
import { produceNumbered } from '../support/produce.ts';
import { readWithPyIceberg } from '../support/reader.ts';
import { pyTimestamptz } from '../support/reader-form.ts';
import { uniqueName } from '../support/services.ts';
import { openCatalog, readerCatalog, waitForRecords } from '../support/table-watch.ts';
import { expectReadersAgree } from '../support/three-readers.ts';
import { WorkerProcess, writeWorkerConfig } from '../support/worker-process.ts';

const BASE = 1_717_200_000_000_000n;
const v1 = {
  type: 'record',
  name: 'Event',
  namespace: 'floe.it',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'name', type: 'string' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
  ],
};
const v2 = { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] };
const v3 = {
  ...v2,
  fields: [
    { name: 'id', type: 'long' },
    ...v2.fields.slice(1),
    {
      name: 'address',
      type: [
        'null',
        {
          type: 'record',
          name: 'Address',
          fields: [
            { name: 'street', type: 'string' },
            { name: 'zip', type: 'int' },
          ],
        },
      ],
      default: null,
    },
  ],
};

describe('floe run: schemas', () => {
  it('evolves one table through three registered Avro schema versions mid-stream', async () => {
    const topic = uniqueName('events');
    const table = `it_schemas.${topic}`;
    await createTopic(topic, 3);
    const subject = `${topic}-value`;
    const [id1, id2, id3] = [
      await registerAvro(subject, v1),
      await registerAvro(subject, v2),
      await registerAvro(subject, v3),
    ];
    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: {
        events: { topics: [topic], value: { format: 'avro' }, table, commit: { intervalMs: 1000 } },
      },
    });
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    const base = (i: number) => ({ id: i, name: `e${i}`, ts: Number(BASE + BigInt(i) * 1_000_000n) });
    await produceNumbered(topic, 3, range(0, 3000), (i) => registry.encode(id1, base(i)));
    const worker = new WorkerProcess(setup);
    const catalog = await openCatalog('sql', setup);
    try {
      await waitForRecords(catalog, table, 3000);
      await produceNumbered(topic, 3, range(3000, 6000), (i) =>
        registry.encode(id2, { ...base(i), note: `note${i}` }),
      );
      await waitForRecords(catalog, table, 6000);
      const big = 2 ** 40;
      await produceNumbered(topic, 3, range(6000, 9000), (i) =>
        registry.encode(id3, {
          ...base(i),
          id: big + i,
          note: null,
          address: i % 2 ? { street: `s${i}`, zip: i } : null,
        }),
      );
      await waitForRecords(catalog, table, 9000);
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await worker.stop();
      await catalog.close();
    }

    const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table });
    const types = Object.fromEntries((read.schema?.all_fields ?? []).map(([, name, , type]) => [name, type]));
    expect(types).toMatchObject({ id: 'long', name: 'string', note: 'string', street: 'string', zip: 'int' });
    expect(read.schema?.schema_string).toMatch(/address: optional struct/);
    const expected = (i: number) => {
      const id = i < 6000 ? i : 2 ** 40 + i;
      return {
        id,
        name: `e${i}`,
        ts: pyTimestamptz(BASE + BigInt(i) * 1_000_000n),
        note: i >= 3000 && i < 6000 ? `note${i}` : null,
        address: i >= 6000 && i % 2 ? { street: `s${i}`, zip: i } : null,
      };
    };
    const rows = read.rows.sort((a, b) => (a.id as number) - (b.id as number));
    expect(rows.length).toBe(9000);
    expect(rows).toEqual(Array.from({ length: 9000 }, (_, i) => expected(i)));
    expect(read.snapshots.some((s) => s.summary['floe.commit-id'] !== undefined)).toBe(true);
    // Spark and DuckDB read the evolved table as PyIceberg does.
    const agreed = await expectReadersAgree(readerCatalog('sql', setup), [table]);
    expect(agreed.get(table)).toHaveLength(9000);
  }, 600_000); // Spark starts a JVM: ~30 s on a quiet machine, minutes on a loaded one

  it('lands a schemaless JSON topic in a table with an inferred schema', async () => {
    const topic = uniqueName('clicks');
    const table = `it_schemas.${topic}`;
    await createTopic(topic, 2);
    const setup = writeWorkerConfig({
      groupId: uniqueName('group'),
      catalog: 'sql',
      connectors: {
        clicks: { topics: [topic], value: { format: 'json' }, table, commit: { intervalMs: 1000 } },
      },
    });
    const click = (i: number) => ({
      id: i,
      page: `/p/${i % 7}`,
      price: i + 0.5,
      // Partition = id % 2, and an empty list says nothing about its element type (the
      // field stays out until a record shows one): the first record of each partition
      // has tags, so the column exists before any empty list, whichever partition comes first.
      tags: i % 2 || i === 0 ? ['a', `t${i}`] : [],
      meta: { source: i % 3 ? 'web' : 'app', depth: i % 4 },
      ...(i >= 500 ? { campaign: `c${i % 5}` } : {}),
    });
    const ids = Array.from({ length: 1000 }, (_, i) => i);
    await produceNumbered(topic, 2, ids, (i) => Buffer.from(JSON.stringify(click(i))));
    const worker = new WorkerProcess(setup);
    const catalog = await openCatalog('sql', setup);
    try {
      await waitForRecords(catalog, table, 1000);
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await worker.stop();
      await catalog.close();
    }
    const read = await readWithPyIceberg(readerCatalog('sql', setup), 'table', { table });
    const types = Object.fromEntries((read.schema?.all_fields ?? []).map(([, name, , type]) => [name, type]));
    expect(types).toMatchObject({
      id: 'long',
      page: 'string',
      price: 'double',
      source: 'string',
      depth: 'long',
      campaign: 'string',
    });
    const rows = read.rows.sort((a, b) => (a.id as number) - (b.id as number));
    expect(rows).toEqual(ids.map((i) => ({ campaign: null, ...click(i) })));
  });
});
