// floe's own snapshot expiry as a process of the run: the real SnapshotExpiry
// on the actor's faulty catalog and FileIO, so every call may conflict, fail,
// have an unknown outcome or kill it (before its commit, after it landed, in the
// middle of its deletes), interleaved call by call with the workers' commits
// and the second engine. Its policy is drawn per run: a short max age and a
// small minimum, so it removes most of main's history each time.
// Every other run (drawn) it compacts instead: the real compactTable (plan,
// Parquet rewrite, replace commit) with thresholds low enough to rewrite most
// small files, so its commit races the workers' appends and the engine's
// replaces and expiries, and a fault may kill it after writing the new files
// or before (or after) its commit.
import type { TableIdentifier } from '../../src/catalog/catalog.ts';
import { compactTable } from '../../src/maintenance/compaction-run.ts';
import { SnapshotExpiry } from '../../src/maintenance/expire-snapshots.ts';
import { SimCatalog } from './sim-catalog.ts';
import { noSleep } from './sim-connector.ts';
import { SimFileIO } from './sim-file-io.ts';
import { SimLogger } from './sim-logger.ts';
import type { ProcessDeps } from './sim-processes.ts';

export class MaintainerProcess {
  readonly actor: string;

  constructor(actor: string, deps: ProcessDeps, table: TableIdentifier) {
    this.actor = actor;
    const { world, scenario } = deps;
    const rng = world.rng.schedule;
    const catalog = new SimCatalog(deps.catalog, actor, world, deps.faults, deps.watch, scenario.multiTable);
    const io = new SimFileIO(deps.io, actor, world, deps.faults);
    if (rng.next() < 0.5) {
      const options = {
        now: world.clock.now,
        quietMs: rng.pick([0, 5_000]),
        minInputFiles: 2,
        maxFilesPerActivePartition: rng.range(2, 6),
        log: new SimLogger(deps.trace, actor),
        commit: { sleep: noSleep, retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 } },
      };
      world.log.add(
        `${actor} compacts ${[...table.namespace, table.name].join('.')} (quiet ${options.quietMs} ms, active bound ${options.maxFilesPerActivePartition})`,
      );
      world.scheduler.spawn(actor, async () => {
        // Snapshot ids are random (not the seed's): log only whether a replace landed.
        const { snapshotId, ...result } = await compactTable(catalog, io, table, options);
        return { ...result, committed: snapshotId !== undefined };
      });
      return;
    }
    const policy = { maxSnapshotAgeMs: rng.pick([0, 1_000, 10_000]), minSnapshotsToKeep: rng.range(1, 3) };
    const name = [...table.namespace, table.name].join('.');
    world.log.add(
      `${actor} expires ${name} (max age ${policy.maxSnapshotAgeMs} ms, keep ${policy.minSnapshotsToKeep})`,
    );
    const expiry = new SnapshotExpiry(catalog, io, {
      now: world.clock.now,
      policy,
      log: new SimLogger(deps.trace, actor),
      sleep: noSleep,
      conflictRetry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
    });
    world.scheduler.spawn(actor, () => expiry.expire(table));
  }
}
