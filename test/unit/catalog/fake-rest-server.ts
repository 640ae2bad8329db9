// A scripted stand-in for a REST catalog, injected as `fetch`: each test lists
// the responses it wants, and every request is recorded for assertions.
import { readFileSync } from 'node:fs';
import { RestCatalog, type RestCatalogOptions } from '../../../src/catalog/rest/rest-catalog.ts';

/** A LoadTableResult of the reference server (table db.events, snapshot id 2^53 + 1). */
export const loadResult = readFileSync(
  new URL('../../golden/rest-catalog/load-table-result.json', import.meta.url),
  'utf8',
);

export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string | undefined;
}

export type Reply = { status: number; json?: unknown; text?: string } | { throws: Error };
export class FakeRestServer {
  readonly requests: RecordedRequest[] = [];
  readonly #routes: { method: string; path: RegExp; replies: Reply[]; fallback?: Reply }[] = [];

  /** Replies to matching requests in order; the last one repeats. */
  on(method: string, path: RegExp, ...replies: Reply[]): this {
    this.#routes.push({ method, path, replies });
    return this;
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      url,
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    this.requests.push(request);
    const reply = this.#match(request);
    if ('throws' in reply) throw reply.throws;
    const body = reply.text ?? (reply.json === undefined ? null : JSON.stringify(reply.json));
    return new Response(reply.status === 204 || request.method === 'HEAD' ? null : body, {
      status: reply.status,
      headers: { 'Content-Type': 'application/json' },
    });
  };

  #match(request: RecordedRequest): Reply {
    for (const route of this.#routes) {
      if (route.method !== request.method || !route.path.test(request.url.pathname)) continue;
      const reply = route.replies.length > 1 ? route.replies.shift() : route.replies[0];
      if (reply) return reply;
    }
    return {
      status: 599,
      json: {
        error: { message: `no route for ${request.method} ${request.url.pathname}`, type: 'Test', code: 599 },
      },
    };
  }

  /** Requests to paths matching `path`, in order. */
  to(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.url.pathname));
  }
}

/** A connection-level failure the way undici reports it. */
export function connectionError(code: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
}

export function errorReply(status: number, type: string, message = type): Reply {
  return { status, json: { error: { message, type, code: status } } };
}

/** A fake that answers GET /v1/config with `config` (prefix wh1 unless told otherwise). */
export function configServer(
  config: unknown = { defaults: {}, overrides: { prefix: 'wh1' } },
): FakeRestServer {
  return new FakeRestServer().on('GET', /^\/v1\/config$/, { status: 200, json: config });
}

/** A RestCatalog on the fake, with fast retries and no real sleeping. */
export function connectFake(
  fake: FakeRestServer,
  options: Partial<RestCatalogOptions> = {},
): Promise<RestCatalog> {
  return RestCatalog.connect({
    uri: 'http://catalog.test/',
    warehouse: 's3://bucket/wh',
    fetch: fake.fetch,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => undefined,
    ...options,
  });
}
