// The operations endpoint: Kubernetes probes and the Prometheus scrape.
//   GET /healthz  200 while the worker is live, else 503 (liveness probe)
//   GET /readyz   200 while the worker is ready, else 503 (readiness probe)
//   GET /metrics  Prometheus text exposition
//   GET /status   the worker's describe() as JSON, for humans
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FloeError } from '../errors.ts';
import { type Logger, silentLogger } from '../log.ts';
import type { MetricsSource } from './metrics-registry.ts';
import type { WorkerStatus } from './worker-status.ts';

export interface HttpServerOptions {
  /** Interface to bind; default 0.0.0.0 (inside a pod the probes come from the kubelet). */
  host?: string;
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  status: WorkerStatus;
  metrics: MetricsSource;
  logger?: Logger;
}

type Reply = { code: number; contentType: string; body: string };

const TEXT = 'text/plain; charset=utf-8';

export class HttpServer {
  readonly #server: Server;
  readonly #logger: Logger;
  readonly #port: number;

  private constructor(server: Server, logger: Logger) {
    this.#server = server;
    this.#logger = logger;
    this.#port = (server.address() as AddressInfo).port;
  }

  /** Binds and resolves once the server accepts connections. */
  static async start(options: HttpServerOptions): Promise<HttpServer> {
    const logger = options.logger ?? silentLogger;
    const server = createServer((request, response) => {
      void handle(request, response, options, logger);
    });
    server.keepAliveTimeout = 5_000;
    server.requestTimeout = 30_000;
    const host = options.host ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) => reject(listenError(error, host, options.port));
      server.once('error', fail);
      server.listen(options.port, host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    const started = new HttpServer(server, logger);
    logger.info('http server listening', { host: options.host ?? '0.0.0.0', port: started.port });
    return started;
  }

  /** The bound port (the real one when started with port 0). */
  get port(): number {
    return this.#port;
  }

  /** Stops accepting, drops idle keep-alive connections, resolves when all are closed. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.close((err) => (err ? reject(err) : resolve()));
      this.#server.closeIdleConnections();
      this.#logger.debug('http server closing');
    });
  }
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: HttpServerOptions,
  logger: Logger,
): Promise<void> {
  let reply: Reply;
  try {
    reply = await route(request, options);
  } catch (err) {
    logger.error('http request failed', { err, path: request.url });
    reply = { code: 500, contentType: TEXT, body: 'internal error\n' };
  }
  response.writeHead(reply.code, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
    'cache-control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : reply.body);
}

async function route(request: IncomingMessage, options: HttpServerOptions): Promise<Reply> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { code: 405, contentType: TEXT, body: `method ${request.method} not allowed\n` };
  }
  switch (path) {
    case '/healthz':
      return probe(options.status.live(), 'live', 'not live');
    case '/readyz':
      return probe(options.status.ready(), 'ready', 'not ready');
    case '/metrics':
      return {
        code: 200,
        contentType: options.metrics.contentType,
        body: await options.metrics.metricsText(),
      };
    case '/status':
      return { code: 200, contentType: 'application/json', body: `${toJson(options.status.describe())}\n` };
    default:
      return { code: 404, contentType: TEXT, body: `no such endpoint: ${path}\n` };
  }
}

/** Why the server cannot listen, naming the address and the key that sets it. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): FloeError {
  const where = `${host}:${port}`;
  const why =
    error.code === 'EADDRINUSE'
      ? `port ${port} is already in use`
      : error.code === 'EACCES'
        ? `port ${port} needs privileges`
        : error.code === 'EADDRNOTAVAIL'
          ? `address ${host} is not on this machine`
          : error.message;
  return new FloeError(
    `cannot serve HTTP on ${where}: ${why} (server.host / server.port in the worker file, or --port)`,
    { host, port, code: error.code },
    { cause: error },
  );
}

function probe(ok: boolean, yes: string, no: string): Reply {
  return ok
    ? { code: 200, contentType: TEXT, body: `${yes}\n` }
    : { code: 503, contentType: TEXT, body: `${no}\n` };
}

// Offsets and snapshot ids are bigint in floe; JSON.stringify would throw on them.
function toJson(value: object): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
