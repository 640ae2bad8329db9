// Runs `floe run` as a real child process (so tests can SIGTERM or kill -9
// it), with a worker file and connector files written into a temp folder.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { onPipeLines } from './pipe-lines.ts';
import { services } from './services.ts';

export interface WorkerSetup {
  readonly dir: string;
  readonly configFile: string;
  /** Where the SQLite catalog and local warehouse live when catalog is 'sql'. */
  readonly dataDir: string;
}

export type CatalogChoice = 'sql' | 'rest';

/** The worker file's `storage.s3` for the stack's S3 store (keys replaced by `overrides`). */
export function stackS3(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    endpoint: services.s3.endpoint,
    region: services.s3.region,
    pathStyleAccess: true,
    accessKeyId: services.s3.accessKeyId,
    secretAccessKey: services.s3.secretAccessKey,
    ...overrides,
  };
}

/** Writes floe.yaml (+ connectors/<name>.yaml) for the local service stack. */
export function writeWorkerConfig(options: {
  groupId: string;
  catalog: CatalogChoice;
  connectors: Record<string, Record<string, unknown>>;
  /** The broker's bootstrap servers (default: the stack's Kafka; test/support/brokers.ts). */
  bootstrap?: string;
  extra?: Record<string, unknown>;
}): WorkerSetup {
  const dir = mkdtempSync(join(tmpdir(), 'floe-worker-'));
  const dataDir = join(dir, 'data');
  mkdirSync(join(dir, 'connectors'));
  const catalog =
    options.catalog === 'sql'
      ? { type: 'sql', name: 'floe_it' }
      : { type: 'rest', uri: services.restUri, warehouse: `s3://${services.s3.bucket}/rest` };
  const worker = {
    kafka: { bootstrapServers: options.bootstrap ?? services.kafkaBrokers, groupId: options.groupId },
    schemaRegistry: { url: services.registryUrl },
    catalog,
    storage: { s3: stackS3() },
    connectorsDir: './connectors',
    dataDir: './data',
    server: { host: '127.0.0.1' },
    log: { level: 'info' },
    ...options.extra,
  };
  const configFile = join(dir, 'floe.yaml');
  writeFileSync(configFile, stringify(worker));
  for (const [name, connector] of Object.entries(options.connectors)) {
    writeFileSync(join(dir, 'connectors', `${name}.yaml`), stringify(connector));
  }
  return { dir, configFile, dataDir };
}

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];

  constructor(setup: WorkerSetup, env: Record<string, string> = {}) {
    this.child = spawn(
      process.execPath,
      [join(services.root, 'bin/floe.js'), 'run', '--config', setup.configFile, '--port', '0'],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const onLine = (line: string) => {
      if (line.trim() === '') return;
      this.lines.push(line);
      if (process.env.FLOE_TEST_WORKER_LOGS) process.stderr.write(`[worker ${this.child.pid}] ${line}\n`);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.test(line)) return true;
        w.resolve(line);
        return false;
      });
    };
    onPipeLines(this.child.stdout, onLine);
    onPipeLines(this.child.stderr, onLine);
    // 'close', not 'exit': 'exit' can come while the pipes still hold the last
    // lines, so a test that reads `lines` right after the exit could miss them.
    // 'close' follows the end of both pipes (floe starts no process of its own
    // that could hold them open).
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Resolves with the first log line (past or future) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no log line matching ${pattern} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-20).join('\n')}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        test: (line) => pattern.test(line),
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /**
   * Resolves with the first `count` log lines matching `pattern` at index `from`
   * of `lines` or later (past or future): lines logged after a point the test chose.
   */
  waitForLines(pattern: RegExp, count: number, from: number, timeoutMs = 60_000): Promise<string[]> {
    const matching = () => this.lines.slice(from).filter((line) => pattern.test(line));
    if (matching().length >= count) return Promise.resolve(matching().slice(0, count));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${matching().length} of ${count} log lines matching ${pattern} from line ${from} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-20).join('\n')}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        test: () => matching().length >= count,
        resolve: () => {
          clearTimeout(timer);
          resolve(matching().slice(0, count));
        },
      });
    });
  }

  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.stop('SIGKILL');
  }
}
