// Runs one seed: draws the scenario, builds the world (simulated Kafka and
// group, the real SQL catalog on SQLite in memory, LocalFileIO in a temp dir),
// then drives it step by step: backfill (if any), an active phase with faults,
// rebalances, producers and the second engine, a drain without faults until
// every record is committed, and a clean stop. The invariants are checked after
// every step that changed a table, and at the end.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableIdentifier } from '../../src/catalog/catalog.ts';
import { SqlCatalog } from '../../src/catalog/sql/sql-catalog.ts';
import { SqliteDriver } from '../../src/catalog/sql/sqlite-driver.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { EventLog } from './event-log.ts';
import { FaultPlan, NO_FAULTS } from './fault-plan.ts';
import { GroupCoordinator } from './group-coordinator.ts';
import { Invariants } from './invariants.ts';
import { ProcessTable } from './process-table.ts';
import { Rng } from './rng.ts';
import { describeScenario, drawScenario, type Scenario, tableNames } from './scenario.ts';
import { Scheduler, SimHangError } from './scheduler.ts';
import { SecondEngine } from './second-engine.ts';
import type { PrefetchModel } from './sim-consumer.ts';
import { SimTrace } from './sim-logger.ts';
import { SimProducer } from './sim-producer.ts';
import { SimClock, type SimWorld } from './sim-world.ts';
import { SimulatedKafka } from './simulated-kafka.ts';
import { TableReader } from './table-reader.ts';
import type { Violation } from './violation.ts';
import { deadMembers, recordsLeft, type WorldDeps, worldAction } from './world-actions.ts';

export interface RunOptions {
  readonly seed: number;
  readonly prefetch?: PrefetchModel;
  /** Where the temp dirs go (default: /dev/shm when present, else the OS temp dir). */
  readonly root?: string;
}

export interface RunResult {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly violations: readonly Violation[];
  readonly log: EventLog;
  readonly trace: SimTrace;
  readonly steps: number;
  readonly ms: number;
}

/** The drain is a liveness failure once no table's recorded offsets moved for this many steps... */
const DRAIN_STALL_STEPS = 2500;
/** ...or, however they move, after this many: a slow drain is not a stuck one (seed 70679 needs ~4,100). */
const DRAIN_MAX_STEPS = 10_000;
const STOP_STEPS = 800;
/** Stops (each after a short restart but the first) before a lagging table is a violation. */
const STOP_ROUNDS = 3;
const RESTART_STEPS = 200;

export async function runSeed(options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const master = new Rng(options.seed);
  const scenario = drawScenario(master.fork('scenario'), options.prefetch ?? 'contract');
  const log = new EventLog();
  const kafka = new SimulatedKafka();
  kafka.createTopic(scenario.topic, scenario.partitions);
  const rng = {
    schedule: master.fork('schedule'),
    faults: master.fork('faults'),
    data: master.fork('data'),
    group: master.fork('group'),
    consumer: master.fork('consumer'),
    engine: master.fork('engine'),
  };
  const world: SimWorld = {
    scheduler: new Scheduler(log),
    kafka,
    group: new GroupCoordinator(kafka, rng.group, log),
    clock: new SimClock(),
    log,
    rng,
  };
  const dir = await mkdtemp(join(options.root ?? defaultRoot(), `floe-sim-${options.seed}-`));
  const io = new LocalFileIO();
  const driver = new SqliteDriver(':memory:');
  const catalog = new SqlCatalog({
    name: 'sim',
    driver,
    warehouse: dir,
    io,
    clock: world.clock.now,
  });
  const watch = { version: 0 };
  const faults = new FaultPlan(scenario.faults, rng.faults);
  const trace = new SimTrace();
  const processes = new ProcessTable({ world, scenario, catalog, io, faults, watch, trace, dir });
  const engine = scenario.engine
    ? new SecondEngine(world, catalog, io, watch, scenario.keyed?.formatVersion)
    : undefined;
  const tables: TableIdentifier[] = tableNames(scenario).map((t) => parseTableIdentifier(t));
  const deps: WorldDeps = {
    world,
    scenario,
    processes,
    producer: new SimProducer(world, scenario),
    engine,
    tables,
  };
  // The invariants find a table's metadata file in the catalog's row, and read everything else from files.
  const locate = async (id: TableIdentifier): Promise<string | undefined> => {
    const sql =
      'SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?';
    const result = await driver.query(sql, ['sim', id.namespace.join('.'), id.name]).catch(() => undefined);
    const location = result?.rows[0]?.metadata_location;
    return typeof location === 'string' ? location : undefined;
  };
  const invariants = new Invariants(world, scenario, new TableReader(locate, io), engine);
  const violations: Violation[] = [];
  let step = 0;
  let checked = -1;

  /** One step: a world action or a turn for a runnable actor; then the invariants if a table changed. */
  const advance = async (worldRate: number, withWorkers: boolean): Promise<void> => {
    log.step = ++step;
    const runnable = world.scheduler.runnable();
    let expiring = false;
    if (runnable.length === 0 || rng.schedule.chance(worldRate)) {
      const action = await worldAction(deps, withWorkers);
      expiring = action === 'engine' || action === 'maintain';
    } else {
      const actor = rng.schedule.pick(runnable);
      // floe's expiry deletes files only after its commit: check every reachable file after each delete
      expiring = processes.isMaintainer(actor) && world.scheduler.label(actor).startsWith('io.delete');
      log.add(`${actor} ${world.scheduler.label(actor)}`);
      const outcome = await world.scheduler.grant(actor);
      const broken = processes.settle(actor, outcome);
      if (broken) violations.push(broken);
    }
    world.clock.advance(rng.schedule.int(40));
    if (watch.version !== checked) {
      checked = watch.version;
      violations.push(...(await invariants.check(false)));
    }
    if (expiring) violations.push(...(await invariants.files()));
  };

  try {
    for (let i = 0; i < scenario.initialRecords; i++) deps.producer.produce();
    if (scenario.kind === 'backfill') {
      while (!processes.backfillDone && step < 3000 && violations.length === 0) {
        if (!processes.backfillRunning()) processes.startBackfill();
        await advance(scenario.worldRate / 2, false);
      }
      if (!processes.backfillDone)
        violations.push({ invariant: 'liveness', detail: 'the backfill never completed' });
    }
    processes.startWorker(0);
    const activeEnd = step + scenario.activeSteps;
    while (step < activeEnd && violations.length === 0) await advance(scenario.worldRate, true);

    // Drain: no more faults; every record produced; workers restarted; sessions of the dead time out.
    faults.rates = NO_FAULTS;
    log.add('drain');
    while (recordsLeft(deps) > 0) deps.producer.produce();
    const drainStart = step;
    let complete = false;
    let progress = invariants.progress();
    let movedAt = step;
    // Lagging offsets are judged after the stop, when every open batch is committed; a keyed
    // table's keys are compared with the whole log once their partition caught up, so it drains until then.
    const open = (v: Violation) =>
      v.invariant === 'complete' || (!!scenario.keyed && v.invariant === 'caught-up');
    const stalled = () => step - movedAt >= DRAIN_STALL_STEPS;
    while (!complete && !stalled() && step - drainStart < DRAIN_MAX_STEPS && violations.length === 0) {
      for (const slot of processes.emptySlots()) processes.startWorker(slot);
      for (const actor of deadMembers(deps)) world.group.expire(actor);
      await advance(0.02, false);
      if (step % 10 === 0) {
        complete = !(await invariants.check(true)).some(open);
        // Keyed workers racing their row deltas on one table can need more steps than a fixed budget.
        const now = invariants.progress();
        if (now > progress) [progress, movedAt] = [now, step];
      }
    }
    if (!complete && violations.length === 0) {
      const missing = (await invariants.check(true)).filter(open);
      violations.push(...missing, {
        invariant: 'liveness',
        detail: stalled()
          ? `records still missing, no table's offsets moved in ${DRAIN_STALL_STEPS} drain steps`
          : `records still missing after ${DRAIN_MAX_STEPS} drain steps, offsets still moving`,
      });
    }

    // A clean stop: every worker commits what it holds and leaves the group. A stop
    // that lands on a fenced batch may leave a table's offsets behind (never its
    // rows): like a restarted pod, one more worker then runs and stops again.
    for (let round = 0; round < STOP_ROUNDS && violations.length === 0; round++) {
      if (round > 0) {
        log.add('restart after the stop: a table lags');
        processes.startWorker(0);
        const runEnd = step + RESTART_STEPS;
        while (step < runEnd && violations.length === 0) await advance(0.02, false);
      }
      log.add('stop all');
      for (const worker of processes.live()) worker.stop.abort();
      const stopEnd = step + STOP_STEPS;
      while (processes.live().length > 0 && step < stopEnd && violations.length === 0)
        await advance(0, false);
      if (processes.live().length > 0 && violations.length === 0)
        violations.push({
          invariant: 'liveness',
          detail: `workers did not stop: ${processes
            .live()
            .map((w) => w.actor)
            .join(', ')}`,
        });
      const final =
        violations.length === 0 ? [...(await invariants.check(true)), ...(await invariants.files())] : [];
      const lagging = final.length > 0 && final.every((v) => v.invariant === 'caught-up');
      if (!lagging || round === STOP_ROUNDS - 1) {
        violations.push(...final);
        break;
      }
    }
  } catch (error) {
    const hang = error instanceof SimHangError;
    violations.push({
      invariant: hang ? 'no-hang' : 'harness',
      detail: (error as Error).stack ?? String(error),
    });
  } finally {
    await processes.close();
    await catalog.close().catch(() => undefined);
    if (violations.length === 0 || !process.env.FLOE_SIM_KEEP)
      await rm(dir, { recursive: true, force: true });
    else log.add(`files kept in ${dir}`);
  }
  return {
    seed: options.seed,
    scenario,
    violations: dedupe(violations),
    log,
    trace,
    steps: step,
    ms: performance.now() - started,
  };
}

function dedupe(violations: readonly Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.invariant}|${v.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function defaultRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

export function formatFailure(result: RunResult, tail = 150): string {
  return [
    `seed ${result.seed} FAILED (replay: FLOE_SIM_SEED=${result.seed} npm run sim)`,
    describeScenario(result.scenario),
    ...result.violations.map((v) => `  [${v.invariant}] ${v.detail}`),
    '--- schedule (last events) ---',
    result.log.tail(tail),
    '--- floe warnings ---',
    result.trace.lines.slice(-40).join('\n'),
  ].join('\n');
}
