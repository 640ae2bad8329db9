import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import {
  adminProperties,
  clientProperties,
  consumerProperties,
  producerProperties,
} from '../../../src/worker/kafka-properties.ts';
import type { KafkaClientConfig } from '../../../src/worker/kafka-types.ts';

const base: KafkaClientConfig = { bootstrapServers: 'b1:9092, b2:9092', groupId: 'floe' };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('clientProperties', () => {
  it('maps servers, group and client id; group.id only for consumers', () => {
    expect(clientProperties({ ...base, clientId: 'floe-1' }, 'consumer')).toEqual({
      'bootstrap.servers': 'b1:9092,b2:9092',
      'group.id': 'floe',
      'client.id': 'floe-1',
    });
    expect(clientProperties(base, 'producer')).toEqual({ 'bootstrap.servers': 'b1:9092,b2:9092' });
    expect(adminProperties(base)).toEqual({ 'bootstrap.servers': 'b1:9092,b2:9092' });
  });

  it('makes a consumer a static group member with groupInstanceId; other clients ignore it', () => {
    const config = { ...base, groupInstanceId: 'floe-0' };
    expect(clientProperties(config, 'consumer')['group.instance.id']).toBe('floe-0');
    expect(consumerProperties(config)['group.instance.id']).toBe('floe-0');
    expect(consumerProperties(base)['group.instance.id']).toBeUndefined();
    expect(producerProperties(config)['group.instance.id']).toBeUndefined();
    expect(adminProperties(config)['group.instance.id']).toBeUndefined();
  });

  it('maps SASL/SCRAM over TLS with every TLS file', () => {
    const props = clientProperties(
      {
        ...base,
        security: {
          protocol: 'sasl_ssl',
          sasl: { mechanism: 'SCRAM-SHA-512', username: 'svc', password: 's3cret' },
          tls: {
            caFile: '/tls/ca.pem',
            certFile: '/tls/client.pem',
            keyFile: '/tls/client.key',
            keyPassword: 'kp',
            verifyHostname: false,
          },
        },
      },
      'producer',
    );
    expect(props).toEqual({
      'bootstrap.servers': 'b1:9092,b2:9092',
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'svc',
      'sasl.password': 's3cret',
      'ssl.ca.location': '/tls/ca.pem',
      'ssl.certificate.location': '/tls/client.pem',
      'ssl.key.location': '/tls/client.key',
      'ssl.key.password': 'kp',
      'ssl.endpoint.identification.algorithm': 'none',
    });
  });

  it('maps PLAIN over plaintext and hostname verification on', () => {
    const sasl = clientProperties(
      {
        ...base,
        security: { protocol: 'sasl_plaintext', sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } },
      },
      'admin',
    );
    expect(sasl['security.protocol']).toBe('sasl_plaintext');
    expect(sasl['sasl.mechanisms']).toBe('PLAIN');
    const tls = clientProperties(
      { ...base, security: { protocol: 'ssl', tls: { verifyHostname: true } } },
      'admin',
    );
    expect(tls['ssl.endpoint.identification.algorithm']).toBe('https');
    expect(tls['sasl.mechanisms']).toBeUndefined();
  });

  it('maps OAUTHBEARER client credentials to librdkafka OIDC', () => {
    const props = clientProperties(
      {
        ...base,
        security: {
          protocol: 'sasl_ssl',
          sasl: {
            mechanism: 'OAUTHBEARER',
            oauthbearer: {
              tokenEndpoint: 'https://idp/token',
              clientId: 'floe',
              clientSecret: 'x',
              scope: 'kafka',
            },
          },
        },
      },
      'consumer',
    );
    expect(props).toMatchObject({
      'sasl.mechanisms': 'OAUTHBEARER',
      'sasl.oauthbearer.method': 'oidc',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp/token',
      'sasl.oauthbearer.client.id': 'floe',
      'sasl.oauthbearer.client.secret': 'x',
      'sasl.oauthbearer.scope': 'kafka',
    });
    expect(props['sasl.username']).toBeUndefined();
  });

  it('applies raw properties last, over mapped ones', () => {
    const props = clientProperties(
      { ...base, clientId: 'a', properties: { 'client.id': 'b', 'socket.keepalive.enable': 'true' } },
      'producer',
    );
    expect(props['client.id']).toBe('b');
    expect(props['socket.keepalive.enable']).toBe('true');
  });

  it('rejects inconsistent settings naming the key', () => {
    expect(
      configError(() => clientProperties({ ...base, bootstrapServers: ' , ' }, 'admin')).message,
    ).toContain('kafka.bootstrapServers');
    expect(configError(() => clientProperties({ ...base, groupId: '' }, 'consumer')).message).toContain(
      'kafka.groupId',
    );
    expect(
      configError(() => clientProperties({ ...base, security: { protocol: 'sasl_ssl' } }, 'admin')).message,
    ).toContain('kafka.security.sasl: required');
    expect(
      configError(() =>
        clientProperties({ ...base, security: { protocol: 'ssl', sasl: { mechanism: 'PLAIN' } } }, 'admin'),
      ).message,
    ).toContain('does not use SASL');
    expect(
      configError(() =>
        clientProperties(
          { ...base, security: { protocol: 'plaintext', tls: { verifyHostname: true } } },
          'admin',
        ),
      ).message,
    ).toContain('kafka.security.tls');
    expect(
      configError(() =>
        clientProperties(
          {
            ...base,
            security: { protocol: 'sasl_ssl', sasl: { mechanism: 'SCRAM-SHA-256', username: 'u' } },
          },
          'admin',
        ),
      ).message,
    ).toContain('kafka.security.sasl.password');
  });
});

describe('consumerProperties', () => {
  it('turns auto commit off and selects cooperative-sticky, starting at earliest by default', () => {
    expect(consumerProperties(base, { rebalanceTimeoutMs: 180_000 })).toEqual({
      'bootstrap.servers': 'b1:9092,b2:9092',
      'group.id': 'floe',
      'auto.offset.reset': 'earliest',
      'fetch.queue.backoff.ms': '10',
      'max.partition.fetch.bytes': String(2 * 1024 * 1024),
      'fetch.max.bytes': String(32 * 1024 * 1024),
      'queued.max.messages.kbytes': String(32 * 1024),
      'max.poll.interval.ms': '180000',
      'enable.auto.commit': 'false',
      'enable.auto.offset.store': 'false',
      'partition.assignment.strategy': 'cooperative-sticky',
    });
  });

  it('lets raw properties tune defaults but not the settings floe relies on', () => {
    expect(
      consumerProperties({ ...base, properties: { 'auto.offset.reset': 'latest' } })['auto.offset.reset'],
    ).toBe('latest');
    const backfill = consumerProperties(base, { largeFetches: false });
    expect(backfill['max.partition.fetch.bytes']).toBeUndefined();
    expect(backfill['fetch.queue.backoff.ms']).toBe('10');
    expect(backfill['queued.max.messages.kbytes']).toBe('32768');
    expect(
      consumerProperties({ ...base, properties: { 'max.partition.fetch.bytes': '1048576' } })[
        'max.partition.fetch.bytes'
      ],
    ).toBe('1048576');
    expect(
      consumerProperties({ ...base, properties: { 'enable.auto.commit': 'FALSE' } })['enable.auto.commit'],
    ).toBe('false');
    const error = configError(() =>
      consumerProperties({ ...base, properties: { 'enable.auto.commit': 'true' } }),
    );
    expect(error.message).toBe(
      'kafka.properties["enable.auto.commit"]: floe requires "false" (got "true"); remove the property',
    );
    // Every changed one, not just the first (the loader reports them first, with lines).
    expect(
      configError(() =>
        consumerProperties({
          ...base,
          properties: { 'enable.auto.commit': 'true', 'enable.auto.offset.store': 'true' },
        }),
      ).message,
    ).toBe(
      [
        'kafka.properties["enable.auto.commit"]: floe requires "false" (got "true"); remove the property',
        'kafka.properties["enable.auto.offset.store"]: floe requires "false" (got "true"); remove the property',
      ].join('\n'),
    );
    expect(() =>
      consumerProperties({ ...base, properties: { 'partition.assignment.strategy': 'range' } }),
    ).toThrow(ConfigError);
  });

  it('leaves the assignment strategy to the broker under the KIP-848 consumer protocol', () => {
    const props = consumerProperties({ ...base, properties: { 'group.protocol': 'consumer' } });
    expect(props['partition.assignment.strategy']).toBeUndefined();
    expect(props['enable.auto.commit']).toBe('false');
  });
});

describe('producerProperties', () => {
  it('is idempotent with acks=all and accepts acks=-1 as the same', () => {
    const props = producerProperties(base);
    expect(props).toMatchObject({
      acks: 'all',
      'enable.idempotence': 'true',
      'bootstrap.servers': 'b1:9092,b2:9092',
    });
    expect(props['group.id']).toBeUndefined();
    expect(producerProperties({ ...base, properties: { acks: '-1' } }).acks).toBe('all');
    expect(() => producerProperties({ ...base, properties: { acks: '1' } })).toThrow(ConfigError);
    expect(() => producerProperties({ ...base, properties: { 'enable.idempotence': 'false' } })).toThrow(
      ConfigError,
    );
  });
});
