// The files shipped in connectors/ and examples/ must load and fit together.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConnectorConfigs } from '../../../src/config/load-connector-config.ts';
import { loadWorkerConfig } from '../../../src/config/load-worker-config.ts';
import { redactConfig } from '../../../src/config/redact-config.ts';
import { validateConnectorSet } from '../../../src/config/validate-connector-set.ts';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

const REST_S3_ENV = {
  KAFKA_BOOTSTRAP: 'broker-1:9093,broker-2:9093',
  KAFKA_USERNAME: 'floe',
  KAFKA_PASSWORD: 'kafka-secret',
  REGISTRY_URL: 'https://registry.example.com',
  REGISTRY_USERNAME: 'floe',
  REGISTRY_PASSWORD: 'registry-secret',
  CATALOG_URI: 'https://catalog.example.com',
  CATALOG_CLIENT_ID: 'floe',
  CATALOG_CLIENT_SECRET: 'catalog-secret',
};

describe('shipped examples', () => {
  it('examples/floe.yaml with the connectors/ folder loads and validates', () => {
    const worker = loadWorkerConfig(repo('examples/floe.yaml'), {});
    expect(worker.connectorsDir).toBe(repo('connectors'));
    expect(worker.catalog).toEqual({
      type: 'sql',
      name: 'floe',
      uri: `sqlite:///${repo('examples/floe-data/catalog.db')}`,
      warehouse: `file://${repo('examples/floe-data/warehouse')}`,
    });
    const connectors = loadConnectorConfigs(worker.connectorsDir, {});
    expect(connectors.map((connector) => connector.name)).toEqual(['clicks', 'events-routed', 'orders-avro']);
    expect(() => validateConnectorSet(worker, connectors)).not.toThrow();

    const [clicks, events, orders] = connectors;
    expect(orders?.autoCreate.partitionFields).toEqual([
      { source: 'ts', transform: { kind: 'day' } },
      { source: 'id', transform: { kind: 'bucket', numBuckets: 16 } },
    ]);
    expect(clicks?.errors).toEqual({ policy: 'dlq', dlqTopic: 'clicks-dlq' });
    expect(clicks?.commit.intervalMs).toBe(30_000);
    expect(events?.route?.tables).toEqual({ signup: 'app.signups', purchase: 'app.purchases' });
    expect(events?.value.schema?.fields.map((field) => field.name)).toEqual([
      'id',
      'type',
      'ts',
      'amount',
      'tags',
      'user',
    ]);
  });

  it('examples/floe-rest-s3.yaml loads with its environment, and its log form hides every secret', () => {
    const worker = loadWorkerConfig(repo('examples/floe-rest-s3.yaml'), REST_S3_ENV);
    expect(worker.catalog).toMatchObject({ type: 'rest', credential: 'floe:catalog-secret' });
    expect(worker.kafka.security?.sasl?.password).toBe('kafka-secret');
    const logged = JSON.stringify(redactConfig(worker));
    for (const secret of ['kafka-secret', 'registry-secret', 'catalog-secret']) {
      expect(logged).not.toContain(secret);
    }
  });
});
