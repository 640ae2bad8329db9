import { afterAll, expect, it } from 'vitest';
import { closeSharedParquetEncoderPool } from '../../src/parquet/parquet-encoder-pool.ts';
import { ciSeedRange } from './ci-seeds.ts';
import { formatSummary, runSeeds } from './seeds.ts';

const { first, count } = ciSeedRange(1);

afterAll(closeSharedParquetEncoderPool);

it.skipIf(count === 0)(`seeds ${first}..${first + count - 1} keep every invariant`, async () => {
  const summary = await runSeeds({ first, count, parallel: 3 });
  expect(summary.failures.length, formatSummary(summary)).toBe(0);
});
