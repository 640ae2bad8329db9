import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnectorConfig, loadConnectorConfigs } from '../../../src/config/load-connector-config.ts';
import { ConfigError } from '../../../src/errors.ts';
import { errorMessage, tempFolder, writeConfig } from './temp-config.ts';

describe('loadConnectorConfig', () => {
  it('fills in every default and names the connector after its file', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'orders_v2.yml',
      'topics: [orders]\nvalue:\n  format: avro\ntable: shop.orders\n',
    );
    expect(loadConnectorConfig(file, {})).toEqual({
      name: 'orders_v2',
      file,
      topics: ['orders'],
      key: { format: 'string' },
      value: { format: 'avro' },
      table: 'shop.orders',
      autoCreate: { enabled: true, partitionBy: [], partitionFields: [], properties: {} },
      schemaEvolution: true,
      metadataColumn: false,
      commit: { intervalMs: 60_000, maxRecords: 1_000_000, maxBytes: 128 * 1024 * 1024, idleMs: 1000 },
      errors: { policy: 'fail' },
      maintenance: { enabled: true, intervalMs: 600_000 },
    });
  });

  it('parses partition fields, routes, the metadata column and table properties', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'events.yaml',
      `name: app-events
topicPattern: events\\..*
value: { format: json-schema }
route:
  field: meta.type
  tables: { a: app.a, b: app.b }
  default: app.other
autoCreate:
  partitionBy: ['day(ts)', 'bucket(16, id)', ' truncate(4,name) ', region, identity(payload.kind), year(ts), month(ts), hour(ts)]
  properties:
    write.target-file-size-bytes: 536870912
metadataColumn: true
`,
    );
    const config = loadConnectorConfig(file, {});
    expect(config.name).toBe('app-events');
    expect(config.topicPattern).toBe('events\\..*');
    expect(config.route).toEqual({
      field: 'meta.type',
      tables: { a: 'app.a', b: 'app.b' },
      default: 'app.other',
    });
    expect(config.autoCreate.partitionBy).toEqual([
      'day(ts)',
      'bucket(16, id)',
      'truncate(4,name)',
      'region',
      'identity(payload.kind)',
      'year(ts)',
      'month(ts)',
      'hour(ts)',
    ]);
    expect(config.autoCreate.partitionFields).toEqual([
      { source: 'ts', transform: { kind: 'day' } },
      { source: 'id', transform: { kind: 'bucket', numBuckets: 16 } },
      { source: 'name', transform: { kind: 'truncate', width: 4 } },
      { source: 'region', transform: { kind: 'identity' } },
      { source: 'payload.kind', transform: { kind: 'identity' } },
      { source: 'ts', transform: { kind: 'year' } },
      { source: 'ts', transform: { kind: 'month' } },
      { source: 'ts', transform: { kind: 'hour' } },
    ]);
    expect(config.autoCreate.properties).toEqual({ 'write.target-file-size-bytes': '536870912' });
    expect(config.metadataColumn).toEqual({ name: '_kafka' });
  });

  it('turns a declared JSON schema into an Iceberg schema with provisional ids', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'c.yaml',
      `topics: [t]
table: a.b
value:
  format: json
  schema:
    - { name: id, type: long, required: true, doc: the key }
    - { name: price, type: 'decimal(10, 2)' }
    - { name: tags, type: 'list<string>' }
    - { name: attrs, type: 'map<string,long>' }
    - name: lines
      type: list
      element:
        type: struct
        required: true
        fields:
          - { name: sku, type: 'fixed[8]' }
`,
    );
    expect(loadConnectorConfig(file, {}).value.schema).toEqual({
      schemaId: 0,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: true, type: { kind: 'long' }, doc: 'the key' },
        { id: 2, name: 'price', required: false, type: { kind: 'decimal', precision: 10, scale: 2 } },
        {
          id: 3,
          name: 'tags',
          required: false,
          type: { kind: 'list', elementId: 6, elementRequired: false, element: { kind: 'string' } },
        },
        {
          id: 4,
          name: 'attrs',
          required: false,
          type: {
            kind: 'map',
            keyId: 7,
            key: { kind: 'string' },
            valueId: 8,
            valueRequired: false,
            value: { kind: 'long' },
          },
        },
        {
          id: 5,
          name: 'lines',
          required: false,
          type: {
            kind: 'list',
            elementId: 9,
            elementRequired: true,
            element: {
              kind: 'struct',
              fields: [{ id: 10, name: 'sku', required: false, type: { kind: 'fixed', length: 8 } }],
            },
          },
        },
      ],
    });
  });

  it('reports every problem of a connector file with its line', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'Orders.yaml',
      `topics: [orders]
topicPattern: "orders.*"
key:
  format: avroo
value:
  format: json
  schema:
    - { name: id, type: lng }
    - { name: id, type: 'decimal(50,2)' }
    - name: s
      type: struct
tabel: shop.orders
autoCreate:
  partitionBy: ['day(ts)', 'bucket(id)', 'foo(x)']
  enabld: true
commit:
  maxRecords: 0
  idleMs: -1
errors:
  policy: dlq
metadataColumn: 3
`,
    );
    expect(errorMessage(() => loadConnectorConfig(file, {}))).toBe(
      [
        `${file}: name: must contain only a-z, 0-9, "_" and "-" (it defaults to the file name without extension) (got "Orders")`,
        `${file}: table: is required (or route)`,
        `${file}:2: topicPattern: cannot be used together with topics`,
        `${file}:4: key.format: must be one of none, string, json, avro (got "avroo")`,
        `${file}:8: value.schema[0].type: unknown type "lng" (types: boolean, int, long, float, double, decimal(P,S), date, time, timestamp, timestamptz, timestamp_ns, timestamptz_ns, string, uuid, fixed[N], binary, list<T>, map<K,V>, struct (with fields))`,
        `${file}:9: value.schema[1].name: duplicate field name "id"`,
        `${file}:9: value.schema[1].type: decimal precision must be 1 to 38 (got 50)`,
        `${file}:10: value.schema[2].fields: is required for type struct (a list of fields)`,
        `${file}:12: tabel: unknown key (did you mean "table"?)`,
        `${file}:14: autoCreate.partitionBy[1]: bucket needs a number first: bucket(N, id)`,
        `${file}:14: autoCreate.partitionBy[2]: unknown transform "foo" (forms: column, identity(col), year(col), month(col), day(col), hour(col), bucket(N, col), truncate(W, col))`,
        `${file}:15: autoCreate.enabld: unknown key (did you mean "enabled"?)`,
        `${file}:17: commit.maxRecords: must be greater than 0 (got 0)`,
        `${file}:18: commit.idleMs: must be 0 or more (got -1)`,
        `${file}:19: errors.dlqTopic: is required with policy dlq`,
        `${file}:21: metadataColumn: must be false, true or a mapping with a name`,
      ].join('\n'),
    );
  });

  it('requires one of topics/topicPattern and refuses a schema for registry formats', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'c.yaml',
      `value:
  format: avro
  schema: [{ name: a, type: long }]
table: nodots
errors: { policy: skip, dlqTopic: dead }
`,
    );
    expect(errorMessage(() => loadConnectorConfig(file, {}))).toBe(
      [
        `${file}: topics: is required (or topicPattern)`,
        `${file}:3: value.schema: is only used with format json (format avro takes its schema from the registry)`,
        `${file}:4: table: must be a table name "namespace.table" (got "nodots")`,
        `${file}:5: errors.dlqTopic: is only used with policy dlq (policy is skip)`,
      ].join('\n'),
    );
  });

  it('rejects an invalid topic pattern, topic names and empty route tables', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'c.yaml',
      `topicPattern: "orders("
value: { format: json }
route:
  field: type
  tables: {}
`,
    );
    const message = errorMessage(() => loadConnectorConfig(file, {}));
    expect(message).toContain(`${file}:1: topicPattern: is not a valid regular expression: `);
    expect(message).toContain(`${file}:5: route.tables: must map at least one field value to a table`);
    const badTopic = writeConfig(
      folder,
      'd.yaml',
      'topics: ["has space"]\nvalue: { format: json }\ntable: a.b\n',
    );
    expect(errorMessage(() => loadConnectorConfig(badTopic, {}))).toBe(
      `${badTopic}:1: topics[0]: must be a Kafka topic name (letters, digits, ".", "_", "-") (got "has space")`,
    );
  });
});

describe('loadConnectorConfigs', () => {
  it('loads every *.yaml/*.yml file sorted by name, following symlinks and skipping hidden entries', () => {
    const folder = tempFolder();
    const body = 'value: { format: json }\n';
    writeConfig(folder, 'b.yml', `topics: [b]\ntable: x.b\n${body}`);
    writeConfig(folder, 'a.yaml', `topics: [a]\ntable: x.a\n${body}`);
    writeConfig(folder, 'notes.txt', 'not a connector');
    // A ConfigMap mount: visible symlinks into a hidden ..data folder.
    writeConfig(folder, '..data/c.yaml', `topics: [c]\ntable: x.c\n${body}`);
    symlinkSync(join(folder, '..data/c.yaml'), join(folder, 'c.yaml'));
    expect(loadConnectorConfigs(folder, {}).map((connector) => connector.name)).toEqual(['a', 'b', 'c']);
  });

  it('reports the problems of every file in one error', () => {
    const folder = tempFolder();
    const a = writeConfig(folder, 'a.yaml', 'topics: [a]\ntable: x.a\nvalue: { format: xml }\n');
    const b = writeConfig(folder, 'b.yaml', 'topics: [b]\ntable: x.b\nvalue: { format: json }\ncomit: {}\n');
    let caught: unknown;
    try {
      loadConnectorConfigs(folder, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).context).toEqual({ file: folder, problems: 2 });
    expect((caught as Error).message).toBe(
      [
        `${a}:3: value.format: must be one of avro, json-schema, protobuf, json (got "xml")`,
        `${b}:4: comit: unknown key (did you mean "commit"?)`,
      ].join('\n'),
    );
  });

  it('says when the folder does not exist', () => {
    const missing = join(tempFolder(), 'connectors');
    expect(errorMessage(() => loadConnectorConfigs(missing, {}))).toBe(
      `${missing}: cannot read the connectors folder: no such folder`,
    );
  });
});

describe('value.unknownFields', () => {
  it('is read with a declared schema and refused without one, or as add without schema evolution', () => {
    const folder = tempFolder();
    const ok = writeConfig(
      folder,
      'a.yaml',
      'topics: [a]\nvalue:\n  format: json\n  schema: [{ name: id, type: long }]\n  unknownFields: error\ntable: s.a\n',
    );
    expect(loadConnectorConfig(ok, {}).value.unknownFields).toBe('error');
    const bad = writeConfig(
      folder,
      'b.yaml',
      'topics: [b]\nvalue:\n  format: avro\n  unknownFields: add\ntable: s.b\nschemaEvolution: false\n',
    );
    expect(errorMessage(() => loadConnectorConfig(bad, {}))).toBe(
      [
        `${bad}:4: value.unknownFields: is only used with a declared value.schema (format json)`,
        `${bad}:4: value.unknownFields: add needs schemaEvolution: true (it adds columns)`,
      ].join('\n'),
    );
  });
});
