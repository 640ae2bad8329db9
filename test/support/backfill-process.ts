// `floe backfill` as a child process (so tests can signal it), its output
// captured as lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { onPipeLines } from './pipe-lines.ts';
import { services } from './services.ts';
import type { WorkerSetup } from './worker-process.ts';

/** `floe backfill` as a child process, its output captured as lines. */
export class BackfillProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;

  constructor(setup: WorkerSetup, args: readonly string[], env: Record<string, string> = {}) {
    this.#child = spawn(
      process.execPath,
      [join(services.root, 'bin/floe.js'), 'backfill', ...args, '--config', setup.configFile],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const onLine = (line: string) => {
      if (line.trim() === '') return;
      this.lines.push(line);
      if (process.env.FLOE_TEST_WORKER_LOGS) process.stderr.write(`[backfill ${this.#child.pid}] ${line}\n`);
    };
    onPipeLines(this.#child.stdout, onLine);
    onPipeLines(this.#child.stderr, onLine);
    // 'close', not 'exit': it follows the end of both pipes, so `lines` holds the last ones.
    this.exited = new Promise((resolve) =>
      this.#child.once('close', (code, signal) => resolve({ code, signal })),
    );
  }

  /** The fields of the first JSON log line whose msg matches. */
  logged(msg: RegExp): Record<string, unknown> {
    for (const line of this.lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (typeof entry.msg === 'string' && msg.test(entry.msg)) return entry;
    }
    throw new Error(`no log line matching ${msg}; last lines:\n${this.lines.slice(-20).join('\n')}`);
  }
}
