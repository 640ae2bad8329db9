// `floe run` with a broker that does not answer (127.0.0.1:1): while it
// connects, /status says so and /metrics carries floe's version and an
// assigned-partitions series per connector; a SIGTERM then ends it at once with
// exit 0 (nothing was read), not after the 30 s connect timeout with exit 1;
// and the client's burst of errors is a few lines, not hundreds.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFolder, writeConfig } from '../config/temp-config.ts';

const FLOE = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A worker file and connectors `clicks` (and `views`, whose errors go to a dead-letter topic, when asked). */
async function setup(options: { dlq?: boolean } = {}): Promise<{ config: string; port: number }> {
  const folder = tempFolder();
  const port = await freePort();
  const config = writeConfig(
    folder,
    'floe.yaml',
    [
      'kafka: { bootstrapServers: 127.0.0.1:1 }',
      'catalog: { type: sql }',
      `server: { host: 127.0.0.1, port: ${port} }`,
      'log: { level: info }',
    ].join('\n'),
  );
  writeConfig(
    folder,
    'connectors/clicks.yaml',
    'topics: [clicks]\nvalue: { format: json }\ntable: demo.clicks\n',
  );
  if (options.dlq) {
    writeConfig(
      folder,
      'connectors/views.yaml',
      'topics: [views]\nvalue: { format: json }\ntable: demo.views\nerrors: { policy: dlq, dlqTopic: views-dlq }\n',
    );
  }
  return { config, port };
}

interface Run {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exit: Promise<{ code: number | null; at: number }>;
  waitFor(pattern: RegExp): Promise<void>;
}

const started: ChildProcess[] = [];
afterEach(() => {
  // A failed test leaves no worker behind.
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function start(config: string): Run {
  const child = spawn(process.execPath, [FLOE, 'run', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr!.resume();
  const exit = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, at: performance.now() })),
  );
  return {
    child,
    lines,
    exit,
    waitFor: (pattern) =>
      lines.some((line) => pattern.test(line))
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ pattern, resolve })),
  };
}

const get = async (port: number, path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).text();

describe('floe run stopped while it connects to Kafka', () => {
  it('serves its state and version meanwhile, then exits 0 on SIGTERM without waiting for the connect', async () => {
    const { config, port } = await setup();
    const run = start(config);
    // librdkafka's own line: the worker's consumer is trying the broker.
    await run.waitFor(/"component":"kafka-consumer".*Connect to ipv4#127\.0\.0\.1:1 failed/);

    expect(JSON.parse(await get(port, '/status'))).toEqual({
      ready: false,
      live: true,
      state: 'starting',
      connectors: { clicks: { partitions: [], lastCommitAt: null } },
    });
    const metrics = await get(port, '/metrics');
    expect(metrics).toContain(`floe_build_info{version="${VERSION}",node="${process.versions.node}"} 1`);
    expect(metrics).toContain('floe_assigned_partitions{connector="clicks"} 0');

    await new Promise((resolve) => setTimeout(resolve, 1_500)); // errors pile up meanwhile
    const signalled = performance.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exit;
    expect(code).toBe(0);
    // Before: the connect ran its 30 s out, then exit 1 ("Kafka consumer connect failed").
    expect(at - signalled).toBeLessThan(20_000);
    expect(run.lines.some((line) => line.includes('stopped before joining the group'))).toBe(true);
    expect(run.lines.some((line) => line.includes('connect failed'))).toBe(false);
    // Each distinct client error: its first line and, at most, one line counting its repeats.
    const clientErrors = run.lines.filter((line) => line.includes('Kafka client error'));
    const texts = new Set(
      clientErrors.map((line) => /"msg":"(Kafka client error: [^"(]*?)(?: \(\d+ more|")/.exec(line)?.[1]),
    );
    expect(clientErrors.length).toBeLessThanOrEqual(2 * texts.size);
  }, 60_000);

  it('also while its dead-letter producer connects', async () => {
    const { config } = await setup({ dlq: true });
    const run = start(config);
    await run.waitFor(/"component":"kafka-producer".*Connect to ipv4#127\.0\.0\.1:1 failed/);
    const signalled = performance.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exit;
    expect(code).toBe(0);
    expect(at - signalled).toBeLessThan(20_000);
    expect(run.lines.some((line) => line.includes('stopped during start-up'))).toBe(true);
  }, 60_000);
});
