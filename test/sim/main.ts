// `npm run sim`: the seeded simulation from the command line.
//   npm run sim                        1,000 seeds from 1
//   npm run sim -- --seeds 100000      many more
//   npm run sim -- --from 5000         another range
//   FLOE_SIM_SEED=42 npm run sim       replays one seed and prints its whole schedule
//   FLOE_SIM_SEEDS=n                   as --seeds; --prefetch adapter-head mirrors the adapter before fetch epochs
import { parseArgs } from 'node:util';
import { closeSharedParquetEncoderPool } from '../../src/parquet/parquet-encoder-pool.ts';
import { formatFailure, runSeed } from './runner.ts';
import { formatSummary, runSeeds } from './seeds.ts';
import type { PrefetchModel } from './sim-consumer.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    from: { type: 'string' },
    seed: { type: 'string' },
    prefetch: { type: 'string' },
    details: { type: 'string' },
    parallel: { type: 'string' },
  },
});
const prefetch = (values.prefetch ?? process.env.FLOE_SIM_PREFETCH ?? 'contract') as PrefetchModel;
const one = values.seed ?? process.env.FLOE_SIM_SEED;
let failed = false;
try {
  if (one !== undefined) {
    const result = await runSeed({ seed: Number(one), prefetch });
    if (result.violations.length > 0) {
      failed = true;
      console.log(formatFailure(result, Number.POSITIVE_INFINITY));
    } else {
      console.log(result.log.tail());
      console.log(
        `seed ${one} passed: ${result.steps} steps in ${result.ms.toFixed(0)} ms, schedule digest ${result.log.digest()}`,
      );
    }
  } else {
    const count = Number(values.seeds ?? process.env.FLOE_SIM_SEEDS ?? 1000);
    const first = Number(values.from ?? 1);
    let done = 0;
    const summary = await runSeeds({
      first,
      count,
      prefetch,
      parallel: Number(values.parallel ?? 3),
      onResult: (r) => {
        done++;
        if (r.violations.length > 0)
          console.log(`seed ${r.seed}: ${[...new Set(r.violations.map((v) => v.invariant))].join(', ')}`);
        if (done % 100 === 0) console.log(`... ${done}/${count}`);
      },
    });
    failed = summary.failures.length > 0;
    console.log(formatSummary(summary, Number(values.details ?? 3)));
  }
} finally {
  await closeSharedParquetEncoderPool();
}
process.exitCode = failed ? 1 : 0;
