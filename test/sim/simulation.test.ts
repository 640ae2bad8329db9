// CI's run of the seeded simulation: 1,000 seeds (ci-seeds.ts), on two threads
// so that two cores share them. A failure prints each broken seed's schedule;
// `FLOE_SIM_SEED=<n> npm run sim` replays one.
import { expect, it } from 'vitest';
import { ciSeedRange } from './ci-seeds.ts';
import { runSeedsInThreads } from './seed-threads.ts';
import { formatSummary } from './seeds.ts';

it('every seed keeps every invariant', async () => {
  const { first, count } = ciSeedRange();
  const summary = await runSeedsInThreads({ first, count, threads: 2, parallel: 3 });
  expect(summary.failures.length, formatSummary(summary)).toBe(0);
});
