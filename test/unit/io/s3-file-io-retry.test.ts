// S3FileIO's retry and reconciliation rules, against a scripted in-process
// stand-in for S3 (no network beyond loopback, no real store): the point is
// what the client does when the store throttles, fails or cuts a connection.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, StorageError } from '../../../src/errors.ts';
import { S3FileIO } from '../../../src/io/s3-file-io.ts';

type Step = 'ok' | 'slow-down' | 'internal-error' | 'forbidden' | 'store-then-cut';

const objects = new Map<string, Buffer>();
let script: Step[] = [];
let requests: string[] = [];

function errorXml(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
  );
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  requests.push(`${req.method} ${key}`);
  const step = script.shift() ?? 'ok';
  if (step === 'slow-down') return errorXml(res, 503, 'SlowDown');
  if (step === 'internal-error') return errorXml(res, 500, 'InternalError');
  if (step === 'forbidden') return errorXml(res, 403, 'AccessDenied');
  const stored = objects.get(key);
  const etag = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;
  if (req.method === 'PUT') {
    if (req.headers['if-none-match'] === '*' && stored) return errorXml(res, 412, 'PreconditionFailed');
    objects.set(key, body);
    // The write lands, but the client never hears back.
    if (step === 'store-then-cut') return void req.socket.destroy();
    res.writeHead(200, { ETag: etag(body) });
    return void res.end();
  }
  if (!stored) return errorXml(res, 404, req.method === 'HEAD' ? 'NotFound' : 'NoSuchKey');
  res.writeHead(200, { ETag: etag(stored), 'Content-Length': String(stored.byteLength) });
  res.end(req.method === 'HEAD' ? undefined : stored);
}

let server: Server;
let io: S3FileIO;

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  io = new S3FileIO({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: 'test',
    secretAccessKey: 'test',
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => undefined,
  });
});

afterAll(async () => {
  io.close();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  objects.clear();
  script = [];
  requests = [];
});

const bytes = (s: string) => new TextEncoder().encode(s);

describe('S3FileIO retries', () => {
  it('retries a throttled read (503 SlowDown) until it succeeds', async () => {
    objects.set('/bucket/a.txt', Buffer.from('payload'));
    script = ['slow-down', 'slow-down'];
    expect(new TextDecoder().decode(await io.read('s3://bucket/a.txt'))).toBe('payload');
    expect(requests).toEqual(['GET /bucket/a.txt', 'GET /bucket/a.txt', 'GET /bucket/a.txt']);
  });

  it('gives up after the policy attempts with a retryable StorageError naming the path', async () => {
    script = ['internal-error', 'internal-error', 'internal-error', 'internal-error'];
    const error = await io.read('s3://bucket/b.txt').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).retryable).toBe(true);
    expect((error as StorageError).context.path).toBe('s3://bucket/b.txt');
    expect(requests).toHaveLength(4);
  });

  it('does not retry an access error', async () => {
    script = ['forbidden'];
    const error = await io.write('s3://bucket/c.txt', bytes('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).retryable).toBe(false);
    expect(requests).toHaveLength(1);
  });
});

describe('S3FileIO create-only writes', () => {
  it('treats its own landed write as success when the retry meets 412 (ETag matches)', async () => {
    script = ['store-then-cut'];
    await io.write('s3://bucket/meta/v1.json', bytes('mine'), { ifNotExists: true });
    expect(objects.get('/bucket/meta/v1.json')?.toString()).toBe('mine');
    expect(requests).toEqual([
      'PUT /bucket/meta/v1.json',
      'PUT /bucket/meta/v1.json',
      'HEAD /bucket/meta/v1.json',
    ]);
  });

  it("reports another writer's object as AlreadyExistsError even after an ambiguous attempt", async () => {
    objects.set('/bucket/meta/v2.json', Buffer.from('theirs'));
    script = ['internal-error'];
    await expect(
      io.write('s3://bucket/meta/v2.json', bytes('mine'), { ifNotExists: true }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(objects.get('/bucket/meta/v2.json')?.toString()).toBe('theirs');
  });

  it('refuses at once, without a lookup, when the first attempt meets 412', async () => {
    objects.set('/bucket/meta/v3.json', Buffer.from('mine'));
    await expect(
      io.write('s3://bucket/meta/v3.json', bytes('mine'), { ifNotExists: true }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(requests).toEqual(['PUT /bucket/meta/v3.json']);
  });
});
