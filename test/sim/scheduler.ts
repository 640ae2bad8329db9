// The cooperative token of the simulation. Every simulated actor (a worker, a
// backfill) runs real floe code, but it proceeds past an instrumented point (a
// poll, a catalog call, a FileIO call) only when the driver grants it the turn,
// and the driver waits until it reaches its next point before choosing again.
// So exactly one actor runs at a time, and real async I/O (SQLite, the file
// system, the encoder thread) cannot reorder the schedule: the seeded driver alone does.
// A process's work beside its main loop (a pipelined commit) runs as a linked
// actor: its own turns, but it lives and dies with its process.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventLog } from './event-log.ts';

type Outcome = 'parked' | 'done' | 'dead';

interface Waiter {
  readonly label: string;
  readonly resume: () => void;
  /** The waiter can take the turn only once this holds (a join on a linked actor). */
  readonly ready?: () => boolean;
}

interface Actor {
  readonly id: string;
  readonly waiters: Waiter[];
  state: 'new' | 'parked' | 'running' | 'done' | 'dead';
  body: (() => Promise<unknown>) | undefined;
  result: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  /** A linked actor's process actor. */
  readonly parent?: string;
  readonly children: string[];
}

/** The actor did not reach its next point in time: floe hangs (or the harness waits on itself). */
export class SimHangError extends Error {}

const never = new Promise<never>(() => {});

const isReady = (waiter: Waiter) => waiter.ready === undefined || waiter.ready();

export class Scheduler {
  readonly #log: EventLog;
  readonly #actors = new Map<string, Actor>();
  readonly #hangMs: number;
  #running: Actor | undefined;
  #wake: (() => void) | undefined;
  /** The linked actor whose body runs in the current async context. */
  readonly #context = new AsyncLocalStorage<string>();
  /** A linked actor's result promise -> its id (join). */
  readonly #linked = new WeakMap<Promise<unknown>, string>();
  #links = 0;

  constructor(log: EventLog, hangMs = 20_000) {
    this.#log = log;
    this.#hangMs = hangMs;
  }

  /** Registers an actor; its body starts when it is first granted the turn. */
  spawn(id: string, body: () => Promise<unknown>): void {
    if (this.#actors.has(id)) throw new Error(`scheduler: actor ${id} exists`);
    this.#actors.set(id, { id, waiters: [], state: 'new', body, result: undefined, children: [] });
  }

  /**
   * Starts `body` as an actor linked to `parent` (the process it belongs to):
   * every point reached in its async context is its own, it is killed with
   * its process, and a crash inside it kills the process. The promise settles
   * with the body; the process waits for it with `join`.
   */
  spawnLinked<T>(parent: string, body: () => Promise<T>): Promise<T> {
    const owner = this.#actors.get(parent);
    if (owner === undefined) throw new Error(`scheduler: unknown actor ${parent}`);
    const id = `${parent}/${++this.#links}`;
    let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
    const done = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
    done.catch(() => {}); // the process may die before it joins
    const run = () =>
      this.#context.run(id, body).then(
        (value) => {
          settle.resolve(value);
          return value;
        },
        (error: unknown) => {
          settle.reject(error);
          throw error;
        },
      );
    this.#actors.set(id, {
      id,
      waiters: [],
      state: 'new',
      body: run,
      result: undefined,
      parent,
      children: [],
    });
    owner.children.push(id);
    this.#linked.set(done, id);
    this.log(`${parent} starts ${id}`);
    return done;
  }

  /** The process waits (a point of its own) until the linked actor behind `started` has ended. */
  async join<T>(id: string, label: string, started: Promise<T>): Promise<T> {
    const child = this.#linked.get(started);
    if (child !== undefined) {
      const ended = () => this.#actors.get(child)?.state === 'done';
      await this.#wait(this.current(id), label, ended);
    }
    return started;
  }

  /** Whether `id` is a linked actor (not a process of its own). */
  linked(id: string): boolean {
    return this.#actors.get(id)?.parent !== undefined;
  }

  /** The actor running in this async context: a linked actor inside its body, else `id`. */
  current(id: string): string {
    return this.#context.getStore() ?? id;
  }

  log(line: string): void {
    this.#log.add(line);
  }

  /** Called by an actor's code: waits for the turn. A dead actor never gets it. */
  point(id: string, label: string): Promise<void> {
    return this.#wait(this.current(id), label);
  }

  #wait(id: string, label: string, ready?: () => boolean): Promise<void> {
    const actor = this.#actors.get(id);
    if (actor === undefined) throw new Error(`scheduler: unknown actor ${id} at ${label}`);
    if (actor.state === 'dead' || actor.state === 'done') return never;
    return new Promise<void>((resume) => {
      actor.waiters.push({ label, resume, ...(ready ? { ready } : {}) });
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
      if (actor.state === 'new' || (actor.state === 'parked' && actor.waiters.some(isReady)))
        ids.push(actor.id);
    }
    return ids;
  }

  /** Where a runnable actor waits ('start' before its first turn). */
  label(id: string): string {
    const actor = this.#actors.get(id);
    if (actor === undefined) return 'gone';
    return actor.state === 'new' ? 'start' : (actor.waiters.find(isReady)?.label ?? actor.state);
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
      const index = actor.waiters.findIndex(isReady);
      if (index < 0) throw new Error(`scheduler: ${id} is not waiting`);
      const [waiter] = actor.waiters.splice(index, 1) as [Waiter];
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
    const actor = this.#actors.get(this.current(id));
    if (actor === undefined) return never;
    // A process dies whole: its main actor and every linked one.
    const process = actor.parent === undefined ? actor : this.#actors.get(actor.parent);
    if (process === undefined || process.state === 'done' || process.state === 'dead') return never;
    this.#log.add(`${process.id} killed (${why})`);
    for (const member of [process, ...process.children.map((c) => this.#actors.get(c)!)]) {
      if (member.state === 'done' || member.state === 'dead') continue;
      member.state = 'dead';
      member.waiters.length = 0;
      member.body = undefined;
      if (this.#running === member) this.#settle(member);
    }
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
