// Runs a range of seeds on several worker threads (one core each), every thread
// a contiguous part of the range with its own lanes, and merges what they found.
import { Worker } from 'node:worker_threads';
import { mergeSummaries, type SeedKind, type Summary } from './seeds.ts';
import type { PrefetchModel } from './sim-consumer.ts';

export interface ThreadedRange {
  readonly first: number;
  readonly count: number;
  readonly threads: number;
  readonly parallel: number;
  readonly prefetch?: PrefetchModel;
  readonly only?: SeedKind | undefined;
}

/** What a seed thread gets (workerData) and sends back (one message: its Summary). */
export interface ThreadTask {
  readonly first: number;
  readonly count: number;
  readonly parallel: number;
  readonly prefetch: PrefetchModel | undefined;
  readonly only?: SeedKind | undefined;
}

const ENTRY = new URL('./seed-thread.ts', import.meta.url);

export async function runSeedsInThreads(range: ThreadedRange): Promise<Summary> {
  const started = performance.now();
  const threads = Math.max(1, Math.min(range.threads, range.count));
  const parts: Array<Promise<Summary>> = [];
  let first = range.first;
  for (let i = 0; i < threads; i++) {
    const count = Math.floor(range.count / threads) + (i < range.count % threads ? 1 : 0);
    const task: ThreadTask = {
      first,
      count,
      parallel: range.parallel,
      prefetch: range.prefetch,
      only: range.only,
    };
    parts.push(runThread(task));
    first += count;
  }
  return mergeSummaries(await Promise.all(parts), (performance.now() - started) / 1000);
}

function runThread(task: ThreadTask): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: task });
    let summary: Summary | undefined;
    worker.once('message', (message: Summary) => {
      summary = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (summary) resolve(summary);
      else
        reject(
          new Error(`seed thread for ${task.first}..${task.first + task.count - 1} exited with ${code}`),
        );
    });
  });
}
