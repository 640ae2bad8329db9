import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../src/codec/payload-error.ts';
import { AVRO_FORMAT } from '../../../src/codec/record-decoder.ts';
import { SchemaRegistryClient } from '../../../src/codec/schema-registry-client.ts';
import { FloeError } from '../../../src/errors.ts';
import { avroEncoder } from './avro-fixtures.ts';

type Answer = { status: number; body?: unknown };

function fakeRegistry(routes: Record<string, Answer[]>) {
  const calls: Array<{ url: string; auth: string | undefined }> = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, auth: (init?.headers as Record<string, string> | undefined)?.authorization });
    const path = url.replace('http://registry/api', '');
    const queue = routes[path];
    const answer = queue !== undefined && queue.length > 1 ? queue.shift()! : queue?.[0];
    if (answer === undefined) return new Response('{"error_code":40403}', { status: 404 });
    return new Response(JSON.stringify(answer.body ?? {}), { status: answer.status });
  }) as typeof fetch;
  return { fetchFn, calls };
}

const avro = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'id', type: 'long' }] });

describe('SchemaRegistryClient', () => {
  it('fetches a schema once per id and sends the credentials', async () => {
    const { fetchFn, calls } = fakeRegistry({ '/schemas/ids/1': [{ status: 200, body: { schema: avro } }] });
    const client = new SchemaRegistryClient({
      url: 'http://registry/api/',
      basicAuth: { username: 'u', password: 'p' },
      fetch: fetchFn,
    });
    const [a, b] = await Promise.all([client.getSchema(1), client.getSchema(1)]);
    expect(a).toEqual({ type: 'AVRO', schema: avro, references: [] });
    expect(b).toBe(a);
    expect(calls).toEqual([{ url: 'http://registry/api/schemas/ids/1', auth: `Basic ${btoa('u:p')}` }]);
  });

  it('retries 5xx answers, then reports the registry as unavailable (not a record error)', async () => {
    const { fetchFn, calls } = fakeRegistry({
      '/schemas/ids/2': [{ status: 503 }, { status: 200, body: { schema: '{}', schemaType: 'JSON' } }],
      '/schemas/ids/3': [{ status: 500 }],
    });
    const client = new SchemaRegistryClient({ url: 'http://registry/api', attempts: 2, fetch: fetchFn });
    expect((await client.getSchema(2)).type).toBe('JSON');
    const error = await client.getSchema(3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FloeError);
    expect(error).not.toBeInstanceOf(PayloadError);
    expect((error as Error).message).toMatch(
      /^schema registry http:\/\/registry\/api did not answer schema id 3: HTTP 500/,
    );
    expect(calls.filter((c) => c.url.endsWith('/3'))).toHaveLength(2);
  });

  it('answers 404 with an unknown-schema-id PayloadError', async () => {
    const client = new SchemaRegistryClient({ url: 'http://registry/api', fetch: fakeRegistry({}).fetchFn });
    const error = await client.getSchema(9).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as PayloadError).reason).toBe('unknown-schema-id');
  });

  it('resolves Avro schema references, dependencies first, and decodes with them', async () => {
    const money = {
      type: 'record',
      name: 'Money',
      namespace: 'shop',
      fields: [{ name: 'cents', type: 'long' }],
    };
    const line = {
      type: 'record',
      name: 'Line',
      namespace: 'shop',
      fields: [{ name: 'price', type: 'shop.Money' }],
    };
    const order = {
      type: 'record',
      name: 'Order',
      namespace: 'shop',
      fields: [{ name: 'lines', type: { type: 'array', items: 'shop.Line' } }],
    };
    const { fetchFn } = fakeRegistry({
      '/schemas/ids/10': [
        {
          status: 200,
          body: {
            schema: JSON.stringify(order),
            references: [{ name: 'shop.Line', subject: 'line', version: 1 }],
          },
        },
      ],
      '/subjects/line/versions/1': [
        {
          status: 200,
          body: {
            schema: JSON.stringify(line),
            references: [{ name: 'shop.Money', subject: 'money', version: 2 }],
          },
        },
      ],
      '/subjects/money/versions/2': [{ status: 200, body: { schema: JSON.stringify(money) } }],
    });
    const client = new SchemaRegistryClient({ url: 'http://registry/api', fetch: fetchFn });
    const registered = await client.getSchema(10);
    expect(registered.references?.map((r) => r.subject)).toEqual(['money', 'line']);
    const compiled = AVRO_FORMAT.compile(registered);
    const full = {
      ...order,
      fields: [
        {
          name: 'lines',
          type: { type: 'array', items: { ...line, fields: [{ name: 'price', type: money }] } },
        },
      ],
    };
    const payload = avroEncoder(full).toBuffer({ lines: [{ price: { cents: 250n } }] });
    expect(compiled.decode(payload, 0)).toEqual({ lines: [{ price: { cents: 250n } }] });
  });
});
