// The body of a seed thread (see seed-threads.ts): runs its part of the range
// and posts the summary back.
import { parentPort, workerData } from 'node:worker_threads';
import { closeSharedParquetEncoderPool } from '../../src/parquet/parquet-encoder-pool.ts';
import type { ThreadTask } from './seed-threads.ts';
import { runSeeds } from './seeds.ts';

const task = workerData as ThreadTask;
try {
  const summary = await runSeeds({
    first: task.first,
    count: task.count,
    parallel: task.parallel,
    ...(task.prefetch ? { prefetch: task.prefetch } : {}),
    only: task.only,
  });
  parentPort?.postMessage(summary);
} finally {
  await closeSharedParquetEncoderPool();
}
