// The seeds CI runs: 1,000 by default, split in halves so that vitest runs them
// on two cores (one test file each). FLOE_SIM_SEEDS=n runs n seeds instead,
// FLOE_SIM_FROM moves the range, and FLOE_SIM_SEED=n replays that seed alone.
export const CI_SEEDS = 1000;

export function ciSeedRange(half: 0 | 1): { first: number; count: number } {
  const one = process.env.FLOE_SIM_SEED;
  if (one !== undefined && one !== '')
    return half === 0 ? { first: Number(one), count: 1 } : { first: 0, count: 0 };
  const total = Number(process.env.FLOE_SIM_SEEDS || CI_SEEDS);
  const from = Number(process.env.FLOE_SIM_FROM || 1);
  const firstHalf = Math.ceil(total / 2);
  return half === 0
    ? { first: from, count: firstHalf }
    : { first: from + firstHalf, count: total - firstHalf };
}
