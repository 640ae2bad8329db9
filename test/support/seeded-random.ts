// A seeded pseudo-random source for tests that explore inputs: the same seed
// gives the same draws, so a failing seed named in a test's title replays.

/** Uniform in [0, 1). */
export type Rand = () => number;

/** A linear congruential generator (glibc's constants): fast, and enough for test inputs. */
export function seeded(seed: number): Rand {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}
