// Which columns key a keyed connector's table (src/worker/upsert/key-columns.ts):
// an existing table's identifier fields, else key.fields, else the Kafka key's
// fields; each must be a top-level column of a type Iceberg allows as an
// identifier field. A float, double or nested key column is a configuration
// error before the table is created. Was: the table was created with it (a
// table Iceberg calls invalid), then every record failed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DebeziumEvent } from '../../../../src/codec/debezium-envelope.ts';
import { ConfigError } from '../../../../src/errors.ts';
import { type IcebergType, primitive, type Schema } from '../../../../src/iceberg/types.ts';
import { silentLogger } from '../../../../src/log.ts';
import { ConnectorRuntime } from '../../../../src/worker/connector-runtime.ts';
import { tableKeyColumns } from '../../../../src/worker/upsert/key-columns.ts';
import type { KeyedConnector } from '../../../../src/worker/upsert/keyed-connector.ts';
import { noMetrics } from '../../../../src/worker/worker-metrics.ts';
import { settings, stack, table } from '../../../support/in-process-connector.ts';

function schemaWith(type: IcebergType, identifierFieldIds: number[] = []): Schema {
  return {
    schemaId: 0,
    identifierFieldIds,
    fields: [
      { id: 1, name: 'k', required: true, type },
      { id: 2, name: 'v', required: false, type: primitive('string') },
    ],
  };
}
const context = { file: 'connectors/k.yaml', table: 'r.k', configured: ['k'] };

describe('tableKeyColumns', () => {
  it.each([
    'boolean',
    'int',
    'long',
    'date',
    'time',
    'timestamp',
    'timestamptz',
    'string',
    'uuid',
    'binary',
  ] as const)('takes a %s key column', (kind) => {
    expect(tableKeyColumns(schemaWith(primitive(kind)), undefined, context)).toEqual([
      { name: 'k', type: primitive(kind) },
    ]);
  });

  it.each([
    ['float', primitive('float')],
    ['double', primitive('double')],
    [
      'list',
      { kind: 'list', elementId: 3, elementRequired: true, element: primitive('long') } as IcebergType,
    ],
  ])('refuses a %s key column, naming the file, the key and the table', (kind, type) => {
    const refuse = () => tableKeyColumns(schemaWith(type), undefined, context);
    expect(refuse).toThrow(ConfigError);
    expect(refuse).toThrow(
      `connectors/k.yaml: key column k (key.fields) of table r.k is ${kind}: a key column must be a primitive other than float and double (Iceberg identifier fields)`,
    );
  });

  it("takes an existing table's identifier fields, and refuses a key column that is no column", () => {
    expect(
      tableKeyColumns(schemaWith(primitive('long'), [1]), undefined, { ...context, configured: undefined }),
    ).toEqual([{ name: 'k', type: primitive('long') }]);
    expect(() =>
      tableKeyColumns(schemaWith(primitive('long')), ['nope'], { ...context, configured: undefined }),
    ).toThrow('connectors/k.yaml: key column nope (key) is not a top-level column of table r.k');
  });
});

describe('a keyed connector whose key column is a double', () => {
  it('stops with the configuration error and creates no table', async () => {
    const s = stack();
    const schema = schemaWith(primitive('double'));
    const keyed: KeyedConnector = {
      mode: 'upsert',
      file: 'connectors/k.yaml',
      keyFields: ['k'],
      orderBy: undefined,
      tombstones: 'delete',
      event: (): DebeziumEvent => ({
        kind: 'upsert',
        op: 'u',
        row: { k: 1.5, v: 'a' },
        schema,
        source: null,
      }),
      key: () => null,
      indexDir: mkdtempSync(join(tmpdir(), 'floe-keyed-')),
    };
    const base = settings('k', { kind: 'single', table: table('k') });
    const runtime = new ConnectorRuntime({
      settings: { ...base, keyed },
      catalog: s.catalog,
      io: s.io,
      log: silentLogger,
      metrics: noMetrics,
    });
    const tp = { topic: 't', partition: 0 };
    await runtime.assign([tp]);
    const record = {
      ...tp,
      offset: 0n,
      timestampMs: 0,
      key: null,
      value: Buffer.from('{}'),
      headers: [],
      sizeBytes: 2,
    };
    await expect(runtime.processRun([record], 0, 1)).rejects.toThrow(
      /key column k \(key.fields\) of table .* is double/,
    );
    expect(await s.catalog.tableExists(table('k'))).toBe(false);
    await runtime.close();
  });
});
