// `npm run sim`: the seeded simulation from the command line.
//   npm run sim                        1,000 seeds from 1, on 2 threads
//   npm run sim -- --seeds 100000      many more (--threads n: one per core)
//   npm run sim -- --from 5000         another range
//   FLOE_SIM_SEED=42 npm run sim       replays one seed and prints its whole schedule
//   FLOE_SIM_SEEDS=n                   as --seeds
//   --only keyed                       only the range's keyed seeds (or: append)
//   --prefetch adapter-head            a consumer that delivers stale prefetched records
//                                      (the adapter before fetch epochs); default: contract
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { closeSharedParquetEncoderPool } from '../../src/parquet/parquet-encoder-pool.ts';
import { formatFailure, runSeed } from './runner.ts';
import { runSeedsInThreads } from './seed-threads.ts';
import { formatSummary, runSeeds, type SeedKind, type Summary } from './seeds.ts';
import type { PrefetchModel } from './sim-consumer.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    from: { type: 'string' },
    seed: { type: 'string' },
    prefetch: { type: 'string' },
    details: { type: 'string' },
    parallel: { type: 'string' },
    threads: { type: 'string' },
    only: { type: 'string' },
  },
});
const only = values.only as SeedKind | undefined;
if (only !== undefined && only !== 'keyed' && only !== 'append')
  throw new Error(`--only ${String(only)}: keyed or append`);
const prefetch = (values.prefetch ?? process.env.FLOE_SIM_PREFETCH ?? 'contract') as PrefetchModel;
const one = values.seed ?? process.env.FLOE_SIM_SEED;
let failed = false;
try {
  if (one !== undefined) {
    const result = await runSeed({ seed: Number(one), prefetch });
    failed = result.violations.length > 0;
    if (failed) console.log(formatFailure(result, Number.POSITIVE_INFINITY));
    else {
      console.log(result.log.tail());
      console.log(
        `seed ${one} passed: ${result.steps} steps in ${result.ms.toFixed(0)} ms, schedule ${result.log.digest()}`,
      );
    }
  } else {
    const count = Number(values.seeds ?? process.env.FLOE_SIM_SEEDS ?? 1000);
    const first = Number(values.from ?? process.env.FLOE_SIM_FROM ?? 1);
    const parallel = Number(values.parallel ?? 3);
    const threads = Number(values.threads ?? Math.min(2, availableParallelism()));
    let summary: Summary;
    if (threads > 1) summary = await runSeedsInThreads({ first, count, threads, parallel, prefetch, only });
    else {
      let done = 0;
      summary = await runSeeds({
        first,
        count,
        prefetch,
        parallel,
        only,
        onResult: (r) => {
          if (r.violations.length > 0)
            console.log(`seed ${r.seed}: ${[...new Set(r.violations.map((v) => v.invariant))].join(', ')}`);
          if (++done % 100 === 0) console.log(`... ${done}/${count}`);
        },
      });
    }
    failed = summary.failures.length > 0;
    console.log(formatSummary(summary, Number(values.details ?? 3)));
  }
} finally {
  await closeSharedParquetEncoderPool();
}
process.exitCode = failed ? 1 : 0;
