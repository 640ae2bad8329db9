// The interop proof (issues 3 and 12): a table created and appended to three times
// by floe's library (struct, list, map, decimal, timestamptz, date, uuid, binary,
// fixed and optional columns; spec day(ts) + bucket(8, id) + truncate(4, name)) is
// read by PyIceberg with the same field ids, partition pruning and floe's snapshot
// summaries; a fourth append evolves its schema the way the worker does (a field
// added inside a struct, int -> long and decimal promotions, new columns incl. a
// list<struct>); a PyIceberg-made table takes floe's appends. Then PyIceberg, Spark
// and DuckDB read both tables, row for row identical and equal to what was written.
// On REST + S3 and on SQLite + local disk.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { buildPartitionSpec } from '../../src/iceberg/partition-spec.ts';
import { currentSchema, defaultSpec } from '../../src/iceberg/table-metadata.ts';
import {
  indexFieldsById,
  isPrimitive,
  type Row,
  type Schema,
  typeToString,
} from '../../src/iceberg/types.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { commitSchema } from '../../src/sink/commit-schema.ts';
import { EvolvingTableWriter } from '../../src/sink/evolving-table-writer.ts';
import { SnapshotProducer } from '../../src/sink/snapshot-producer.ts';
import { dataDirectory } from '../../src/sink/table-paths.ts';
import { canonicalRow, canonicalTimestamp } from '../support/canonical-form.ts';
import { appendRows } from '../support/floe-append.ts';
import {
  evolvedInteropRow,
  evolvedRecordSchema,
  interopRow,
  interopSchema,
} from '../support/interop-table.ts';
import { testFileIO } from '../support/io.ts';
import { createAndAppendWithPyIceberg, type ReaderCatalog, readWithPyIceberg } from '../support/reader.ts';
import { services, uniqueName } from '../support/services.ts';
import { expectReadersAgree } from '../support/three-readers.ts';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const sortById = (rows: Array<Record<string, unknown>>) =>
  [...rows].sort((a, b) => (a.id as number) - (b.id as number));
const HOUR = 3_600_000_000n;
const PYICEBERG_BASE = 1_714_521_600_000_000n; // 2024-05-01T00:00Z, as write_table.py

interface Setup {
  catalog: Catalog;
  io: FileIO;
  reader: ReaderCatalog;
}

/** Appends rows of `recordSchema` as the worker does: the schema folded in by name, committed with the data. */
async function appendEvolving(setup: Setup, id: TableIdentifier, rows: Row[], recordSchema: Schema) {
  const { metadata } = await setup.catalog.loadTable(id);
  const writer = new EvolvingTableWriter({
    io: setup.io,
    schema: currentSchema(metadata),
    lastColumnId: metadata.lastColumnId,
    spec: defaultSpec(metadata),
    properties: metadata.properties,
    dataDirectory: dataDirectory(metadata),
    evolve: true,
  });
  for (const row of rows) await writer.append(row, recordSchema);
  const dataFiles = await writer.finish();
  return new SnapshotProducer(setup.catalog, setup.io).append(id, {
    dataFiles,
    fileSchema: writer.schema,
    decide: (table) => {
      const fit = commitSchema(table, writer.schema);
      if (fit.kind === 'conflict') return { kind: 'abort', reason: fit.reason };
      return fit.schema ? { kind: 'commit', schema: fit.schema } : { kind: 'commit' };
    },
  });
}

/** [id, name, required, type (nested: its kind)] of every field, nested ones too, by id. */
function fieldList(schema: Schema): Array<[number, string, boolean, string]> {
  return [...indexFieldsById(schema.fields)]
    .map(([fieldId, f]): [number, string, boolean, string] => [
      fieldId,
      f.name,
      f.required,
      isPrimitive(f.type) ? typeToString(f.type) : f.type.kind,
    ])
    .sort((x, y) => x[0] - y[0]);
}

function describeInterop(name: string, open: () => Promise<Setup>): void {
  describe(`floe's Iceberg library on ${name}, read back by PyIceberg, Spark and DuckDB`, () => {
    let setup: Setup;
    const namespace = [uniqueName('interop')];
    beforeAll(async () => {
      setup = await open();
      await setup.catalog.createNamespace(namespace);
    });
    afterAll(async () => {
      await setup?.catalog.close();
    });

    it('writes three appends that PyIceberg reads with field ids, pruning and summaries', async () => {
      const id: TableIdentifier = { namespace, name: 'everything' };
      const spec = buildPartitionSpec(interopSchema, [
        { source: 'ts', transform: { kind: 'day' } },
        { source: 'id', transform: { kind: 'bucket', numBuckets: 8 } },
        { source: 'name', transform: { kind: 'truncate', width: 4 } },
      ]);
      await setup.catalog.createTable(id, {
        schema: interopSchema,
        spec,
        properties: { 'write.parquet.compression-codec': 'zstd' },
      });
      const batches = [range(0, 300), range(300, 700), range(700, 1000)];
      const commitIds: string[] = [];
      for (const [n, batch] of batches.entries()) {
        const result = await appendRows(setup.catalog, setup.io, id, batch.map(interopRow), {
          'floe.test-batch': `${n}`,
        });
        expect(result.kind).toBe('committed');
        if (result.kind === 'committed') commitIds.push(result.commitId);
      }

      const table = `${namespace[0]}.everything`;
      const read = await readWithPyIceberg(setup.reader, 'table', {
        table,
        filter: "ts >= '2024-03-03T00:00:00+00:00'",
        noRows: true,
      });
      // The catalog may assign fresh ids on create (REST does): compare with the table's own schema.
      const tableSchema = currentSchema((await setup.catalog.loadTable(id)).metadata);
      const ours = fieldList(tableSchema).map(([fieldId, fieldName, required]) => [
        fieldId,
        fieldName,
        required,
      ]);
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

    it('evolves the schema with an append (nested field, promotions, new columns) that PyIceberg sees by id', async () => {
      const id: TableIdentifier = { namespace, name: 'everything' };
      const before = fieldList(currentSchema((await setup.catalog.loadTable(id)).metadata));
      const result = await appendEvolving(
        setup,
        id,
        range(1000, 1200).map(evolvedInteropRow),
        evolvedRecordSchema,
      );
      expect(result.kind).toBe('committed');
      const after = fieldList(currentSchema((await setup.catalog.loadTable(id)).metadata));
      const byName = new Map(after.map(([fieldId, fieldName, , type]) => [`${fieldName}@${fieldId}`, type]));
      // Old columns keep their ids (promoted in place); new ones get fresh ids above them.
      for (const [fieldId, fieldName] of before) expect(byName.has(`${fieldName}@${fieldId}`)).toBe(true);
      const added = after
        .filter(([fieldId]) => fieldId > before[before.length - 1]![0])
        .map(([, n, r, t]) => [n, r, t]);
      expect(added).toEqual([
        ['c', false, 'long'],
        ['note', false, 'string'],
        ['points', false, 'list'],
        ['element', true, 'struct'],
        ['x', true, 'double'],
        ['y', false, 'double'],
      ]);
      const types = Object.fromEntries(after.map(([, n, , t]) => [n, t]));
      expect([types.a, types.amount]).toEqual(['long', 'decimal(12,2)']);
      const read = await readWithPyIceberg(setup.reader, 'table', {
        table: `${namespace[0]}.everything`,
        noRows: true,
      });
      expect(
        read.schema!.all_fields.map(([fieldId, fieldName, required]) => [fieldId, fieldName, required]),
      ).toEqual(after.map(([fieldId, fieldName, required]) => [fieldId, fieldName, required]));
      expect(read.snapshots.at(-1)!.summary['total-records']).toBe('1200');
    });

    it('appends to a table PyIceberg created and wrote', async () => {
      const table = `${namespace[0]}.from_pyiceberg`;
      await createAndAppendWithPyIceberg(setup.reader, table, 50);
      const id: TableIdentifier = { namespace, name: 'from_pyiceberg' };
      const rows = range(50, 100).map((i) => ({
        id: BigInt(i),
        name: `floe-${i}`,
        ts: PYICEBERG_BASE + BigInt(i) * HOUR,
        amount: BigInt(i * 100 + 25),
      }));
      const result = await appendRows(setup.catalog, setup.io, id, rows);
      expect(result.kind).toBe('committed');
      const read = await readWithPyIceberg(setup.reader, 'table', { table, noRows: true });
      expect(read.snapshots.length).toBe(2);
      expect(read.snapshots[1]!.summary['total-records']).toBe('100');
    });

    it('PyIceberg, Spark and DuckDB read both tables identically, equal to what was written', async () => {
      const [everything, fromPyIceberg] = [`${namespace[0]}.everything`, `${namespace[0]}.from_pyiceberg`];
      const started = Date.now();
      const read = await expectReadersAgree(setup.reader, [everything, fromPyIceberg]);
      console.log(`[interop ${name}] three readers agree on 2 tables in ${Date.now() - started} ms`);
      const schema = currentSchema(
        (await setup.catalog.loadTable({ namespace, name: 'everything' })).metadata,
      );
      const written = [...range(0, 1000).map(interopRow), ...range(1000, 1200).map(evolvedInteropRow)];
      expect(sortById(read.get(everything)!)).toEqual(written.map((row) => canonicalRow(schema, row)));
      expect(sortById(read.get(fromPyIceberg)!)).toEqual(
        range(0, 100).map((i) => ({
          id: i,
          name: i < 50 ? `py-${i}` : `floe-${i}`,
          ts: canonicalTimestamp(PYICEBERG_BASE + BigInt(i) * HOUR, true),
          amount: `${i}.25`,
        })),
      );
    }, 600_000); // Spark starts a JVM: ~30 s on a quiet machine, minutes on a loaded one
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
