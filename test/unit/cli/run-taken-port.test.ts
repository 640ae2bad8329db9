// `floe run` on a port another process holds: one error line naming the port and
// exit code 1, not an uncaught EADDRINUSE stack trace.
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder, writeConfig } from '../config/temp-config.ts';

const FLOE = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));

describe('floe run on a taken HTTP port', () => {
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it('prints one error line naming the port and exits 1', () => {
    const folder = tempFolder();
    const config = writeConfig(
      folder,
      'floe.yaml',
      [
        'kafka: { bootstrapServers: 127.0.0.1:1 }',
        'catalog: { type: sql }',
        `server: { host: 127.0.0.1, port: ${port} }`,
        'log: { level: error }',
      ].join('\n'),
    );
    writeConfig(
      folder,
      'connectors/clicks.yaml',
      'topics: [clicks]\nvalue: { format: json }\ntable: demo.clicks\n',
    );
    const run = spawnSync(process.execPath, [FLOE, 'run', '--config', config], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const stderr = run.stderr.trim().split('\n');
    expect(run.status).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain(`127.0.0.1:${port}`);
    expect(stderr[0]).toContain(`port ${port} is already in use`);
    expect(run.stdout).not.toContain('EADDRINUSE');
  });
});
