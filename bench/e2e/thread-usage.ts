// CPU time of a running child process by thread name, read from Linux's
// /proc/<pid>/task/<tid>/stat (proc(5): comm is field 2, utime field 14, stime
// field 15). Threads come and go (encoder threads, librdkafka's broker threads),
// so the tracker samples on every poll and keeps each thread's last figure.
// Thread names group the work: the JS main thread carries the process's name,
// librdkafka's start with "rdk:", libuv's pool is "libuv-worker", Node's worker
// threads and V8's helpers have names of their own.
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks } from './process-usage.ts';

export interface ThreadGroupUsage {
  readonly name: string;
  readonly threads: number;
  readonly cpuSeconds: number;
}

/** Samples a process's threads; `groups()` sums what every thread seen so far used, by name. */
export class ThreadUsageTracker {
  readonly #pid: number;
  readonly #threads = new Map<number, { name: string; ticks: number }>();

  constructor(pid: number) {
    this.#pid = pid;
  }

  sample(): void {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.#pid}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${this.#pid}/task/${tid}/stat`, 'utf8');
        const open = stat.indexOf('(');
        const close = stat.lastIndexOf(')');
        const fields = stat.slice(close + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        const id = Number(tid);
        const name = id === this.#pid ? 'main (JS)' : groupName(stat.slice(open + 1, close));
        this.#threads.set(id, { name, ticks });
      } catch {
        // The thread ended between the listing and the read; its last sample stands.
      }
    }
  }

  groups(): ThreadGroupUsage[] {
    const byName = new Map<string, { threads: number; ticks: number }>();
    for (const { name, ticks } of this.#threads.values()) {
      const group = byName.get(name) ?? { threads: 0, ticks: 0 };
      group.threads += 1;
      group.ticks += ticks;
      byName.set(name, group);
    }
    return [...byName]
      .map(([name, g]) => ({ name, threads: g.threads, cpuSeconds: g.ticks / clockTicks() }))
      .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  }
}

/** librdkafka's per-broker threads ("rdk:broker1", "rdk:broker-1") are one group. */
function groupName(comm: string): string {
  if (comm.startsWith('rdk:broker')) return 'rdk:broker*';
  return comm;
}

/** `main (JS) 9.1 s, WorkerThread 6.2 s (2), rdk:broker* 1.9 s (4), ...` (threads under 0.05 s left out). */
export function formatThreadUsage(groups: readonly ThreadGroupUsage[]): string {
  return groups
    .filter((g) => g.cpuSeconds >= 0.05)
    .map((g) => `${g.name} ${g.cpuSeconds.toFixed(1)} s${g.threads > 1 ? ` (${g.threads})` : ''}`)
    .join(', ');
}
