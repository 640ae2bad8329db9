// The cooperative token of the simulation. Every simulated actor (a worker, a
// backfill) runs real floe code, but it proceeds past an instrumented point (a
// poll, a catalog call, a FileIO call) only when the driver grants it the turn,
// and the driver waits until it reaches its next point before choosing again.
// So exactly one actor runs at a time, and real async I/O (SQLite, the file
// system, the encoder thread) cannot reorder the schedule: the seeded driver alone does.
import type { EventLog } from './event-log.ts';

type Outcome = 'parked' | 'done' | 'dead';

interface Waiter {
  readonly label: string;
  readonly resume: () => void;
}

interface Actor {
  readonly id: string;
  readonly waiters: Waiter[];
  state: 'new' | 'parked' | 'running' | 'done' | 'dead';
  body: (() => Promise<unknown>) | undefined;
  result: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
}

/** The actor did not reach its next point in time: floe hangs (or the harness waits on itself). */
export class SimHangError extends Error {}

const never = new Promise<never>(() => {});

export class Scheduler {
  readonly #log: EventLog;
  readonly #actors = new Map<string, Actor>();
  readonly #hangMs: number;
  #running: Actor | undefined;
  #wake: (() => void) | undefined;

  constructor(log: EventLog, hangMs = 20_000) {
    this.#log = log;
    this.#hangMs = hangMs;
  }

  /** Registers an actor; its body starts when it is first granted the turn. */
  spawn(id: string, body: () => Promise<unknown>): void {
    if (this.#actors.has(id)) throw new Error(`scheduler: actor ${id} exists`);
    this.#actors.set(id, { id, waiters: [], state: 'new', body, result: undefined });
  }

  /** Called by an actor's code: waits for the turn. A dead actor never gets it. */
  point(id: string, label: string): Promise<void> {
    const actor = this.#actors.get(id);
    if (actor === undefined) throw new Error(`scheduler: unknown actor ${id} at ${label}`);
    if (actor.state === 'dead' || actor.state === 'done') return never;
    return new Promise<void>((resume) => {
      actor.waiters.push({ label, resume });
      if (actor.state === 'running') {
        actor.state = 'parked';
        this.#settle(actor);
      }
    });
  }

  /** Actors that can take the turn, in spawn order. */
  runnable(): string[] {
    const ids: string[] = [];
    for (const actor of this.#actors.values()) {
      if (actor.state === 'new' || (actor.state === 'parked' && actor.waiters.length > 0)) ids.push(actor.id);
    }
    return ids;
  }

  /** Where a runnable actor waits ('start' before its first turn). */
  label(id: string): string {
    const actor = this.#actors.get(id);
    if (actor === undefined) return 'gone';
    return actor.state === 'new' ? 'start' : (actor.waiters[0]?.label ?? actor.state);
  }

  state(id: string): Actor['state'] | undefined {
    return this.#actors.get(id)?.state;
  }

  result(id: string): Actor['result'] {
    return this.#actors.get(id)?.result;
  }

  /** Gives `id` the turn and waits until it parks again, finishes or dies. */
  async grant(id: string): Promise<Outcome> {
    const actor = this.#actors.get(id);
    if (actor === undefined || this.#running !== undefined) throw new Error(`scheduler: cannot grant ${id}`);
    const woken = new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.#running = actor;
    if (actor.state === 'new') {
      actor.state = 'running';
      const body = actor.body!;
      actor.body = undefined;
      body().then(
        (value) => this.#finish(actor, { ok: true, value }),
        (error: unknown) => this.#finish(actor, { ok: false, error }),
      );
    } else {
      const waiter = actor.waiters.shift();
      if (waiter === undefined) throw new Error(`scheduler: ${id} is not waiting`);
      actor.state = 'running';
      waiter.resume();
    }
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SimHangError(`actor ${id} did not reach its next point within ${this.#hangMs} ms`)),
        this.#hangMs,
      );
    });
    try {
      await Promise.race([woken, hung]);
    } finally {
      clearTimeout(timer);
      this.#running = undefined;
      this.#wake = undefined;
    }
    const state = actor.state as Actor['state']; // changed by the actor while we waited
    return state === 'dead' ? 'dead' : state === 'done' ? 'done' : 'parked';
  }

  /**
   * Kills an actor as kill -9 would: it never runs again (its pending points never
   * resolve). Called on a parked actor by the driver, or by a fault at the running
   * actor's own point (then the returned promise never settles either).
   */
  kill(id: string, why: string): Promise<never> {
    const actor = this.#actors.get(id);
    if (actor === undefined || actor.state === 'done' || actor.state === 'dead') return never;
    this.#log.add(`${id} killed (${why})`);
    actor.state = 'dead';
    actor.waiters.length = 0;
    actor.body = undefined;
    if (this.#running === actor) this.#settle(actor);
    return never;
  }

  /** Forgets finished and dead actors (their ids may not be reused). */
  alive(id: string): boolean {
    const state = this.#actors.get(id)?.state;
    return state !== undefined && state !== 'dead' && state !== 'done';
  }

  #finish(actor: Actor, result: NonNullable<Actor['result']>): void {
    if (actor.state === 'dead') return;
    actor.state = 'done';
    actor.result = result;
    if (this.#running === actor) this.#settle(actor);
    // An actor finishing while another runs means it ran out of turn: a harness bug.
    else this.#log.add(`${actor.id} finished out of turn`);
  }

  #settle(actor: Actor): void {
    if (this.#running === actor) this.#wake?.();
  }
}
