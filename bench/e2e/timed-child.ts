// Runs a system under test as a child process and times it from spawn until the
// table shows everything committed. The finish time is the table's
// last-updated-ms (the commit's own timestamp, same clock), so the polling
// interval adds no error; CPU and peak RSS are read from /proc right then.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { type ProcessUsage, readProcessUsage } from './process-usage.ts';
import type { TableProgress } from './table-progress.ts';

export interface TimedChildOptions {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly logFile: string;
  readonly poll: () => Promise<TableProgress | undefined>;
  readonly isDone: (progress: TableProgress) => boolean;
  /**
   * Called at every poll of a running child before isDone, with its pid (its
   * usage so far is readProcessUsage(pid)): a benchmark of several phases
   * samples the end of each and starts the next one here.
   */
  readonly onPoll?: (progress: TableProgress | undefined, pid: number) => Promise<void>;
  /**
   * For a system that exits by itself once done (`floe backfill`): its CPU and
   * peak RSS, which /proc no longer has after the exit (read from its log).
   */
  readonly usageAtExit?: () => ProcessUsage | undefined;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
}

export interface TimedChildResult {
  /** Wall clock at spawn. */
  readonly startMs: number;
  readonly seconds: number;
  readonly usage: ProcessUsage;
  readonly progress: TableProgress;
  readonly exit: { code: number | null; signal: NodeJS.Signals | null };
}

const POLL_MS = 500;
const STOP_GRACE_MS = 60_000;
const live = new Set<ChildProcess>();

// Whatever ends the benchmark, it leaves no system under test running.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

export async function runTimedChild(options: TimedChildOptions): Promise<TimedChildResult> {
  const log = openSync(options.logFile, 'a');
  const startMs = Date.now();
  const child = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  live.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  try {
    if (options.usageAtExit !== undefined) return await waitForExit(child, options, startMs, exited);
    const { progress, usage } = await waitUntilDone(child, options, startMs);
    const seconds = Math.max(progress.metadata.lastUpdatedMs - startMs, 1) / 1000;
    child.kill('SIGTERM');
    const stopTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    const exit = await exited;
    clearTimeout(stopTimer);
    return { startMs, seconds, usage, progress, exit };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

async function waitForExit(
  child: ChildProcess,
  options: TimedChildOptions,
  startMs: number,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
): Promise<TimedChildResult> {
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const exit = await exited;
  clearTimeout(timeout);
  const progress = await options.poll();
  if (exit.code !== 0 || progress === undefined || !options.isDone(progress)) {
    throw new Error(
      `${options.label} exited (${exit.code ?? exit.signal}) without committing everything:\n${tail(options.logFile)}`,
    );
  }
  const usage = options.usageAtExit!();
  if (usage === undefined) throw new Error(`${options.label}: no usage figures in its log`);
  const seconds = Math.max(progress.metadata.lastUpdatedMs - startMs, 1) / 1000;
  return { startMs, seconds, usage, progress, exit };
}

async function waitUntilDone(
  child: ChildProcess,
  options: TimedChildOptions,
  startMs: number,
): Promise<{ progress: TableProgress; usage: ProcessUsage }> {
  let lastReport = startMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${options.label} exited early (${child.exitCode ?? child.signalCode}):\n${tail(options.logFile)}`,
      );
    }
    const progress = await options.poll();
    await options.onPoll?.(progress, child.pid!);
    if (progress !== undefined && options.isDone(progress)) {
      const usage = readProcessUsage(child.pid!);
      if (usage === undefined) throw new Error(`${options.label}: /proc/${child.pid} is not readable`);
      return { progress, usage };
    }
    const now = Date.now();
    if (now - startMs > options.timeoutMs) {
      throw new Error(
        `${options.label}: not done after ${options.timeoutMs / 1000} s ` +
          `(${progress?.records ?? 0} records committed):\n${tail(options.logFile)}`,
      );
    }
    if (now - lastReport >= 15_000) {
      lastReport = now;
      options.say(
        `  ${options.label}: ${progress?.records ?? 0} records in ${progress?.commits ?? 0} commits after ${Math.round((now - startMs) / 1000)} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
