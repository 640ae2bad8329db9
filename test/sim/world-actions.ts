// What the driver can do to the world instead of granting a turn: produce,
// start, kill or stop a worker, time a session out (the member lives on as a
// zombie, or was already dead), move a partition, delete a log's start, let the
// second engine commit, or let time pass. Each draw is from the schedule stream.
import type { TableIdentifier } from '../../src/catalog/catalog.ts';
import type { ProcessTable } from './process-table.ts';
import type { Scenario } from './scenario.ts';
import type { SecondEngine } from './second-engine.ts';
import type { SimProducer } from './sim-producer.ts';
import type { SimWorld } from './sim-world.ts';

export type Action =
  | 'produce'
  | 'start'
  | 'crash'
  | 'zombie'
  | 'expire'
  | 'stop'
  | 'churn'
  | 'retention'
  | 'engine'
  | 'maintain'
  | 'tick';

export interface WorldDeps {
  readonly world: SimWorld;
  readonly scenario: Scenario;
  readonly processes: ProcessTable;
  readonly producer: SimProducer;
  readonly engine: SecondEngine | undefined;
  readonly tables: readonly TableIdentifier[];
}

export function recordsLeft(d: WorldDeps): number {
  return d.scenario.initialRecords + d.scenario.liveRecords - d.producer.count;
}

/** Group members whose process is gone: their session times out sooner or later. */
export function deadMembers(d: WorldDeps): string[] {
  return d.processes.gone().filter((actor) => d.world.group.isMember(actor));
}

/** Returns what it did (the runner checks every reachable file after an expiry). */
export async function worldAction(d: WorldDeps, withWorkers: boolean): Promise<Action> {
  const action = drawAction(d, withWorkers);
  await act(d, action);
  return action;
}

function drawAction(d: WorldDeps, withWorkers: boolean): Action {
  const { world, scenario, processes } = d;
  const rng = world.rng.schedule;
  const live = processes.live();
  const faulty = scenario.faults.crash > 0;
  const action = rng.weighted<Action>([
    ['produce', recordsLeft(d) > 0 ? 6 : 0],
    ['start', withWorkers && processes.emptySlots().length > 0 ? 2 : 0],
    ['crash', withWorkers && faulty && live.length > 0 ? 0.5 : 0],
    ['zombie', withWorkers && live.some((w) => world.group.isMember(w.actor)) ? 0.6 : 0],
    ['expire', deadMembers(d).length > 0 ? 3 : 0],
    ['stop', withWorkers && live.length > 1 ? 0.3 : 0],
    ['churn', withWorkers ? 1 : 0],
    ['retention', scenario.retention ? 0.4 : 0],
    ['engine', d.engine ? 1.5 : 0],
    ['maintain', processes.maintainerRunning() ? 0 : 0.5],
    ['tick', 2],
  ]);
  return action;
}

async function act(d: WorldDeps, action: Action): Promise<void> {
  const { world, scenario, processes } = d;
  const rng = world.rng.schedule;
  const live = processes.live();
  switch (action) {
    case 'produce':
      for (let n = rng.range(1, 4); n > 0 && recordsLeft(d) > 0; n--) d.producer.produce();
      return;
    case 'start':
      processes.startWorker(rng.pick(processes.emptySlots()));
      return;
    case 'crash':
      void world.scheduler.kill(rng.pick(live).actor, 'driver');
      return;
    case 'zombie':
      world.group.expire(rng.pick(live.filter((w) => world.group.isMember(w.actor))).actor);
      return;
    case 'expire':
      world.group.expire(rng.pick(deadMembers(d)));
      return;
    case 'stop': {
      const worker = rng.pick(live);
      world.log.add(`stop ${worker.actor}`);
      worker.stop.abort();
      return;
    }
    case 'churn':
      world.group.churn();
      return;
    case 'retention': {
      const partition = rng.int(scenario.partitions);
      const low = world.kafka.low(scenario.topic, partition);
      const to = low + BigInt(rng.range(1, 4));
      world.kafka.deleteBefore(scenario.topic, partition, to);
      world.log.add(
        `retention ${scenario.topic}:${partition} deletes below ${world.kafka.low(scenario.topic, partition)}`,
      );
      return;
    }
    case 'engine':
      await d.engine!.act(d.tables);
      return;
    case 'maintain':
      processes.startMaintainer(rng.pick(d.tables));
      return;
    case 'tick':
      world.clock.advance(rng.range(300, 3000));
      world.log.add('tick');
      return;
  }
}
