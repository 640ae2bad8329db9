// Runs a range of seeds and sums them up: failures grouped by invariant (one
// example seed each), seeds per second. Shared by `npm run sim` and the vitest entry.
import { formatFailure, type RunResult, runSeed } from './runner.ts';
import type { PrefetchModel } from './sim-consumer.ts';

export interface SeedRange {
  readonly first: number;
  readonly count: number;
  readonly prefetch?: PrefetchModel;
  /**
   * Seeds run at once in this process (default 3). Each has its own world and
   * scheduler, so this changes no schedule: it only fills the time one seed
   * waits for the file system or the encoder thread with another seed's work.
   */
  readonly parallel?: number;
  /** Called after each seed (progress). */
  readonly onResult?: (result: RunResult) => void;
}

export interface Summary {
  readonly runs: number;
  readonly failures: RunResult[];
  readonly seconds: number;
  /** Invariant -> seeds that broke it. */
  readonly byInvariant: ReadonlyMap<string, number[]>;
}

export async function runSeeds(range: SeedRange): Promise<Summary> {
  const started = performance.now();
  const results: RunResult[] = [];
  let next = range.first;
  const end = range.first + range.count;
  const lane = async (): Promise<void> => {
    while (next < end) {
      const seed = next++;
      const result = await runSeed({ seed, ...(range.prefetch ? { prefetch: range.prefetch } : {}) });
      range.onResult?.(result);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, range.parallel ?? 3) }, lane));
  results.sort((a, b) => a.seed - b.seed);
  const failures = results.filter((r) => r.violations.length > 0);
  const byInvariant = new Map<string, number[]>();
  for (const failure of failures) {
    for (const invariant of new Set(failure.violations.map((v) => v.invariant))) {
      byInvariant.set(invariant, [...(byInvariant.get(invariant) ?? []), failure.seed]);
    }
  }
  return { runs: range.count, failures, seconds: (performance.now() - started) / 1000, byInvariant };
}

export function formatSummary(summary: Summary, details = 3): string {
  const lines = [
    `${summary.runs} seeds in ${summary.seconds.toFixed(1)} s (${(summary.runs / summary.seconds).toFixed(1)} seeds/s): ${summary.failures.length} failed`,
  ];
  for (const [invariant, seeds] of summary.byInvariant) {
    lines.push(`  ${invariant}: ${seeds.length} seeds, e.g. ${seeds.slice(0, 8).join(', ')}`);
  }
  for (const failure of summary.failures.slice(0, details)) lines.push('', formatFailure(failure));
  return lines.join('\n');
}
