// A connector built as `floe run` builds it (connectorSettings) writes Avro
// records straight into the table's columns (avro-column-decoder.ts); a bad
// record in the middle of a run goes to the error policy with its coordinates
// and leaves nothing in the file, and a new writer schema in the middle of the
// batch evolves the table as before.
import { describe, expect, it } from 'vitest';
import { connectorSettings } from '../../../src/cli/runtime-factory.ts';
import type { SchemaRegistryClient } from '../../../src/codec/schema-registry-client.ts';
import type { ConnectorConfig } from '../../../src/config/connector-config.ts';
import { currentSchema } from '../../../src/iceberg/table-metadata.ts';
import type { Row } from '../../../src/iceberg/types.ts';
import type { Logger } from '../../../src/log.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { ConnectorRuntime } from '../../../src/worker/connector-runtime.ts';
import type { KafkaRecord } from '../../../src/worker/kafka-types.ts';
import { tableLiveFiles } from '../../../src/worker/upsert/table-live-files.ts';
import { noMetrics } from '../../../src/worker/worker-metrics.ts';
import { stack, table } from '../../support/in-process-connector.ts';
import { InMemorySchemas, wireRecord } from '../codec/avro-fixtures.ts';

const V1 = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: ['null', 'string'] },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};
const V2 = { ...V1, fields: [...V1.fields, { name: 'score', type: ['null', 'double'] }] };

const config = {
  name: 'orders',
  file: 'connectors/orders.yaml',
  topics: ['t'],
  key: { format: 'none' },
  value: { format: 'avro' },
  table: 'r.orders',
  autoCreate: { enabled: true, partitionBy: [], partitionFields: [], properties: {} },
  schemaEvolution: true,
  metadataColumn: false,
  commit: { intervalMs: 3_600_000, maxRecords: 1_000_000, maxBytes: 1e12 },
  errors: { policy: 'skip' },
} as unknown as ConnectorConfig;

function kafkaRecord(offset: number, value: Buffer): KafkaRecord {
  return {
    topic: 't',
    partition: 0,
    offset: BigInt(offset),
    timestampMs: 0,
    key: null,
    value,
    headers: [],
    sizeBytes: value.length,
  };
}

const v1 = (id: number) =>
  wireRecord(1, V1, { id: BigInt(id), name: { string: `n${id}` }, at: BigInt(id) * 1000n });
const v2 = (id: number) =>
  wireRecord(2, V2, { id: BigInt(id), name: null, at: 5n, score: { double: id / 2 } });

describe('Avro straight into the columns in the worker', () => {
  it('lands the good records around bad ones and a schema change, the bad ones go to the policy', async () => {
    const s = stack();
    const registry = new InMemorySchemas().addAvro(1, V1).addAvro(2, V2);
    const settings = connectorSettings(config, registry as unknown as SchemaRegistryClient);
    const direct = settings.converter.direct;
    expect(direct).toBeDefined();
    let directRecords = 0;
    const counting = {
      ...settings.converter,
      direct: (record: { value: Buffer | null }) => {
        const found = direct!(record);
        if (found !== undefined) directRecords++;
        return found;
      },
    };
    const warnings: string[] = [];
    const log: Logger = {
      debug: () => {},
      info: () => {},
      warn: (message) => void warnings.push(message),
      error: () => {},
      child: () => log,
    };
    const runtime = new ConnectorRuntime({
      settings: { ...settings, converter: counting },
      catalog: s.catalog,
      io: s.io,
      log,
      metrics: noMetrics,
    });
    await runtime.assign([{ topic: 't', partition: 0 }]);
    const badUnion = Buffer.from(v2(8));
    badUnion[badUnion.length - 9] = 0x08; // the score union's index: branch 4 of 2
    const records = [
      v1(0),
      v1(1),
      v1(2).subarray(0, v1(2).length - 3), // truncated inside `at`
      v1(3),
      v2(4),
      Buffer.concat([v1(5), Buffer.from([0])]), // a byte left over
      v2(6),
      v1(7),
      badUnion,
      v1(9),
    ].map((value, offset) => kafkaRecord(offset, value));
    expect(await runtime.processRun(records, 0, records.length)).toBe(records.length);
    await runtime.commit();

    expect(directRecords).toBeGreaterThan(0);
    expect(warnings).toEqual([
      'bad record skipped: t[0]@2: Avro payload is truncated',
      'bad record skipped: t[0]@5: 1 bytes left over after the Avro record',
      'bad record skipped: t[0]@8: score: union branch 4 does not exist (2 branches)',
    ]);
    const metadata = (await s.catalog.loadTable(table('orders'))).metadata;
    const schema = currentSchema(metadata);
    expect(schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'at', 'score']);
    const rows: Row[] = [];
    for (const file of await tableLiveFiles(s.io, metadata, 'r.orders'))
      rows.push(...readParquetRows(await s.io.read(file.path), schema, file.path));
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    expect(rows).toEqual([
      { id: 0n, name: 'n0', at: 0n, score: null },
      { id: 1n, name: 'n1', at: 1_000_000n, score: null },
      { id: 3n, name: 'n3', at: 3_000_000n, score: null },
      { id: 4n, name: null, at: 5000n, score: 2 },
      { id: 6n, name: null, at: 5000n, score: 3 },
      { id: 7n, name: 'n7', at: 7_000_000n, score: null },
      { id: 9n, name: 'n9', at: 9_000_000n, score: null },
    ]);
  });
});
