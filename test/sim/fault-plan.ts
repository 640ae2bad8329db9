// Which fault hits a catalog or FileIO call, drawn from the seeded fault stream.
// Injected errors are remembered, so that a worker dying of one (the process
// would exit and be restarted) is told apart from a worker dying of a bug.
import { StorageError } from '../../src/errors.ts';

export type Fault =
  | 'none'
  /** The catalog refuses the commit: a requirement no longer holds (nothing changed). */
  | 'conflict'
  /** The commit happened, but the answer was lost (CommitStateUnknownError). */
  | 'unknown-landed'
  /** The commit never arrived, and the caller cannot tell (CommitStateUnknownError). */
  | 'unknown-lost'
  /** A retryable failure; nothing happened. */
  | 'transient'
  /** The process dies before the call. */
  | 'crash'
  /** The call lands (a write, a commit), then the process dies. */
  | 'crash-after';

export interface FaultRates {
  readonly conflict: number;
  readonly unknownLanded: number;
  readonly unknownLost: number;
  readonly transient: number;
  readonly crash: number;
  readonly crashAfter: number;
}

export const NO_FAULTS: FaultRates = {
  conflict: 0,
  unknownLanded: 0,
  unknownLost: 0,
  transient: 0,
  crash: 0,
  crashAfter: 0,
};

/** What a call can suffer: a commit, a write (lands or not), or a read. */
export type CallKind = 'commit' | 'write' | 'read';

const injected = new WeakSet<object>();

export function markInjected<E extends Error>(error: E): E {
  injected.add(error);
  return error;
}

/** Whether `error` (or one of its causes) is a fault the simulation injected. */
export function isInjected(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (injected.has(e)) return true;
  }
  return false;
}

export function transientError(label: string): StorageError {
  return markInjected(new StorageError(`sim: injected transient failure at ${label}`, { label }, true));
}

export class FaultPlan {
  readonly #rng: { next(): number };
  #rates: FaultRates;

  constructor(rates: FaultRates, rng: { next(): number }) {
    this.#rates = rates;
    this.#rng = rng;
  }

  /** The drain turns faults off so that the run can finish. */
  set rates(rates: FaultRates) {
    this.#rates = rates;
  }

  decide(kind: CallKind): Fault {
    const r = this.#rates;
    const options: Array<[Fault, number]> = [
      ['crash', r.crash],
      ['transient', r.transient],
    ];
    if (kind !== 'read') options.push(['crash-after', r.crashAfter]);
    if (kind === 'commit') {
      options.push(
        ['conflict', r.conflict],
        ['unknown-landed', r.unknownLanded],
        ['unknown-lost', r.unknownLost],
      );
    }
    // One draw per call keeps the stream aligned whatever the rates.
    let x = this.#rng.next();
    for (const [fault, p] of options) {
      if (x < p) return fault;
      x -= p;
    }
    return 'none';
  }
}
