// Upgrading floe under a running Debezium connector: a table that an earlier
// floe created with Debezium's carrier types (a date column as int, timestamptz
// as string, timestamp as long, uuid as string) keeps them. The connector is
// built as `floe run` builds it (cli/keyed-settings.ts: keyedConnector and
// keyedConverter), so the table loaded at assignment reaches the Debezium
// decoder; without that the same records do not fit the table (the check
// that the wiring matters).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { keyedConnector, keyedConverter } from '../../../src/cli/keyed-settings.ts';
import type { ConnectorConfig } from '../../../src/config/connector-config.ts';
import { currentSchema } from '../../../src/iceberg/table-metadata.ts';
import { decimal, type IcebergType, primitive, type Schema } from '../../../src/iceberg/types.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import type { ConnectorSettings } from '../../../src/worker/connector-settings.ts';
import { tableLiveFiles } from '../../../src/worker/upsert/table-live-files.ts';
import { jsonConverter, type Stack, settings, stack, table } from '../../support/in-process-connector.ts';
import { loadVector, type Vector, vectorKafkaRecords, vectorRegistry } from './debezium-vectors.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The table as floe made it before it knew Debezium's names: every column its carrier type. */
const OLD_COLUMNS: Array<[string, IcebergType]> = [
  ['id', primitive('int')],
  ['name', primitive('string')],
  ['price', decimal(10, 2)],
  ['amount', primitive('long')],
  ['born', primitive('int')],
  ['updated_at', primitive('string')],
  ['version', primitive('long')],
  ['data', primitive('binary')],
  ['ts', primitive('long')],
  ['ts_ms', primitive('long')],
  ['t', primitive('long')],
  ['t_ms', primitive('int')],
  ['tz', primitive('string')],
  ['uid', primitive('string')],
];
const oldSchema: Schema = {
  schemaId: 0,
  identifierFieldIds: [1],
  fields: OLD_COLUMNS.map(([name, type], i) => ({
    id: i + 1,
    name,
    required: name === 'id' || name === 'name' || name === 'version',
    type,
  })),
};

function cdcSettings(vector: Vector, follow: boolean): ConnectorSettings {
  const dataDir = mkdtempSync(join(tmpdir(), 'floe-dbz-upgrade-'));
  dirs.push(dataDir);
  const config = {
    name: 'cdc',
    file: 'connectors/cdc.yaml',
    mode: 'cdc',
    changes: { cdc: { format: 'debezium', tombstones: 'ignore' } },
    key: { format: 'avro' },
    value: { format: 'avro' },
  } as unknown as ConnectorConfig;
  const keyed = keyedConnector(config, vectorRegistry(vector), dataDir, jsonConverter)!;
  return {
    ...settings('cdc', { kind: 'single', table: table('items') }),
    topics: [vector.topic],
    errors: { kind: 'fail' },
    keyed,
    converter: follow ? keyedConverter(jsonConverter, keyed) : jsonConverter,
  };
}

async function oldTable(): Promise<Stack> {
  const s = stack();
  await s.catalog.createNamespace(['r']);
  await s.catalog.createTable(table('items'), { schema: oldSchema, properties: { 'format-version': '2' } });
  return s;
}

it('an existing table with the old carrier types keeps them and takes every change', async () => {
  const vector = loadVector('avro');
  const s = await oldTable();
  const runtime = s.runtime(cdcSettings(vector, true));
  await runtime.assign([{ topic: vector.topic, partition: 0 }]);
  const records = vectorKafkaRecords(vector);
  for (let i = 0; i < records.length; i++) {
    await runtime.processRun(records, i, i + 1);
    await runtime.commit();
  }
  const metadata = (await s.catalog.loadTable(table('items'))).metadata;
  const schema = currentSchema(metadata);
  expect(schema.fields.map((f) => [f.name, f.type])).toEqual(OLD_COLUMNS);
  const rows = [];
  for (const file of await tableLiveFiles(s.io, metadata, 'r.items')) {
    for (const [pos, row] of readParquetRows(await s.io.read(file.path), schema, file.path).entries())
      if (!file.deleted.has(pos)) rows.push(row);
  }
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    id: 5,
    born: 10957,
    updated_at: '2000-01-01T00:00:00.000000Z',
    ts: 946684800000000n,
    ts_ms: 946684800000n,
    t: 86399999999n,
    t_ms: 86399999,
    uid: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  });
});

it('without the table reaching the decoder, the first record does not fit the old table', async () => {
  const vector = loadVector('avro');
  const s = await oldTable();
  const runtime = s.runtime(cdcSettings(vector, false));
  await runtime.assign([{ topic: vector.topic, partition: 0 }]);
  await runtime.processRun(vectorKafkaRecords(vector), 0, 1);
  // error policy fail: the runtime stops on the record
  expect(runtime.failure?.message).toMatch(/born/);
  expect(await s.rows(table('items'))).toBe(0);
});
