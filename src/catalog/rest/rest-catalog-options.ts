// What RestCatalog.connect needs from its options: the HTTP client's settings
// and how requests are authorized (a fixed token, OAuth2 client credentials, or
// nothing).
import type { RetryPolicy } from '../../io/retry.ts';
import type { Logger } from '../../log.ts';
import { NO_AUTH, type RestAuth, StaticTokenAuth } from './rest-auth.ts';
import type { RestHttpClientOptions } from './rest-http-client.ts';
import { OAuth2ClientCredentialsAuth } from './rest-oauth2.ts';

export interface RestCatalogOptions {
  readonly name?: string;
  /** Base URI of the catalog service, e.g. http://localhost:8181 (routes start at `v1/`). */
  readonly uri: string;
  /** Sent as the `warehouse` parameter of GET /v1/config. */
  readonly warehouse?: string;
  /** A fixed bearer token. */
  readonly token?: string;
  /** OAuth2 client credentials as `client_id:client_secret`. */
  readonly credential?: string;
  /** Token endpoint; defaults to the catalog's deprecated `v1/oauth/tokens` route. */
  readonly oauth2ServerUri?: string;
  readonly scope?: string;
  /** Client-side catalog properties, merged between the server's defaults and overrides. */
  readonly properties?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly newIdempotencyKey?: () => string;
  readonly logger?: Logger;
}

/** The HTTP client's options, auth included (before the config handshake adds `header.*` headers). */
export function httpClientOptions(options: RestCatalogOptions): RestHttpClientOptions {
  return {
    uri: options.uri,
    auth: restAuth(options),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.newIdempotencyKey ? { newIdempotencyKey: options.newIdempotencyKey } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
}

function restAuth(options: RestCatalogOptions): RestAuth {
  if (options.token) return new StaticTokenAuth(options.token);
  if (options.credential) {
    const colon = options.credential.indexOf(':');
    const clientId = colon < 0 ? '' : options.credential.slice(0, colon);
    const clientSecret = colon < 0 ? options.credential : options.credential.slice(colon + 1);
    const base = options.uri.endsWith('/') ? options.uri : `${options.uri}/`;
    return new OAuth2ClientCredentialsAuth({
      tokenUri:
        options.oauth2ServerUri ??
        options.properties?.['oauth2-server-uri'] ??
        new URL('v1/oauth/tokens', base).toString(),
      clientId,
      clientSecret,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
  }
  return NO_AUTH;
}
