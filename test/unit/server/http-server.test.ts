import { afterEach, describe, expect, it } from 'vitest';
import { HttpServer } from '../../../src/server/http-server.ts';
import { FloeMetrics, type MetricsSource } from '../../../src/server/metrics-registry.ts';
import { SettableWorkerStatus } from '../../../src/server/worker-status.ts';
import { WorkerState } from '../../../src/worker/worker-state.ts';

const running: HttpServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(metrics: MetricsSource = new FloeMetrics({ processMetrics: false })) {
  const status = new SettableWorkerStatus();
  const server = await HttpServer.start({ host: '127.0.0.1', port: 0, status, metrics });
  running.push(server);
  const get = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${server.port}${path}`, init);
  return { server, status, get };
}

describe('HttpServer', () => {
  it('binds an ephemeral port and serves the Prometheus scrape', async () => {
    const metrics = new FloeMetrics({ processMetrics: false });
    const { server, get } = await start(metrics);
    expect(server.port).toBeGreaterThan(0);
    metrics.recordsConsumed('orders', 'orders-v1', 3);
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.contentType);
    const body = await response.text();
    expect(body).toContain('# TYPE floe_records_consumed_total counter');
    expect(body).toContain('floe_records_consumed_total{connector="orders",topic="orders-v1"} 3');
  });

  it('flips /readyz with the worker status', async () => {
    const { status, get } = await start();
    expect((await get('/readyz')).status).toBe(503);
    status.setReady(true);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready\n');
    status.setReady(false); // graceful shutdown started
    expect((await get('/readyz')).status).toBe(503);
  });

  it('answers /healthz from live(), independently of readiness', async () => {
    const { status, get } = await start();
    expect((await get('/healthz')).status).toBe(200);
    status.setLive(false);
    expect((await get('/healthz')).status).toBe(503);
    status.setReady(true);
    expect((await get('/healthz')).status).toBe(503);
  });

  it('serves describe() as JSON, bigint offsets as strings', async () => {
    const { status, get } = await start();
    status.setDetails({ partitions: [{ topic: 't', partition: 0, offset: 9007199254740993n }] });
    const response = await get('/status');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      ready: false,
      live: true,
      partitions: [{ topic: 't', partition: 0, offset: '9007199254740993' }],
    });
  });

  it("serves the worker's state as it is at each request", async () => {
    const { status, get } = await start();
    const state = new WorkerState(['orders', 'clicks'], () => Date.parse('2025-01-02T03:04:05.678Z'));
    status.setDetails(() => state.describe());
    expect(await (await get('/status')).json()).toEqual({
      ready: false,
      live: true,
      state: 'starting',
      connectors: {
        orders: { partitions: [], lastCommitAt: null },
        clicks: { partitions: [], lastCommitAt: null },
      },
    });
    state.joining();
    const tp = (partition: number) => ({ topic: 'orders', partition });
    state.assigned('orders', [tp(3), tp(0)], new Map([['orders:0', 9007199254740993n]]));
    state.running();
    state.committed('orders', [{ ...tp(3), offset: 12n }]);
    status.setReady(true);
    expect(await (await get('/status')).json()).toEqual({
      ready: true,
      live: true,
      state: 'running',
      connectors: {
        orders: {
          partitions: [
            { topic: 'orders', partition: 0, committedOffset: '9007199254740993', committedAt: null },
            { topic: 'orders', partition: 3, committedOffset: '12', committedAt: '2025-01-02T03:04:05.678Z' },
          ],
          lastCommitAt: '2025-01-02T03:04:05.678Z',
        },
        clicks: { partitions: [], lastCommitAt: null },
      },
    });
  });

  it('rejects unknown paths and methods', async () => {
    const { get } = await start();
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/metrics', { method: 'POST' })).status).toBe(405);
    const head = await get('/healthz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 500 when collecting metrics fails, and keeps serving', async () => {
    const failing: MetricsSource = {
      contentType: 'text/plain',
      metricsText: () => Promise.reject(new Error('collector broke')),
    };
    const { get } = await start(failing);
    expect((await get('/metrics')).status).toBe(500);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('stops accepting connections once closed', async () => {
    const { server, get } = await start();
    expect((await get('/healthz')).status).toBe(200);
    await server.close();
    running.splice(running.indexOf(server), 1);
    await expect(get('/healthz')).rejects.toThrow();
  });

  it('fails to start on a port that is taken, naming the address and the key', async () => {
    const { server } = await start();
    await expect(
      HttpServer.start({
        host: '127.0.0.1',
        port: server.port,
        status: new SettableWorkerStatus(),
        metrics: new FloeMetrics({ processMetrics: false }),
      }),
    ).rejects.toThrow(
      `cannot serve HTTP on 127.0.0.1:${server.port}: port ${server.port} is already in use (server.host / server.port`,
    );
  });
});
