import { describe, expect, it } from 'vitest';
import { RestCatalog } from '../../../src/catalog/rest/rest-catalog.ts';
import { OAuth2ClientCredentialsAuth, refreshMarginMs } from '../../../src/catalog/rest/rest-oauth2.ts';
import { ConfigError } from '../../../src/errors.ts';
import { errorReply, FakeRestServer } from './fake-rest-server.ts';

const TOKEN_PATH = /^\/v1\/oauth\/tokens$/;
const token = (name: string, expiresIn?: number) => ({
  status: 200,
  json: {
    access_token: name,
    token_type: 'bearer',
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    ...(expiresIn ? { expires_in: expiresIn } : {}),
  },
});
const noRetry = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 };

describe('OAuth2 client credentials', () => {
  it('exchanges the credential at the token endpoint and sends the token on every call', async () => {
    const fake = new FakeRestServer()
      .on('POST', TOKEN_PATH, token('t-1', 3600))
      .on('GET', /^\/v1\/config$/, { status: 200, json: { defaults: {}, overrides: {} } })
      .on('GET', /^\/v1\/namespaces$/, { status: 200, json: { namespaces: [] } });
    const catalog = await RestCatalog.connect({
      uri: 'http://catalog.test',
      credential: 'floe-client:s3cr3t',
      scope: 'PRINCIPAL_ROLE:ALL',
      fetch: fake.fetch,
    });
    await catalog.listNamespaces();
    const [tokenRequest] = fake.to('POST', TOKEN_PATH);
    expect(tokenRequest?.headers.get('Content-Type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'floe-client',
      client_secret: 's3cr3t',
      scope: 'PRINCIPAL_ROLE:ALL',
    });
    expect(fake.to('POST', TOKEN_PATH)).toHaveLength(1);
    for (const r of fake.requests.slice(1)) expect(r.headers.get('Authorization')).toBe('Bearer t-1');
  });

  it('uses oauth2-server-uri when given', async () => {
    const fake = new FakeRestServer().on('POST', /^\/realms\/floe\/token$/, token('idp-token', 60));
    const auth = new OAuth2ClientCredentialsAuth({
      tokenUri: 'http://idp.test/realms/floe/token',
      clientId: 'c',
      clientSecret: 's',
      fetch: fake.fetch,
    });
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer idp-token' });
    expect(fake.requests[0]?.url.host).toBe('idp.test');
  });

  it('reuses a token until shortly before it expires, then fetches a new one', async () => {
    let now = 1_000_000;
    const fake = new FakeRestServer().on('POST', TOKEN_PATH, token('first', 600), token('second', 600));
    const auth = new OAuth2ClientCredentialsAuth({
      tokenUri: 'http://catalog.test/v1/oauth/tokens',
      clientId: 'c',
      clientSecret: 's',
      fetch: fake.fetch,
      now: () => now,
    });
    const margin = refreshMarginMs(600_000);
    expect(margin).toBe(60_000);
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer first' });
    now += 600_000 - margin - 1;
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer first' });
    now += 1;
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer second' });
    expect(fake.requests).toHaveLength(2);
  });

  it('shares one token request among concurrent callers', async () => {
    const fake = new FakeRestServer().on('POST', TOKEN_PATH, token('shared', 3600));
    const auth = new OAuth2ClientCredentialsAuth({
      tokenUri: 'http://catalog.test/v1/oauth/tokens',
      clientId: 'c',
      clientSecret: 's',
      fetch: fake.fetch,
    });
    await Promise.all([auth.headers(), auth.headers(), auth.headers()]);
    expect(fake.requests).toHaveLength(1);
  });

  it('fetches a new token and resends once when the catalog answers 401', async () => {
    const fake = new FakeRestServer()
      .on('POST', TOKEN_PATH, token('old', 3600), token('new', 3600))
      .on('GET', /^\/v1\/config$/, { status: 200, json: { defaults: {}, overrides: {} } })
      .on('GET', /^\/v1\/namespaces$/, errorReply(401, 'NotAuthorizedException'), {
        status: 200,
        json: { namespaces: [['x']] },
      });
    const catalog = await RestCatalog.connect({
      uri: 'http://catalog.test',
      credential: 'c:s',
      fetch: fake.fetch,
      retry: noRetry,
    });
    expect(await catalog.listNamespaces()).toEqual([['x']]);
    const lists = fake.to('GET', /^\/v1\/namespaces$/);
    expect(lists.map((r) => r.headers.get('Authorization'))).toEqual(['Bearer old', 'Bearer new']);
  });

  it('reports refused client credentials as a ConfigError naming the client', async () => {
    const fake = new FakeRestServer().on('POST', TOKEN_PATH, {
      status: 401,
      json: { error: 'invalid_client', error_description: 'unknown client' },
    });
    const auth = new OAuth2ClientCredentialsAuth({
      tokenUri: 'http://catalog.test/v1/oauth/tokens',
      clientId: 'floe',
      clientSecret: 'bad',
      fetch: fake.fetch,
    });
    const error = await auth.headers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/client 'floe'.*invalid_client unknown client/);
  });
});
