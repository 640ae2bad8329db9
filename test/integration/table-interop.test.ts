// Issue 3's interop proof: a table created and appended to three times by floe's
// library (struct, list, map, decimal, timestamptz, date, uuid, binary and
// optional columns; spec day(ts) + bucket(8, id) + truncate(4, name)) is read by
// PyIceberg with the same field ids, equal rows, partition pruning and floe's
// snapshot summaries; and a PyIceberg-made table takes floe's appends. On REST +
// S3 and on SQLite + local disk.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { buildPartitionSpec } from '../../src/iceberg/partition-spec.ts';
import { currentSchema } from '../../src/iceberg/table-metadata.ts';
import {
  decimal,
  fixed,
  indexFieldsById,
  primitive,
  type Row,
  type Schema,
} from '../../src/iceberg/types.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { appendRows } from '../support/floe-append.ts';
import { testFileIO } from '../support/io.ts';
import { createAndAppendWithPyIceberg, type ReaderCatalog, readWithPyIceberg } from '../support/reader.ts';
import { normalizeUuid, pyBytes, pyDate, pyDecimal, pyMap, pyTimestamptz } from '../support/reader-form.ts';
import { services, uniqueName } from '../support/services.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'ts', required: true, type: primitive('timestamptz') },
    { id: 3, name: 'day', required: false, type: primitive('date') },
    { id: 4, name: 'name', required: false, type: primitive('string') },
    { id: 5, name: 'amount', required: false, type: decimal(10, 2) },
    { id: 6, name: 'uid', required: false, type: primitive('uuid') },
    { id: 7, name: 'payload', required: false, type: primitive('binary') },
    {
      id: 8,
      name: 'attrs',
      required: false,
      type: {
        kind: 'struct',
        fields: [
          { id: 9, name: 'a', required: false, type: primitive('int') },
          { id: 10, name: 'b', required: false, type: primitive('string') },
        ],
      },
    },
    {
      id: 11,
      name: 'tags',
      required: false,
      type: { kind: 'list', elementId: 12, elementRequired: false, element: primitive('string') },
    },
    {
      id: 13,
      name: 'props',
      required: false,
      type: {
        kind: 'map',
        keyId: 14,
        key: primitive('string'),
        valueId: 15,
        valueRequired: false,
        value: primitive('long'),
      },
    },
    { id: 16, name: 'score', required: false, type: primitive('double') },
    { id: 17, name: 'code', required: false, type: fixed(3) },
  ],
};

const BASE_MICROS = 1_709_251_200_000_000n; // 2024-03-01T00:00:00Z
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

function makeRow(i: number): Row {
  return {
    id: BigInt(i),
    ts: BASE_MICROS + BigInt(i) * 216_000_000n + BigInt(i % 1000),
    day: 19_783 + (i % 5),
    name: i % 7 === 0 ? null : `${NAMES[i % 5]}${i % 3}`,
    amount: i % 11 === 0 ? null : BigInt(i * 137 - 5000),
    uid:
      i % 8 === 0
        ? null
        : `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${(i * 7919).toString(16).padStart(12, '0')}`,
    payload: i % 4 === 0 ? null : new Uint8Array([i & 255, (i >> 8) & 255, 7]),
    attrs: i % 6 === 0 ? null : { a: i % 9 === 0 ? null : i, b: `b${i}` },
    tags: i % 5 === 0 ? null : i % 5 === 1 ? [] : [`x${i}`, null, 'y'],
    props:
      i % 4 === 1
        ? null
        : i % 4 === 2
          ? new Map()
          : new Map<string, bigint | null>([
              ['k', BigInt(i)],
              ['z', null],
            ]),
    score: i % 13 === 0 ? Number.NaN : i % 17 === 0 ? null : i / 4,
    code: i % 9 === 0 ? null : new Uint8Array([1, 2, i & 255]),
  };
}

/** The JSON the PyIceberg reader prints for makeRow(i). */
function expectedReaderRow(i: number): Record<string, unknown> {
  const row = makeRow(i);
  const attrs = row.attrs as { a: number | null; b: string } | null;
  return {
    id: i,
    ts: pyTimestamptz(row.ts as bigint),
    day: pyDate(row.day as number),
    name: row.name,
    amount: row.amount === null ? null : pyDecimal(row.amount as bigint, 2),
    uid: row.uid,
    payload: row.payload === null ? null : pyBytes(row.payload as Uint8Array),
    attrs: attrs === null ? null : { a: attrs.a, b: attrs.b },
    tags: row.tags,
    props: row.props === null ? null : pyMap(row.props as Map<unknown, unknown>, (v) => Number(v)),
    score: Number.isNaN(row.score) ? 'NaN' : row.score,
    code: row.code === null ? null : pyBytes(row.code as Uint8Array),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

interface Setup {
  catalog: Catalog;
  io: FileIO;
  reader: ReaderCatalog;
}

function describeInterop(name: string, open: () => Promise<Setup>): void {
  describe(`floe's Iceberg library on ${name}, read back by PyIceberg`, () => {
    let setup: Setup;
    const namespace = [uniqueName('interop')];
    beforeAll(async () => {
      setup = await open();
      await setup.catalog.createNamespace(namespace);
    });
    afterAll(async () => {
      await setup?.catalog.close();
    });

    it('writes three appends that PyIceberg reads row for row, with field ids, pruning and summaries', async () => {
      const id: TableIdentifier = { namespace, name: 'everything' };
      const spec = buildPartitionSpec(schema, [
        { source: 'ts', transform: { kind: 'day' } },
        { source: 'id', transform: { kind: 'bucket', numBuckets: 8 } },
        { source: 'name', transform: { kind: 'truncate', width: 4 } },
      ]);
      await setup.catalog.createTable(id, {
        schema,
        spec,
        properties: { 'write.parquet.compression-codec': 'zstd' },
      });
      const batches = [range(0, 300), range(300, 700), range(700, 1000)];
      const commitIds: string[] = [];
      for (const [n, batch] of batches.entries()) {
        const result = await appendRows(setup.catalog, setup.io, id, batch.map(makeRow), {
          'floe.test-batch': `${n}`,
        });
        expect(result.kind).toBe('committed');
        if (result.kind === 'committed') commitIds.push(result.commitId);
      }

      const table = `${namespace[0]}.everything`;
      const read = await readWithPyIceberg(setup.reader, 'table', {
        table,
        filter: "ts >= '2024-03-03T00:00:00+00:00'",
      });
      // The catalog may assign fresh ids on create (REST does): compare with the table's own schema.
      const tableSchema = currentSchema((await setup.catalog.loadTable(id)).metadata);
      const ours = [...indexFieldsById(tableSchema.fields)]
        .map(([fieldId, f]) => [fieldId, f.name, f.required])
        .sort((x, y) => (x[0] as number) - (y[0] as number));
      const theirs = (read.schema?.all_fields ?? []).map(([fieldId, fieldName, required]) => [
        fieldId,
        fieldName,
        required,
      ]);
      expect(theirs).toEqual(ours);
      expect(theirs.length).toBe(17);
      console.log(
        `[interop ${name}] PyIceberg schema:\n${read.schema?.schema_string}\n${read.schema?.partition_spec}`,
      );

      const rows = read.rows
        .map((row) => ({ ...row, id: row.id as number, uid: normalizeUuid(row.uid) }))
        .sort((a, b) => a.id - b.id);
      expect(rows.length).toBe(1000);
      expect(rows).toEqual(range(0, 1000).map(expectedReaderRow));

      expect(read.scan!.files).toBeGreaterThan(0);
      expect(read.scan!.files).toBeLessThan(read.scan!.all_files);
      console.log(
        `[interop ${name}] filter ts >= 2024-03-03 plans ${read.scan!.files} of ${read.scan!.all_files} files`,
      );

      expect(read.snapshots.map((s) => s.summary['floe.test-batch'])).toEqual(['0', '1', '2']);
      expect(read.snapshots.map((s) => s.summary['floe.commit-id'])).toEqual(commitIds);
      const last = read.snapshots[2]!.summary;
      expect(last.operation).toBe('append');
      expect(last['total-records']).toBe('1000');
      expect(last['added-records']).toBe('300');
      expect(read.snapshots.map((s) => s.sequence_number)).toEqual([1, 2, 3]);
    });

    it('appends to a table PyIceberg created and wrote, and PyIceberg reads both', async () => {
      const table = `${namespace[0]}.from_pyiceberg`;
      await createAndAppendWithPyIceberg(setup.reader, table, 50);
      const id: TableIdentifier = { namespace, name: 'from_pyiceberg' };
      const hour = 3_600_000_000n;
      const base = 1_714_521_600_000_000n; // 2024-05-01T00:00Z, as write_table.py
      const rows = range(50, 100).map((i) => ({
        id: BigInt(i),
        name: `floe-${i}`,
        ts: base + BigInt(i) * hour,
        amount: BigInt(i * 100 + 25),
      }));
      const result = await appendRows(setup.catalog, setup.io, id, rows);
      expect(result.kind).toBe('committed');
      const read = await readWithPyIceberg(setup.reader, 'table', { table });
      const got = read.rows.sort((a, b) => (a.id as number) - (b.id as number));
      expect(got).toEqual(
        range(0, 100).map((i) => ({
          id: i,
          name: i < 50 ? `py-${i}` : `floe-${i}`,
          ts: pyTimestamptz(base + BigInt(i) * hour),
          amount: `${i}.25`,
        })),
      );
      expect(read.snapshots.length).toBe(2);
      expect(read.snapshots[1]!.summary['total-records']).toBe('100');
    });
  });
}

describeInterop('REST catalog + S3', async () => ({
  catalog: await RestCatalog.connect({ uri: services.restUri, warehouse: `s3://${services.s3.bucket}/rest` }),
  io: testFileIO(),
  reader: { kind: 'rest' },
}));

describeInterop('SQLite catalog + local disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-interop-'));
  const io = testFileIO();
  const name = 'floe_interop';
  return {
    catalog: openSqlCatalog({ name, uri: `${dir}/catalog.db`, warehouse: `file://${dir}/warehouse`, io }),
    io,
    reader: { kind: 'sql', uri: `sqlite:///${dir}/catalog.db`, warehouse: `file://${dir}/warehouse`, name },
  };
});
