// A worker process of the keyed schedule tests, driving a connector runtime
// as worker.ts does: partitions assigned (positions from the tables, else the
// log start), runs of records, commits; a fenced batch is dropped and its
// partitions re-read from the tables; a revoke releases the partitions and
// commits first; lost partitions drop the batch. kill -9 is a new runtime (a
// new process) on the same key index folder, the old one never used again.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommitConflictError } from '../../../../src/errors.ts';
import { silentLogger } from '../../../../src/log.ts';
import { FencedBatchError } from '../../../../src/worker/commit/commit-batch.ts';
import { ConnectorRuntime } from '../../../../src/worker/connector-runtime.ts';
import { noMetrics } from '../../../../src/worker/worker-metrics.ts';
import type { Rng } from '../../../sim/rng.ts';
import { Crash, KeyedWorld, type KeyedWorldOptions, TOPIC } from './keyed-world.ts';

export class KeyedWorker {
  readonly name: string;
  readonly #world: KeyedWorld;
  readonly #indexDir: string;
  #runtime: ConnectorRuntime;
  /** Partitions this process believes it owns (a zombie's lost ones included). */
  readonly owned = new Set<number>();
  readonly #positions = new Map<number, bigint>();

  constructor(world: KeyedWorld, name: string, indexDir: string) {
    this.#world = world;
    this.name = name;
    this.#indexDir = indexDir;
    this.#runtime = this.#start();
  }

  async assign(partitions: readonly number[]): Promise<void> {
    for (const p of partitions) this.owned.add(p);
    const resume = await this.#runtime.assign(partitions.map((partition) => ({ topic: TOPIC, partition })));
    for (const p of partitions) this.#positions.set(p, resume.get(`${TOPIC}:${p}`) ?? 0n);
  }

  /** Reads up to `max` records of each owned partition into the open batch (without `rng`: all, in partition order). */
  async read(rng?: Rng, max = 1): Promise<void> {
    const owned = [...this.owned].sort((a, b) => a - b);
    for (const p of rng === undefined ? owned : rng.shuffle(owned)) {
      const log = this.#world.logs[p]!;
      const from = Number(this.#positions.get(p) ?? 0n);
      const to = rng === undefined ? log.length : Math.min(log.length, from + rng.range(1, max));
      if (from >= to) continue;
      await this.#world.reading(p, from, to);
      await this.#runtime.processRun(log, from, to);
      this.#positions.set(p, BigInt(to));
    }
  }

  /** Commits the open batch as the worker loop does; a Crash (kill -9) restarts the process. */
  async commit(): Promise<void> {
    try {
      await this.#runtime.commit();
    } catch (error) {
      if (error instanceof FencedBatchError) {
        this.#world.events.push(`${this.name}: fenced (${error.fence})`);
        this.#runtime.discard();
        this.#syncPositions();
        await this.#reseek();
        return;
      }
      if (error instanceof Crash || error instanceof CommitConflictError) {
        this.#world.events.push(`${this.name}: ${error.message}`);
        await this.crash();
        return;
      }
      throw error;
    }
  }

  /** The batch is dropped (an abort): its partitions are read again from where it began. */
  discard(): void {
    this.#runtime.discard();
    this.#syncPositions();
  }

  /** Cooperative revoke: released first, then the open batch committed. */
  async revoke(partition: number): Promise<void> {
    this.owned.delete(partition);
    this.#positions.delete(partition);
    this.#runtime.release([{ topic: TOPIC, partition }]);
    await this.commit();
  }

  /** The group took the partition without warning (session timeout): the batch goes. */
  async lose(partition: number): Promise<void> {
    this.#runtime.discard();
    this.owned.delete(partition);
    this.#positions.delete(partition);
    this.#runtime.release([{ topic: TOPIC, partition }]);
    this.#syncPositions();
    await this.#reseek();
  }

  /** kill -9 and a restart: a new process on the same key index folder, the same partitions. */
  async crash(): Promise<void> {
    this.#runtime = this.#start();
    const owned = [...this.owned];
    this.owned.clear();
    this.#positions.clear();
    await this.assign(owned);
  }

  #start(): ConnectorRuntime {
    return new ConnectorRuntime({
      settings: this.#world.settings(this.#indexDir),
      catalog: this.#world.catalog,
      io: this.#world.io,
      log: silentLogger,
      metrics: noMetrics,
      producer: { sleep: async () => undefined, reconcileTimeoutMs: 60_000 },
    });
  }

  /** Where the runtime stands after a dropped batch (the consumer is sought there). */
  #syncPositions(): void {
    for (const p of this.owned) {
      const position = this.#runtime.position({ topic: TOPIC, partition: p });
      if (position !== undefined) this.#positions.set(p, position);
    }
  }

  async #reseek(): Promise<void> {
    const seek = await this.#runtime.reseekOffsets(
      [...this.owned].map((partition) => ({ topic: TOPIC, partition })),
    );
    for (const p of this.owned) {
      const offset = seek.get(`${TOPIC}:${p}`);
      if (offset !== undefined) this.#positions.set(p, offset);
    }
  }
}

/**
 * A world with one worker owning every partition, both removed by `cleanup`;
 * `commit` appends the changes (key, value or null), reads and commits them.
 */
export async function oneWorkerWorld(
  options: KeyedWorldOptions,
  cleanup: Array<() => void>,
): Promise<{
  world: KeyedWorld;
  worker: KeyedWorker;
  commit: (changes: ReadonlyArray<readonly [number, string | null]>) => Promise<void>;
}> {
  const world = new KeyedWorld(options);
  const dir = mkdtempSync(join(tmpdir(), 'floe-keyed-worker-'));
  cleanup.push(
    () => world.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const worker = new KeyedWorker(world, 'w', join(dir, 'w'));
  await worker.assign(Array.from({ length: options.partitions }, (_, p) => p));
  const commit = async (changes: ReadonlyArray<readonly [number, string | null]>) => {
    for (const [key, v] of changes) world.change(key, v);
    await worker.read();
    await worker.commit();
  };
  return { world, worker, commit };
}
