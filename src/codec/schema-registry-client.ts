// Reads writer schemas from a Confluent-API schema registry (Confluent, Apicurio's
// ccompat API, Karapace, Redpanda). Only GET /schemas/ids/{id} and, for schema
// references, GET /subjects/{subject}/versions/{version} are needed (and, for the
// Protobuf field-number check, GET /schemas/ids/{id}/versions and
// GET /subjects/{subject}/versions), so this speaks
// HTTP with fetch (the @kafkajs/confluent-schema-registry package, which tests use
// to encode, returns parsed Avro types rather than the schema text).
// Schemas are immutable per id: each is fetched once and kept.
import { FloeError } from '../errors.ts';
import { PayloadError } from './payload-error.ts';
import type {
  EarlierSchemaVersion,
  RegisteredSchema,
  RegisteredSchemaType,
  ResolvedSchemaReference,
  SchemaLookup,
} from './schema-lookup.ts';

export interface SchemaRegistryClientOptions {
  /** Base URL, e.g. http://registry:8081 or http://apicurio:8080/apis/ccompat/v7 */
  readonly url: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly bearerToken?: string;
  readonly timeoutMs?: number;
  /** Attempts per request for network errors, 429 and 5xx. */
  readonly attempts?: number;
  readonly fetch?: typeof fetch;
}

interface SchemaResponse {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}

const SCHEMA_TYPES: ReadonlySet<string> = new Set(['AVRO', 'JSON', 'PROTOBUF']);
const MAX_REFERENCE_DEPTH = 32;

export class SchemaRegistryClient implements SchemaLookup {
  readonly #baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #fetch: typeof fetch;
  readonly #byId = new Map<number, Promise<RegisteredSchema>>();

  constructor(options: SchemaRegistryClientOptions) {
    this.#baseUrl = options.url.replace(/\/+$/, '');
    this.#headers = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (options.basicAuth !== undefined) {
      const { username, password } = options.basicAuth;
      this.#headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    } else if (options.bearerToken !== undefined) {
      this.#headers.authorization = `Bearer ${options.bearerToken}`;
    }
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#attempts = options.attempts ?? 3;
    this.#fetch = options.fetch ?? fetch;
  }

  getSchema(id: number): Promise<RegisteredSchema> {
    let pending = this.#byId.get(id);
    if (pending === undefined) {
      pending = this.#load(`/schemas/ids/${id}`, `schema id ${id}`, 0);
      // Failures are not cached: the next record retries.
      pending.catch(() => this.#byId.delete(id));
      this.#byId.set(id, pending);
    }
    return pending;
  }

  async getEarlierVersions(id: number): Promise<EarlierSchemaVersion[]> {
    let holders: unknown;
    try {
      holders = await this.#get(`/schemas/ids/${id}/versions`, `the subjects of schema id ${id}`);
    } catch (error) {
      if (error instanceof PayloadError) return []; // 404: the registry cannot say
      throw error;
    }
    const earlier: EarlierSchemaVersion[] = [];
    for (const holder of Array.isArray(holders) ? (holders as Array<Record<string, unknown>>) : []) {
      const { subject, version } = holder;
      if (typeof subject !== 'string' || typeof version !== 'number') continue;
      const path = `/subjects/${encodeURIComponent(subject)}/versions`;
      const versions: unknown = await this.#get(path, `the versions of subject ${subject}`);
      const before = (Array.isArray(versions) ? versions : [])
        .filter((v): v is number => typeof v === 'number' && v < version)
        .sort((a, b) => a - b);
      for (const v of before) {
        const schema = await this.#load(`${path}/${v}`, `subject ${subject} version ${v}`, 0);
        earlier.push({ subject, version: v, schema });
      }
    }
    return earlier;
  }

  async #load(path: string, what: string, depth: number): Promise<RegisteredSchema> {
    const body = await this.#get(path, what);
    if (typeof body.schema !== 'string') {
      throw new FloeError(`schema registry ${this.#baseUrl}: the answer for ${what} has no schema text`);
    }
    const type = body.schemaType ?? 'AVRO';
    if (typeof type !== 'string' || !SCHEMA_TYPES.has(type)) {
      throw new FloeError(
        `schema registry ${this.#baseUrl}: ${what} has unknown schema type ${String(type)}`,
      );
    }
    const references = await this.#resolveReferences(body.references, what, depth);
    return { type: type as RegisteredSchemaType, schema: body.schema, references };
  }

  /** Referenced schemas, depth-first so that each comes after what it depends on; each subject version once. */
  async #resolveReferences(json: unknown, what: string, depth: number): Promise<ResolvedSchemaReference[]> {
    if (!Array.isArray(json) || json.length === 0) return [];
    if (depth >= MAX_REFERENCE_DEPTH) {
      throw new FloeError(`schema registry ${this.#baseUrl}: schema references of ${what} nest too deep`);
    }
    const resolved: ResolvedSchemaReference[] = [];
    const seen = new Set<string>();
    for (const entry of json as Array<Record<string, unknown>>) {
      const { name, subject, version } = entry;
      if (typeof name !== 'string' || typeof subject !== 'string' || typeof version !== 'number') {
        throw new FloeError(`schema registry ${this.#baseUrl}: ${what} has a malformed schema reference`);
      }
      const target = `subject ${subject} version ${version}`;
      const path = `/subjects/${encodeURIComponent(subject)}/versions/${version}`;
      const referenced = await this.#load(path, target, depth + 1);
      for (const nested of [
        ...(referenced.references ?? []),
        { name, subject, version, schema: referenced.schema },
      ]) {
        const key = `${nested.subject}@${nested.version}`;
        if (!seen.has(key)) {
          seen.add(key);
          resolved.push(nested);
        }
      }
    }
    return resolved;
  }

  async #get(path: string, what: string): Promise<SchemaResponse> {
    const url = `${this.#baseUrl}${path}`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (attempt > 1) await sleep(250 * 2 ** (attempt - 2));
      let response: Response;
      try {
        response = await this.#fetch(url, {
          headers: this.#headers,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (error) {
        lastError = error;
        continue;
      }
      if (response.ok) return (await response.json()) as SchemaResponse;
      const text = await response.text().catch(() => '');
      if (response.status === 404) {
        throw new PayloadError(
          'unknown-schema-id',
          `unknown ${what} in the schema registry`,
          {},
          { cause: text },
        );
      }
      lastError = new Error(`HTTP ${response.status} ${text.slice(0, 200)}`);
      if (response.status !== 429 && response.status < 500) break;
    }
    throw new FloeError(
      `schema registry ${this.#baseUrl} did not answer ${what}: ${(lastError as Error).message}`,
      {},
      { cause: lastError },
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
