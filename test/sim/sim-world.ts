// What every part of one simulated run shares: the driver's scheduler, the
// brokers, the group, the clock, the event log and the seeded random streams.
import type { EventLog } from './event-log.ts';
import type { GroupCoordinator } from './group-coordinator.ts';
import type { Rng } from './rng.ts';
import type { Scheduler } from './scheduler.ts';
import type { SimulatedKafka } from './simulated-kafka.ts';

/** Simulated time: it moves only when the driver or a poll says so. */
export class SimClock {
  #ms = 1_767_225_600_000; // 2026-01-01

  readonly now = (): number => this.#ms;

  advance(ms: number): void {
    if (ms > 0) this.#ms += Math.floor(ms);
  }
}

export interface SimRngs {
  /** The driver's choices: who runs, which world event happens. */
  readonly schedule: Rng;
  /** Faults at catalog and FileIO calls. */
  readonly faults: Rng;
  /** Records produced. */
  readonly data: Rng;
  /** Group assignment choices. */
  readonly group: Rng;
  /** Fetch sizes and interleaving, late notice of a lost session. */
  readonly consumer: Rng;
  /** The second engine's choices. */
  readonly engine: Rng;
}

export interface SimWorld {
  readonly scheduler: Scheduler;
  readonly kafka: SimulatedKafka;
  readonly group: GroupCoordinator;
  readonly clock: SimClock;
  readonly log: EventLog;
  readonly rng: SimRngs;
}
