import { afterAll, expect, it } from 'vitest';
import { closeSharedParquetEncoderPool } from '../../src/parquet/parquet-encoder-pool.ts';
import { runSeed } from './runner.ts';

afterAll(closeSharedParquetEncoderPool);

it('a seed replays the same schedule, alone or next to other seeds', async () => {
  // 11 and 14 are keyed seeds (cdc on v2, upsert on v3 with the second engine).
  const seeds = [3, 11, 14, 27, 42];
  const together = await Promise.all(seeds.map((seed) => runSeed({ seed })));
  for (const [i, seed] of seeds.entries()) {
    const alone = await runSeed({ seed });
    expect(alone.log.lines, `seed ${seed}`).toEqual(together[i]!.log.lines);
  }
});
