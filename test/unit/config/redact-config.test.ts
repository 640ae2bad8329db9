import { describe, expect, it } from 'vitest';
import { isSecretPath, redactConfig } from '../../../src/config/redact-config.ts';

describe('redactConfig', () => {
  it('replaces every secret by ***, keeps the rest, and does not touch the input', () => {
    const config = {
      kafka: {
        security: {
          sasl: { username: 'u', password: 'pw', oauthbearer: { clientId: 'c', clientSecret: 'cs' } },
          tls: { keyPassword: 'kp', caFile: '/ca.pem' },
        },
        properties: { 'sasl.password': 'raw', 'ssl.key.password': 'raw2', 'fetch.max.bytes': '1' },
      },
      schemaRegistry: { url: 'https://r', basicAuth: { username: 'ru', password: 'rp' }, bearerToken: 'bt' },
      catalog: { type: 'rest', credential: 'id:secret', token: 'tk', uri: 'https://cat' },
      storage: { s3: { accessKeyId: 'AKIA', secretAccessKey: 'sk', sessionToken: 'st' } },
      server: { port: 8080 },
      list: [{ password: 'x' }],
    };
    const copy = structuredClone(config);
    expect(redactConfig(config)).toEqual({
      kafka: {
        security: {
          sasl: { username: 'u', password: '***', oauthbearer: { clientId: 'c', clientSecret: '***' } },
          tls: { keyPassword: '***', caFile: '/ca.pem' },
        },
        properties: { 'sasl.password': '***', 'ssl.key.password': '***', 'fetch.max.bytes': '1' },
      },
      schemaRegistry: {
        url: 'https://r',
        basicAuth: { username: 'ru', password: '***' },
        bearerToken: '***',
      },
      catalog: { type: 'rest', credential: '***', token: '***', uri: 'https://cat' },
      storage: { s3: { accessKeyId: 'AKIA', secretAccessKey: '***', sessionToken: '***' } },
      server: { port: 8080 },
      list: [{ password: '***' }],
    });
    expect(config).toEqual(copy);
  });

  it('hides passwords inside connection URIs', () => {
    expect(redactConfig({ catalog: { uri: 'postgresql://floe:s3cret@db:5432/catalog' } })).toEqual({
      catalog: { uri: 'postgresql://floe:***@db:5432/catalog' },
    });
    // A password with '@' (or '#') in it is hidden up to the last '@' before the host.
    expect(redactConfig({ uri: 'postgresql://floe:pa@ss@db/catalog' })).toEqual({
      uri: 'postgresql://floe:***@db/catalog',
    });
    expect(redactConfig({ uri: 'postgresql://floe:p#w@db:5432/c?sslmode=require' })).toEqual({
      uri: 'postgresql://floe:***@db:5432/c?sslmode=require',
    });
    expect(redactConfig({ uri: 'postgresql://db:5432/catalog?user=a@b' })).toEqual({
      uri: 'postgresql://db:5432/catalog?user=a@b',
    });
    expect(redactConfig({ uri: 'sqlite:////data/catalog.db' })).toEqual({
      uri: 'sqlite:////data/catalog.db',
    });
  });

  it('leaves absent secrets absent', () => {
    expect(redactConfig({ sasl: { password: undefined } })).toEqual({ sasl: { password: undefined } });
  });

  it('knows secret paths', () => {
    expect(isSecretPath(['schemaRegistry', 'basicAuth', 'password'])).toBe(true);
    expect(isSecretPath(['kafka', 'properties', 'sasl.oauthbearer.client.secret'])).toBe(true);
    expect(isSecretPath(['kafka', 'bootstrapServers'])).toBe(false);
    expect(isSecretPath(['autoCreate', 'partitionBy', 0])).toBe(false);
  });
});
