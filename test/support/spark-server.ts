// The Spark reader server of an integration run (test/interop/spark_server.py):
// one JVM with the Iceberg runtime for every Spark read of the run, instead of a
// JVM start per read (15 s idle, 30-90 s on the loaded 2-core machines, plus the
// Iceberg classes' warm-up on the first read of each).
//
// Lifecycle: the first read starts it (spawn-or-connect, under a lock file, since
// every integration file runs in its own worker process) and later reads of the
// run, in any file, connect to it. It belongs to an owner process: the vitest
// run (require-services.ts sets FLOE_SPARK_READER_OWNER to its pid in the global
// setup and stops the server in the global teardown), otherwise the process that
// started it. The server exits by itself when its owner is gone or after 30
// minutes without a request, so nothing lingers after a killed run. State, per
// owner, in <.services>/spark-reader/: <owner>.json (pid and port, written by
// the server once it serves), <owner>.lock, <owner>.log (its output).
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readerPython } from './reader-python.ts';
import { services } from './services.ts';

/** The environment variable naming the process that owns the run's server. */
export const SPARK_READER_OWNER = 'FLOE_SPARK_READER_OWNER';
const SCRIPT = join(services.root, 'test/interop/spark_server.py');
/** Longer than any gap between two Spark reads of a CI run (its integration tests take about 28 min). */
const IDLE_TIMEOUT_S = 1800;
/** A JVM start with the Iceberg runtime: 15 s idle, seen up to 50 s at load 15. */
const START_TIMEOUT_MS = 600_000;

export interface SparkServer {
  readonly pid: number;
  readonly port: number;
  /** Its output, for error messages. */
  readonly log: string;
}

function owner(): number {
  return Number(process.env[SPARK_READER_OWNER] ?? process.pid);
}

function paths(of: number): { dir: string; state: string; lock: string; log: string } {
  const dir = join(process.env.FLOE_STATE ?? join(services.root, '.services'), 'spark-reader');
  return { dir, state: join(dir, `${of}.json`), lock: join(dir, `${of}.lock`), log: join(dir, `${of}.log`) };
}

/** The last lines of a server's log. */
export function sparkServerLogTail(log: string, lines = 25): string {
  try {
    return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${log})`;
  }
}

/** True when pid is a live spark_server.py writing to this state file (not a reused pid). */
function isServer(pid: number, state: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(SCRIPT) && argv.includes(state);
  } catch {
    return false;
  }
}

function readState(state: string): { pid: number; port: number } | undefined {
  try {
    const { pid, port } = JSON.parse(readFileSync(state, 'utf8')) as { pid: number; port: number };
    return isServer(pid, state) ? { pid, port } : undefined;
  } catch {
    return undefined;
  }
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** The lock of `lock`'s file, or undefined when another live process holds it (a dead holder's is taken over). */
function tryLock(lock: string): number | undefined {
  try {
    const fd = openSync(lock, 'wx');
    writeSync(fd, String(process.pid));
    return fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(lock, 'utf8') || '0');
    if (holder > 0 && !alive(holder)) rmSync(lock, { force: true });
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function start(of: number): Promise<SparkServer> {
  const { state, log } = paths(of);
  const out = openSync(log, 'w');
  const args = [SCRIPT, '--state', state, '--owner', String(of), '--idle-timeout', String(IDLE_TIMEOUT_S)];
  // Its own process group (the JVM is its child): stopSparkServer ends both.
  const child = spawn(readerPython(), args, {
    detached: true,
    stdio: ['ignore', out, out],
    cwd: services.root,
  });
  closeSync(out);
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = signal ? `killed by ${signal}` : `exit code ${code}`;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (exited === undefined) {
    const ready = readState(state);
    if (ready && ready.pid === child.pid && (await healthy(ready.port))) return { ...ready, log };
    if (Date.now() > deadline) {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      throw new Error(
        `the Spark reader server did not serve within ${START_TIMEOUT_MS / 1000} s (log ${log}):\n${sparkServerLogTail(log)}`,
      );
    }
    await sleep(250);
  }
  throw new Error(
    `the Spark reader server ended (${exited}) before serving (log ${log}):\n${sparkServerLogTail(log)}`,
  );
}

async function connectOrStart(): Promise<SparkServer> {
  const of = owner();
  const { dir, state, lock, log } = paths(of);
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const running = readState(state);
    if (running && (await healthy(running.port))) return { ...running, log };
    const fd = tryLock(lock);
    if (fd !== undefined) {
      try {
        const raced = readState(state);
        if (raced && (await healthy(raced.port))) return { ...raced, log };
        return await start(of);
      } finally {
        closeSync(fd);
        rmSync(lock, { force: true });
      }
    }
    // Another worker of this run is starting it.
    if (Date.now() > deadline)
      throw new Error(`the Spark reader server's lock ${lock} was held for ${START_TIMEOUT_MS / 1000} s`);
    await sleep(500);
  }
}

let current: Promise<SparkServer> | undefined;

/** The run's Spark reader server: connects to it, or starts it when none serves. */
export function sparkServer(): Promise<SparkServer> {
  current ??= connectOrStart().catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return current;
}

/** Forgets the server this process knew (it died): the next sparkServer() looks again. */
export function forgetSparkServer(): void {
  current = undefined;
}

/**
 * Stops the owner's server (SIGTERM to it, which stops Spark and so its JVM; the
 * process group, JVM included, killed after 30 s); nothing when none runs.
 * Its log stays (what it read, in how long) until a later run's stop, which
 * removes the logs of owners that are gone.
 */
export async function stopSparkServer(of = owner()): Promise<void> {
  const { dir, state, lock } = paths(of);
  const running = readState(state);
  if (running) {
    const group = -running.pid;
    process.kill(running.pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (alive(group) && Date.now() < deadline) await sleep(200);
    if (alive(group)) process.kill(group, 'SIGKILL');
  }
  for (const file of [state, lock]) rmSync(file, { force: true });
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const other = Number.parseInt(name, 10);
    if (name.endsWith('.log') && other > 0 && other !== of && !alive(other))
      rmSync(join(dir, name), { force: true });
  }
  if (of === owner()) current = undefined;
}
