import { describe, expect, it } from 'vitest';
import type { ConnectorConfig } from '../../../src/config/connector-config.ts';
import { validateConnectorSet } from '../../../src/config/validate-connector-set.ts';
import type { WorkerConfig } from '../../../src/config/worker-config.ts';
import { errorMessage } from './temp-config.ts';

const worker = (withRegistry: boolean): WorkerConfig => ({
  file: '/etc/floe/floe.yaml',
  kafka: { bootstrapServers: 'k:9092', groupId: 'floe', properties: {} },
  ...(withRegistry ? { schemaRegistry: { url: 'http://registry' } } : {}),
  catalog: { type: 'sql', name: 'floe', uri: 'sqlite:///x.db', warehouse: 'file:///w' },
  storage: {},
  connectorsDir: '/etc/floe/connectors',
  dataDir: '/tmp/floe',
  server: { host: '0.0.0.0', port: 8080 },
  log: { level: 'info' },
  memory: { maxBufferedBytes: 1 },
  commitTimeoutMs: 1,
});

function connector(name: string, overrides: Partial<ConnectorConfig> = {}): ConnectorConfig {
  return {
    name,
    file: `/c/${name}.yaml`,
    topics: [name],
    key: { format: 'string' },
    value: { format: 'json' },
    table: `ns.${name}`,
    autoCreate: { enabled: true, partitionBy: [], partitionFields: [], properties: {} },
    schemaEvolution: true,
    metadataColumn: false,
    commit: { intervalMs: 1, maxRecords: 1, maxBytes: 1, idleMs: 0 },
    errors: { policy: 'fail' },
    ...overrides,
  };
}

describe('validateConnectorSet', () => {
  it('accepts distinct connectors', () => {
    expect(() =>
      validateConnectorSet(worker(true), [
        connector('a', { value: { format: 'avro' } }),
        connector('b', { topics: undefined, topicPattern: 'b\\..*' }),
        connector('c', { errors: { policy: 'dlq', dlqTopic: 'c-dlq' } }),
      ]),
    ).not.toThrow();
  });

  it('refuses duplicate names, shared topics and shared tables', () => {
    const message = errorMessage(() =>
      validateConnectorSet(worker(true), [
        connector('a'),
        connector('a', { file: '/c/a-copy.yaml', topics: ['other'], table: 'ns.other' }),
        connector('b', { topics: ['a'] }),
        connector('c', {
          table: undefined,
          route: { field: 'type', tables: { x: 'ns.a', y: 'ns.c' } },
        }),
      ]),
    );
    expect(message).toBe(
      [
        '/c/a-copy.yaml: name: "a" is already the name of /c/a.yaml',
        '/c/b.yaml: topics: topic "a" is already consumed by connector "a" (/c/a.yaml); a topic belongs to one connector',
        `/c/c.yaml: route: table "ns.a" is already written by connector "a" (/c/a.yaml); a table belongs to one connector, which keeps its offsets in the table's snapshots`,
      ].join('\n'),
    );
  });

  it('refuses a topic pattern that matches another connector topic, and dead-letter loops', () => {
    const message = errorMessage(() =>
      validateConnectorSet(worker(true), [
        connector('orders'),
        connector('all', { topics: undefined, topicPattern: 'ord.*', table: 'ns.all' }),
        connector('c', { errors: { policy: 'dlq', dlqTopic: 'orders' } }),
        connector('d', {
          topics: undefined,
          topicPattern: 'd.*',
          errors: { policy: 'dlq', dlqTopic: 'd-dlq' },
        }),
      ]),
    );
    expect(message).toBe(
      [
        '/c/all.yaml: topicPattern: also matches topic "orders" of connector "orders" (/c/orders.yaml); a topic belongs to one connector',
        '/c/c.yaml: errors.dlqTopic: "orders" is consumed by connector "orders" (/c/orders.yaml); failed records would loop',
        '/c/c.yaml: errors.dlqTopic: "orders" is consumed by connector "all" (/c/all.yaml) through its topicPattern; failed records would loop',
        '/c/d.yaml: errors.dlqTopic: "d-dlq" matches the connector\'s own topicPattern; failed records would loop',
      ].join('\n'),
    );
  });

  it("refuses a dead-letter topic that another connector's topicPattern consumes", () => {
    const message = errorMessage(() =>
      validateConnectorSet(worker(true), [
        connector('orders', { errors: { policy: 'dlq', dlqTopic: 'dead.orders' } }),
        connector('dead', { topics: undefined, topicPattern: 'dead\\..*', table: 'ns.dead' }),
        connector('clicks', { errors: { policy: 'dlq', dlqTopic: 'clicks-dlq' } }),
        connector('dlq', { topics: undefined, topicPattern: '.*-dlq|x', table: 'ns.dlq' }),
      ]),
    );
    expect(message).toBe(
      [
        '/c/orders.yaml: errors.dlqTopic: "dead.orders" is consumed by connector "dead" (/c/dead.yaml) through its topicPattern; failed records would loop',
        '/c/clicks.yaml: errors.dlqTopic: "clicks-dlq" is consumed by connector "dlq" (/c/dlq.yaml) through its topicPattern; failed records would loop',
      ].join('\n'),
    );
    // Whole names only, as the consumer subscribes: "dead" does not consume "undead.orders".
    expect(() =>
      validateConnectorSet(worker(true), [
        connector('orders', { errors: { policy: 'dlq', dlqTopic: 'undead.orders' } }),
        connector('dead', { topics: undefined, topicPattern: 'dead\\..*', table: 'ns.dead' }),
      ]),
    ).not.toThrow();
  });

  it('matches topic patterns against whole names only', () => {
    expect(() =>
      validateConnectorSet(worker(true), [
        connector('orders'),
        connector('o', { topics: undefined, topicPattern: 'order', table: 'ns.o' }),
      ]),
    ).not.toThrow();
  });

  it('requires the schema registry for avro and json-schema, and checks what files cannot', () => {
    const message = errorMessage(() =>
      validateConnectorSet(worker(false), [
        connector('a', { value: { format: 'avro' } }),
        connector('b', { key: { format: 'avro' }, value: { format: 'json-schema' } }),
        connector('c', { errors: { policy: 'dlq' } }),
        connector('d', { table: undefined, route: { field: 'type', tables: {} } }),
      ]),
    );
    expect(message).toBe(
      [
        '/c/a.yaml: value.format: avro needs schemaRegistry in the worker file (/etc/floe/floe.yaml)',
        '/c/b.yaml: value.format: json-schema needs schemaRegistry in the worker file (/etc/floe/floe.yaml)',
        '/c/b.yaml: key.format: avro needs schemaRegistry in the worker file (/etc/floe/floe.yaml)',
        '/c/c.yaml: errors.dlqTopic: is required with policy dlq',
        '/c/d.yaml: route.tables: must map at least one field value to a table',
      ].join('\n'),
    );
  });

  it('refuses a worker without connectors', () => {
    expect(errorMessage(() => validateConnectorSet(worker(true), []))).toBe(
      '/etc/floe/connectors: no connector files (*.yaml, *.yml) in the connectors folder',
    );
  });
});
