// The seeds CI runs: 1,000 by default. FLOE_SIM_SEEDS=n runs n seeds instead,
// FLOE_SIM_FROM moves the range, and FLOE_SIM_SEED=n replays that seed alone.
export const CI_SEEDS = 1000;

export function ciSeedRange(): { first: number; count: number } {
  const one = process.env.FLOE_SIM_SEED;
  if (one !== undefined && one !== '') return { first: Number(one), count: 1 };
  return {
    first: Number(process.env.FLOE_SIM_FROM || 1),
    count: Number(process.env.FLOE_SIM_SEEDS || CI_SEEDS),
  };
}
