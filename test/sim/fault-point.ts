// One instrumented call of a simulated actor: wait for the turn, draw the fault,
// and act it out around the real call (before it: crash, transient failure,
// conflict, an unknown outcome that did not land; after it: an unknown outcome
// that landed, or the crash).
import { CommitConflictError, CommitStateUnknownError } from '../../src/errors.ts';
import { type CallKind, type FaultPlan, markInjected, transientError } from './fault-plan.ts';
import type { SimWorld } from './sim-world.ts';

export interface FaultPoint {
  readonly world: SimWorld;
  readonly actor: string;
  readonly faults: FaultPlan;
}

export async function atFaultPoint<T>(
  at: FaultPoint,
  label: string,
  kind: CallKind,
  run: () => Promise<T>,
  landed?: () => void,
): Promise<T> {
  const { world } = at;
  const actor = world.scheduler.current(at.actor); // a process's linked actor (a pipelined commit) or the process
  await world.scheduler.point(actor, label);
  const fault = at.faults.decide(kind);
  if (fault !== 'none') world.log.add(`${actor} ${label} !${fault}`);
  if (fault === 'crash') return world.scheduler.kill(actor, `crash at ${label}`);
  if (fault === 'transient') throw transientError(label);
  if (fault === 'conflict') throw markInjected(new CommitConflictError(`sim: injected conflict at ${label}`));
  if (fault === 'unknown-lost')
    throw markInjected(
      new CommitStateUnknownError(`sim: injected unknown outcome (not applied) at ${label}`),
    );
  const result = await run();
  landed?.();
  if (fault === 'unknown-landed')
    throw markInjected(new CommitStateUnknownError(`sim: injected unknown outcome (applied) at ${label}`));
  if (fault === 'crash-after') return world.scheduler.kill(actor, `crash after ${label} landed`);
  return result;
}
