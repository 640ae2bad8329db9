// OAuth2 client credentials grant (RFC 6749 section 4.4) for the REST catalog:
// the token endpoint is `oauth2-server-uri` or, for older servers, the spec's
// deprecated `v1/oauth/tokens` route. Tokens are fetched on first use and
// replaced shortly before they expire; concurrent callers share one request.
import { ConfigError, StorageError } from '../../errors.ts';
import { parseJson } from '../../iceberg/json-bigint.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from '../../io/retry.ts';
import type { RestAuth } from './rest-auth.ts';

export interface OAuth2ClientCredentialsOptions {
  readonly tokenUri: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes; the Iceberg default is `catalog`. */
  readonly scope?: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly requestTimeoutMs?: number;
}

interface Token {
  readonly accessToken: string;
  /** When to stop using it; undefined when the server gave no lifetime. */
  readonly refreshAtMs: number | undefined;
}

export class OAuth2ClientCredentialsAuth implements RestAuth {
  readonly #options: OAuth2ClientCredentialsOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  #token: Token | undefined;
  #pending: Promise<Token> | undefined;

  constructor(options: OAuth2ClientCredentialsOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  async headers(): Promise<Record<string, string>> {
    const token = this.#token;
    const fresh = token && (token.refreshAtMs === undefined || this.#now() < token.refreshAtMs);
    const current = fresh ? token : await this.#fetchShared();
    return { Authorization: `Bearer ${current.accessToken}` };
  }

  async refreshAfterUnauthorized(): Promise<boolean> {
    this.#token = undefined;
    await this.#fetchShared();
    return true;
  }

  #fetchShared(): Promise<Token> {
    this.#pending ??= this.#requestToken().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #requestToken(): Promise<Token> {
    const { tokenUri, clientId, clientSecret } = this.#options;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: this.#options.scope ?? 'catalog',
    });
    const issuedAtMs = this.#now();
    const response = await withRetry(
      async () => {
        let res: Response;
        try {
          res = await this.#fetch(tokenUri, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
            body: form.toString(),
            signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 30_000),
          });
        } catch (error) {
          throw new StorageError(
            `OAuth2 token request to ${tokenUri} failed: ${String(error)}`,
            { uri: tokenUri },
            true,
            {
              cause: error,
            },
          );
        }
        const text = await res.text();
        if (res.status >= 500 || res.status === 429) {
          throw new StorageError(
            `OAuth2 token endpoint ${tokenUri} answered HTTP ${res.status}: ${text}`,
            { uri: tokenUri },
            true,
          );
        }
        return { status: res.status, text };
      },
      {
        policy: this.#options.retry ?? DEFAULT_RETRY_POLICY,
        isRetryable: (error) => error instanceof StorageError && error.retryable,
        ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
      },
    );
    const body = safeParse(response.text) as Record<string, unknown> | undefined;
    if (response.status !== 200 || typeof body?.access_token !== 'string') {
      const reason =
        typeof body?.error === 'string'
          ? `${body.error} ${body.error_description ?? ''}`.trim()
          : response.text;
      throw new ConfigError(
        `OAuth2 token request to ${tokenUri} for client '${clientId}' was refused (HTTP ${response.status}): ${reason.slice(0, 300)}`,
        { uri: tokenUri, status: response.status },
      );
    }
    const lifetimeMs = tokenLifetimeMs(body, issuedAtMs);
    const token: Token = {
      accessToken: body.access_token,
      refreshAtMs:
        lifetimeMs === undefined ? undefined : issuedAtMs + lifetimeMs - refreshMarginMs(lifetimeMs),
    };
    this.#token = token;
    return token;
  }
}

/** Refresh ahead of expiry by a tenth of the lifetime, between 5 s and 5 min. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(300_000, Math.max(5_000, Math.floor(lifetimeMs / 10)));
}

/** From `expires_in` (seconds), else from the `exp` claim when the token is a JWT. */
function tokenLifetimeMs(body: Record<string, unknown>, issuedAtMs: number): number | undefined {
  const expiresIn = Number(body.expires_in);
  if (Number.isFinite(expiresIn) && expiresIn > 0) return expiresIn * 1000;
  const parts = String(body.access_token).split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? Math.max(0, claims.exp * 1000 - issuedAtMs) : undefined;
  } catch {
    return undefined;
  }
}

function safeParse(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}
