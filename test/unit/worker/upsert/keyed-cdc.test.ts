// mode cdc through the connector runtime, built as `floe run` builds it
// (cli/keyed-settings.ts), on the captured Debezium 3.6.1 records of each
// encoding (test/vectors/debezium: snapshot reads, insert, update, key change,
// delete + tombstone, truncate, insert), committed after every record so that
// each delete and the truncate hit rows already in the table: the table ends as
// Postgres did. And an existing table's identifier fields win over key.fields
// that name other columns: a ConfigError naming the connector file and key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keyedConnector } from '../../../../src/cli/keyed-settings.ts';
import type { SchemaLookup } from '../../../../src/codec/schema-lookup.ts';
import type { ConnectorConfig } from '../../../../src/config/connector-config.ts';
import { currentSchema } from '../../../../src/iceberg/table-metadata.ts';
import { readParquetRows } from '../../../../src/parquet/parquet-row-reader.ts';
import type { ConnectorSettings } from '../../../../src/worker/connector-settings.ts';
import { tableLiveFiles } from '../../../../src/worker/upsert/table-live-files.ts';
import { jsonConverter, type Stack, settings, stack, table } from '../../../support/in-process-connector.ts';
import { loadVector, type Vector, vectorKafkaRecords, vectorRegistry } from '../../codec/debezium-vectors.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cdcSettings(
  vector: Vector,
  format: 'avro' | 'json',
  tombstones: 'ignore' | 'delete',
  keyFields?: string[],
): ConnectorSettings {
  const dataDir = mkdtempSync(join(tmpdir(), 'floe-cdc-'));
  dirs.push(dataDir);
  const config = {
    name: 'cdc',
    file: 'connectors/cdc.yaml',
    mode: 'cdc',
    changes: { cdc: { format: 'debezium', tombstones }, ...(keyFields ? { keyFields } : {}) },
    key: { format },
    value: { format },
  } as unknown as ConnectorConfig;
  const lookup: SchemaLookup | undefined = format === 'avro' ? vectorRegistry(vector) : undefined;
  const keyed = keyedConnector(config, lookup, dataDir, jsonConverter)!;
  return { ...settings('cdc', { kind: 'single', table: table('items') }), topics: [vector.topic], keyed };
}

async function liveRows(s: Stack): Promise<Array<Record<string, unknown>>> {
  const metadata = (await s.catalog.loadTable(table('items'))).metadata;
  const rows: Array<Record<string, unknown>> = [];
  for (const file of await tableLiveFiles(s.io, metadata, 'r.items')) {
    readParquetRows(await s.io.read(file.path), currentSchema(metadata), file.path).forEach((row, pos) => {
      if (!file.deleted.has(pos)) rows.push({ id: Number(row.id), name: row.name });
    });
  }
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

describe.each([
  ['json', 'json'],
  ['json-schemas', 'json'],
  ['avro', 'avro'],
] as const)('mode cdc on Debezium %s records', (variant, format) => {
  it.each(['ignore', 'delete'] as const)(
    'committed record by record, the table ends as Postgres did (tombstones %s)',
    async (tombstones) => {
      const vector = loadVector(variant);
      const s = stack();
      const runtime = s.runtime(cdcSettings(vector, format, tombstones));
      await runtime.assign([{ topic: vector.topic, partition: 0 }]);
      const records = vectorKafkaRecords(vector);
      for (let i = 0; i < records.length; i++) {
        await runtime.processRun(records, i, i + 1);
        await runtime.commit();
        // before the truncate: the key change (3 -> 4) and the delete of 2 are applied
        if (i === 8)
          expect((await liveRows(s)).map((r) => [r.id, r.name])).toEqual([
            [1, 'one'],
            [4, 'three b'],
          ]);
      }
      expect(await liveRows(s)).toEqual([{ id: 5, name: 'five' }]);
      const metadata = (await s.catalog.loadTable(table('items'))).metadata;
      const schema = currentSchema(metadata);
      expect(schema.identifierFieldIds).toEqual([schema.fields.find((f) => f.name === 'id')!.id]);
    },
  );
});

it("refuses key.fields that differ from an existing table's identifier fields, naming the file and key", async () => {
  const vector = loadVector('json-schemas');
  const s = stack();
  const first = s.runtime(cdcSettings(vector, 'json', 'ignore'));
  await first.assign([{ topic: vector.topic, partition: 0 }]);
  const records = vectorKafkaRecords(vector);
  await first.processRun(records, 0, 2);
  await first.commit();
  const second = s.runtime(cdcSettings(vector, 'json', 'ignore', ['name']));
  await second.assign([{ topic: vector.topic, partition: 0 }]);
  await expect(second.processRun(records, 2, 3)).rejects.toThrow(
    'connectors/cdc.yaml: key.fields [name] differs from the identifier fields [id] of table r.items',
  );
});
