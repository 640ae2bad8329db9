// Keeps a background loop to a share of a core, so that a compaction on its own
// thread leaves the worker's two threads (consume and decode, Parquet encoding)
// the CPU they need to commit every interval: on 2 cores a 12 s rewrite at full
// speed stretched 1 s commits of 64 wide partitions to 0.5-0.8 s and their p99
// freshness to 2.4 s (docs/benchmarks.md). The loop calls the returned function
// often (every few thousand rows); after each slice of at least `sliceMs` it
// sleeps long enough that work / (work + sleep) stays at `share`. The slice's
// time counts its waits too (file calls, the encoder), so the share is an upper bound.

export interface DutyCycleOptions {
  /** Fraction of wall time the loop may work, in (0, 1]. */
  readonly share: number;
  /** Work this long before sleeping (default 50 ms). */
  readonly sliceMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A pause point for a loop: resolves at once within a slice, after the slice's rest at its end. */
export type PacePoint = () => Promise<void>;

export function dutyCycle(options: DutyCycleOptions): PacePoint {
  const { share } = options;
  if (!(share > 0 && share <= 1)) throw new RangeError(`duty cycle share ${share} is not in (0, 1]`);
  const sliceMs = options.sliceMs ?? 50;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let sliceStart = now();
  return async () => {
    const worked = now() - sliceStart;
    if (worked < sliceMs) return;
    if (share < 1) await sleep(worked * (1 / share - 1));
    sliceStart = now();
  };
}
