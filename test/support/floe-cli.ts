// The floe CLI as a user runs it: a child process of bin/floe.js, its exit code
// and everything it printed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { services } from './services.ts';

export interface FloeRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runFloe(args: readonly string[]): Promise<FloeRun> {
  const child = spawn(process.execPath, [join(services.root, 'bin/floe.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
