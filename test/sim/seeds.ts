// Runs a range of seeds and sums them up: failures grouped by invariant (one
// example seed each), seeds per second. Shared by `npm run sim` and the vitest entry.
import { formatFailure, type RunResult, runSeed } from './runner.ts';
import { isKeyedSeed } from './scenario.ts';
import type { PrefetchModel } from './sim-consumer.ts';

export interface SeedRange {
  readonly first: number;
  readonly count: number;
  readonly prefetch?: PrefetchModel;
  /**
   * Seeds run at once in this thread (default 3). Each has its own world and
   * scheduler, so this changes no schedule: it only fills the time one seed
   * waits for the file system or the encoder thread with another seed's work.
   */
  readonly parallel?: number;
  /** Called after each seed (progress). */
  readonly onResult?: (result: RunResult) => void;
  /** Only the keyed seeds of the range, or only the append ones. */
  readonly only?: SeedKind | undefined;
}

export type SeedKind = 'keyed' | 'append';

/** A failed seed, as text that can cross a thread boundary. */
export interface FailureReport {
  readonly seed: number;
  readonly invariants: readonly string[];
  readonly text: string;
}

export interface Summary {
  readonly runs: number;
  readonly seconds: number;
  /** In seed order. */
  readonly failures: readonly FailureReport[];
}

export async function runSeeds(range: SeedRange): Promise<Summary> {
  const started = performance.now();
  const failures: FailureReport[] = [];
  let next = range.first;
  let runs = 0;
  const end = range.first + range.count;
  const lane = async (): Promise<void> => {
    while (next < end) {
      const seed = next++;
      if (range.only !== undefined && isKeyedSeed(seed) !== (range.only === 'keyed')) continue;
      runs++;
      const result = await runSeed({ seed, ...(range.prefetch ? { prefetch: range.prefetch } : {}) });
      range.onResult?.(result);
      if (result.violations.length > 0) failures.push(report(result));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, range.parallel ?? 3) }, lane));
  failures.sort((a, b) => a.seed - b.seed);
  return { runs, failures, seconds: (performance.now() - started) / 1000 };
}

export function report(result: RunResult): FailureReport {
  return {
    seed: result.seed,
    invariants: [...new Set(result.violations.map((v) => v.invariant))],
    text: formatFailure(result),
  };
}

/** Summaries of disjoint ranges run side by side, as one. */
export function mergeSummaries(parts: readonly Summary[], seconds: number): Summary {
  return {
    runs: parts.reduce((n, p) => n + p.runs, 0),
    seconds,
    failures: parts.flatMap((p) => p.failures).sort((a, b) => a.seed - b.seed),
  };
}

export function formatSummary(summary: Summary, details = 3): string {
  const lines = [
    `${summary.runs} seeds in ${summary.seconds.toFixed(1)} s (${(summary.runs / summary.seconds).toFixed(1)} seeds/s): ${summary.failures.length} failed`,
  ];
  const byInvariant = new Map<string, number[]>();
  for (const failure of summary.failures) {
    for (const invariant of failure.invariants)
      byInvariant.set(invariant, [...(byInvariant.get(invariant) ?? []), failure.seed]);
  }
  for (const [invariant, seeds] of byInvariant) {
    lines.push(`  ${invariant}: ${seeds.length} seeds, e.g. ${seeds.slice(0, 8).join(', ')}`);
  }
  for (const failure of summary.failures.slice(0, details)) lines.push('', failure.text);
  return lines.join('\n');
}
