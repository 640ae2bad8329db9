// The shape of one seed's run, drawn from the seed before anything happens:
// which connector (one table, routed by a field with a rare route, or a
// backfill followed by `floe run`), how many workers and records, how often
// things fail, and whether a second engine writes to the tables. A third of
// the seeds run a keyed connector instead (keyed-scenario.ts).
import type { FaultRates } from './fault-plan.ts';
import { describeKeyed, drawKeyed, type KeyedScenario } from './keyed-scenario.ts';
import { Rng } from './rng.ts';
import type { PrefetchModel } from './sim-consumer.ts';

export type ScenarioKind = 'single' | 'routed' | 'backfill';

export interface Scenario {
  readonly kind: ScenarioKind;
  readonly topic: string;
  readonly partitions: number;
  readonly connector: string;
  readonly namespace: string;
  /** Route value -> table name (one entry '*' for a single table). */
  readonly routes: ReadonlyMap<string, string>;
  /** Route values with their weights (the rare one has a small weight). */
  readonly routeWeights: ReadonlyArray<readonly [string, number]>;
  /** Workers running at once, at most. */
  readonly workers: number;
  /** Records produced before the workers start (the backfill's range). */
  readonly initialRecords: number;
  /** Records produced while the workers run. */
  readonly liveRecords: number;
  readonly commit: {
    readonly intervalMs: number;
    readonly maxRecords: number;
    readonly maxBytes: number;
    readonly idleMs: number;
  };
  readonly pollBatchSize: number;
  readonly conflictAttempts: number;
  readonly faults: FaultRates;
  /** Per step: chance the driver does something to the world instead of granting a turn. */
  readonly worldRate: number;
  readonly engine: boolean;
  readonly retention: boolean;
  readonly tombstoneRate: number;
  readonly malformedRate: number;
  readonly markerRate: number;
  /** Chance per record that the producers move to the next schema version (new fields). */
  readonly schemaBumpRate: number;
  readonly prefetch: PrefetchModel;
  /** Whether the catalog commits several tables atomically (else one at a time, like REST without transactions). */
  readonly multiTable: boolean;
  /** Steps of the active phase (faults, rebalances, producing) before the drain. */
  readonly activeSteps: number;
  /** Tables' commit.manifest.min-count-to-merge: small ones merge manifests every few commits. */
  readonly mergeMinCount: number;
  /** A keyed connector (mode upsert or cdc) on one table; undefined: append. */
  readonly keyed: KeyedScenario | undefined;
  /** floe run commits a due batch while reading the next (WorkerOptions.pipelineCommits). */
  readonly pipelineCommits: boolean;
}

export function tableNames(s: Scenario): string[] {
  return [...new Set(s.routes.values())];
}

export function drawScenario(rng: Rng, prefetch: PrefetchModel): Scenario {
  const kind = rng.weighted<ScenarioKind>([
    ['single', 4],
    ['routed', 4],
    ['backfill', 2],
  ]);
  const namespace = 'sim';
  const routes = kind === 'routed' ? ROUTES : SINGLE;
  const faulty = rng.chance(0.85);
  const scale = faulty ? rng.pick([0.5, 1, 2]) : 0;
  const total = rng.range(20, 120);
  const initial =
    kind === 'backfill' ? Math.floor(total * (0.4 + rng.next() * 0.4)) : rng.int(Math.floor(total / 2));
  const drawn: Omit<Scenario, 'keyed' | 'pipelineCommits'> = {
    kind,
    topic: 'events',
    partitions: rng.range(1, 4),
    connector: 'events',
    namespace,
    routes,
    routeWeights: kind === 'routed' ? ROUTE_WEIGHTS : [['*', 1]],
    workers: rng.range(1, 3),
    initialRecords: initial,
    liveRecords: total - initial,
    commit: {
      intervalMs: rng.pick([300, 1000, 5000]),
      maxRecords: rng.range(4, 40),
      maxBytes: 64 * 1024 * 1024,
      idleMs: rng.pick([0, 50, 200, 1000]),
    },
    pollBatchSize: rng.range(3, 30),
    conflictAttempts: rng.range(3, 8),
    faults: {
      conflict: 0.03 * scale,
      unknownLanded: 0.02 * scale,
      unknownLost: 0.02 * scale,
      transient: 0.01 * scale,
      crash: 0.006 * scale,
      crashAfter: 0.004 * scale,
    },
    worldRate: rng.pick([0.1, 0.2, 0.3]),
    engine: rng.chance(0.5),
    retention: rng.chance(0.2),
    tombstoneRate: rng.pick([0, 0.03]),
    malformedRate: rng.pick([0, 0, 0.02]),
    markerRate: rng.pick([0, 0.05]),
    schemaBumpRate: rng.pick([0, 0.02, 0.05]),
    prefetch,
    multiTable: rng.chance(0.5),
    activeSteps: rng.range(80, 250),
    mergeMinCount: rng.pick([2, 3, 5, 100]),
  };
  // Drawn last: an append seed's scenario is the one it had before keyed seeds existed.
  const drawnKeyed = drawKeyed(rng);
  const pipelineCommits = rng.chance(0.7);
  if (drawnKeyed === undefined) return { ...drawn, keyed: drawnKeyed, pipelineCommits };
  const keyed = { ...drawnKeyed, routed: rng.chance(0.4), fullBefore: rng.chance(0.5) };
  // One table or the three routed ones, no backfill (floe backfill refuses keyed
  // connectors), no retention (a change lost to retention would change the replay),
  // at least two workers (a key index part follows its partition from one worker to
  // the other).
  return {
    ...drawn,
    kind: keyed.routed ? 'routed' : 'single',
    workers: Math.max(2, drawn.workers),
    routes: keyed.routed ? ROUTES : SINGLE,
    routeWeights: keyed.routed ? ROUTE_WEIGHTS : [['*', 1]],
    retention: false,
    keyed,
    pipelineCommits,
  };
}

const SINGLE: ReadonlyMap<string, string> = new Map([['*', 'sim.events']]);
const ROUTES: ReadonlyMap<string, string> = new Map([
  ['a', 'sim.route_a'],
  ['b', 'sim.route_b'],
  ['rare', 'sim.route_rare'],
]);
const ROUTE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['a', 60],
  ['b', 37],
  ['rare', 3],
];

/** Whether `seed` runs a keyed connector (its scenario drawn as the runner draws it). */
export function isKeyedSeed(seed: number): boolean {
  return drawScenario(new Rng(seed).fork('scenario'), 'contract').keyed !== undefined;
}

export function describeScenario(s: Scenario): string {
  const faults = Object.entries(s.faults)
    .filter(([, p]) => p > 0)
    .map(([k, p]) => `${k}=${p}`)
    .join(' ');
  return [
    `${s.kind}: ${s.partitions} partitions, ${s.workers} workers, ${s.initialRecords}+${s.liveRecords} records`,
    `commit every ${s.commit.maxRecords} records / ${s.commit.intervalMs} ms (idle ${s.commit.idleMs} ms), poll ${s.pollBatchSize}, prefetch ${s.prefetch}`,
    `engine ${s.engine}, retention ${s.retention}, schema bumps ${s.schemaBumpRate}, atomic multi-table commits ${s.multiTable}, manifests merged at ${s.mergeMinCount}`,
    `commits ${s.pipelineCommits ? 'pipelined with reading' : 'waited for'}`,
    `faults ${faults || 'none'}`,
    ...(s.keyed ? [describeKeyed(s.keyed)] : []),
  ].join('\n');
}
