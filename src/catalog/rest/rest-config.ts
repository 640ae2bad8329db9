// The catalog configuration handshake (spec: GET /v1/config, "CatalogConfig"):
// the final properties are the server's defaults, then the client's own
// properties, then the server's overrides.
import { ValidationError } from '../../errors.ts';
import { asArray, asObject, stringMap } from '../../iceberg/json-fields.ts';

export interface CatalogConfigResponse {
  readonly defaults: Readonly<Record<string, string>>;
  readonly overrides: Readonly<Record<string, string>>;
  /** Routes the server implements, e.g. `HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}`; undefined when not sent. */
  readonly endpoints: ReadonlySet<string> | undefined;
  /** ISO-8601 duration for which the server remembers Idempotency-Keys; undefined when it does not dedupe. */
  readonly idempotencyKeyLifetime: string | undefined;
}

export function parseCatalogConfig(json: unknown): CatalogConfigResponse {
  const where = 'REST catalog config response';
  const object = asObject(json, where);
  const endpoints = object.endpoints;
  const lifetime = object['idempotency-key-lifetime'];
  return {
    defaults: stringMap(object, 'defaults', where),
    overrides: stringMap(object, 'overrides', where),
    endpoints:
      endpoints === undefined || endpoints === null
        ? undefined
        : new Set(asArray(endpoints, `'endpoints' of ${where}`).map((e) => String(e))),
    idempotencyKeyLifetime: typeof lifetime === 'string' && lifetime !== '' ? lifetime : undefined,
  };
}

export function mergeCatalogProperties(
  response: Pick<CatalogConfigResponse, 'defaults' | 'overrides'>,
  clientProperties: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...response.defaults, ...clientProperties, ...response.overrides };
}

/** The route as the spec's `endpoints` list names it; servers that send no list support the basic routes. */
export function supportsEndpoint(config: CatalogConfigResponse, endpoint: string): boolean {
  return config.endpoints === undefined ? !endpoint.startsWith('HEAD ') : config.endpoints.has(endpoint);
}

/** `namespace-separator` is sent URL-encoded (default `%1F`). */
export function namespaceSeparator(properties: Readonly<Record<string, string>>): string {
  const raw = properties['namespace-separator'];
  if (raw === undefined || raw === '') return '\u001f';
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    throw new ValidationError(
      `invalid namespace-separator '${raw}' in REST catalog config`,
      {},
      { cause: error },
    );
  }
}
