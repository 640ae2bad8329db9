// The processes of a run: a `floe run` worker (the real Worker with the real
// ConnectorRuntime, on a simulated consumer, a faulty catalog and FileIO) and
// a `floe backfill` (the real Backfill). Each incarnation is a scheduler actor;
// a crash drops it with all its memory, and the next incarnation rebuilds from
// the catalog.
import { join } from 'node:path';
import type { Catalog } from '../../src/catalog/catalog.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import { Backfill } from '../../src/worker/backfill/backfill.ts';
import { silentProgress } from '../../src/worker/backfill/backfill-progress.ts';
import type { ConnectorRuntime } from '../../src/worker/connector-runtime.ts';
import { Worker } from '../../src/worker/worker.ts';
import { noMetrics } from '../../src/worker/worker-metrics.ts';
import type { FaultPlan } from './fault-plan.ts';
import type { Scenario } from './scenario.ts';
import { SimAdmin, SimAssignedConsumer } from './sim-backfill-kafka.ts';
import { type CatalogWatch, SimCatalog } from './sim-catalog.ts';
import { noSleep, simConnectorRuntime } from './sim-connector.ts';
import { SimConsumer } from './sim-consumer.ts';
import { SimFileIO } from './sim-file-io.ts';
import { SimLogger, type SimTrace } from './sim-logger.ts';
import type { SimWorld } from './sim-world.ts';

export interface ProcessDeps {
  readonly world: SimWorld;
  readonly scenario: Scenario;
  /** The shared catalog and FileIO, without faults. */
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly faults: FaultPlan;
  readonly watch: CatalogWatch;
  readonly trace: SimTrace;
  /** The run's folder: each process gets a data folder below it (a keyed connector's key index). */
  readonly dir: string;
}

/**
 * A worker slot's data folder, kept across its incarnations as a pod's volume
 * is across restarts: a restarted worker opens the key index store its killed
 * predecessor left (and empties each part it rebuilds).
 */
function processDataDir(deps: ProcessDeps, actor: string): string {
  return join(deps.dir, 'processes', actor.slice(0, actor.indexOf('.')));
}

export class WorkerProcess {
  readonly actor: string;
  readonly stop = new AbortController();
  consumer: SimConsumer | undefined;
  /** Its connector: closed at the end of the run, as the OS unmaps a dead process's key index store. */
  readonly runtime: ConnectorRuntime;

  constructor(actor: string, deps: ProcessDeps) {
    this.actor = actor;
    const { world, scenario } = deps;
    const log = new SimLogger(deps.trace, actor);
    this.runtime = simConnectorRuntime({
      world,
      scenario,
      catalog: new SimCatalog(deps.catalog, actor, world, deps.faults, deps.watch, scenario.multiTable),
      io: new SimFileIO(deps.io, actor, world, deps.faults),
      log,
      dataDir: processDataDir(deps, actor),
    });
    const worker = new Worker({
      connectors: [this.runtime],
      createConsumer: (handler) => {
        this.consumer = new SimConsumer(actor, actor, world, handler, scenario.prefetch);
        return this.consumer;
      },
      log,
      metrics: noMetrics,
      maxBufferedBytes: 1 << 30,
      pollBatchSize: scenario.pollBatchSize,
      pollTimeoutMs: 100,
      lagIntervalMs: Number.POSITIVE_INFINITY,
      pipelineCommits: scenario.pipelineCommits,
      // A commit beside reading is an actor of its own; a waited-for commit (keyed seeds, the
      // rest) stays on the process's actor, as in production, so those schedules are as before.
      ...(scenario.pipelineCommits && scenario.keyed === undefined
        ? {
            commitRunner: {
              start: (commit) => world.scheduler.spawnLinked(actor, commit),
              wait: (started) => world.scheduler.join(actor, 'commit.wait', started),
            },
          }
        : {}),
    });
    world.scheduler.spawn(actor, () => worker.run(this.stop.signal));
  }
}

export class BackfillProcess {
  readonly actor: string;

  constructor(actor: string, deps: ProcessDeps) {
    this.actor = actor;
    const { world, scenario } = deps;
    const log = new SimLogger(deps.trace, actor);
    const catalog = new SimCatalog(deps.catalog, actor, world, deps.faults, deps.watch, scenario.multiTable);
    const io = new SimFileIO(deps.io, actor, world, deps.faults);
    const commit = { ...scenario.commit, maxRecords: scenario.commit.maxRecords * 3, intervalMs: 600_000 };
    const connector = simConnectorRuntime({
      world,
      scenario,
      catalog,
      io,
      log,
      commit,
      dataDir: processDataDir(deps, actor),
    });
    // Older checkouts also took the catalog, FileIO and producer options here.
    const producer = {
      conflictRetry: { maxAttempts: scenario.conflictAttempts, baseDelayMs: 0, maxDelayMs: 0 },
      reconcileTimeoutMs: 60_000,
      now: world.clock.now,
      sleep: noSleep,
    };
    const legacy = { catalog, io, producer };
    const backfill = new Backfill({
      ...legacy,
      connector,
      admin: new SimAdmin(world),
      consumer: new SimAssignedConsumer(actor, world),
      from: { kind: 'earliest' },
      until: { kind: 'now' },
      maxBufferedBytes: 1 << 30,
      log,
      progress: silentProgress,
      pollBatchSize: scenario.pollBatchSize,
      pollTimeoutMs: 100,
      now: world.clock.now,
    });
    world.scheduler.spawn(actor, () => backfill.run(new AbortController().signal));
  }
}
