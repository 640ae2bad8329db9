// RebalanceQueue while the consumer closes (issue 14): a static member closes
// without a LeaveGroup, so a cooperative rebalance can complete during the close
// and hand it an assignment the binding refuses ("KafkaConsumer is disconnected").
// That must not fail the worker's exit (it did: exit code 1, and before that an
// unhandled rejection); the same refusal while connected still fails it. The
// partitions left at close go to the worker's onRevoked, logged as expected for
// a static member and as a warning otherwise.
import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../src/log.ts';
import { RebalanceQueue } from '../../../src/worker/kafka/rebalance-queue.ts';
import type { RebalanceHandler, TopicPartition } from '../../../src/worker/kafka-types.ts';

const TP: TopicPartition = { topic: 'orders', partition: 0 };
const DISCONNECTED = { code: -172, message: 'KafkaConsumer is disconnected' };

function recordingLog(): { log: Logger; lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const log: Logger = {
    debug: (m) => lines.push(['debug', m]),
    info: (m) => lines.push(['info', m]),
    warn: (m) => lines.push(['warn', m]),
    error: (m) => lines.push(['error', m]),
    child: () => log,
  };
  return { log, lines };
}

function queue(refuseAssign: boolean) {
  const { log, lines } = recordingLog();
  const handler: RebalanceHandler = {
    onAssigned: vi.fn(async () => new Map()),
    onRevoked: vi.fn(async () => undefined),
  };
  const cooperative = {
    incrementalAssign: vi.fn(() => {
      if (refuseAssign) throw DISCONNECTED;
    }),
    incrementalUnassign: vi.fn(),
  };
  let connected = true;
  const rebalances = new RebalanceQueue(handler, cooperative, {
    log,
    canCallHandler: () => connected,
    pause: () => undefined,
  });
  return { rebalances, handler, cooperative, lines, close: () => (connected = false) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('RebalanceQueue during close', () => {
  it('an assignment the closing binding refuses is logged and not taken, not a failure', async () => {
    const { rebalances, handler, lines, close } = queue(true);
    close();
    rebalances.closeStarted = true;
    rebalances.push({ kind: 'assign', partitions: [], owned: [], lost: false });
    await settle();
    expect(rebalances.failure).toBeUndefined();
    expect(handler.onAssigned).not.toHaveBeenCalled();
    expect(lines).toContainEqual(['info', 'an assignment arrived during close; not taken']);
  });

  it('the same refusal while connected fails the consumer', async () => {
    const { rebalances } = queue(true);
    rebalances.push({ kind: 'assign', partitions: [TP], owned: [], lost: false });
    await expect(rebalances.apply()).rejects.toThrow(/incremental assign failed \(partitions=orders:0\)/);
  });

  it('a failing revoke applied during close is recorded, never an unhandled rejection', async () => {
    const { rebalances, cooperative } = queue(false);
    cooperative.incrementalUnassign.mockImplementation(() => {
      throw DISCONNECTED;
    });
    rebalances.closeStarted = true;
    rebalances.push({ kind: 'revoke', partitions: [TP], owned: [], lost: false });
    await settle();
    expect(rebalances.failure?.message).toMatch(/incremental unassign failed/);
  });

  it.each([
    [true, 'info', 'static member: keeping its place in the group; partitions released here'],
    [false, 'warn', 'the group did not revoke every partition before disconnect; revoking them here'],
  ])('partitions left at close go to onRevoked (static member: %s)', async (staticMember, level, message) => {
    const { rebalances, handler, lines } = queue(false);
    rebalances.push({ kind: 'assign', partitions: [TP], owned: [], lost: false });
    await rebalances.apply();
    expect(rebalances.ownsAny()).toBe(true);
    await rebalances.revokeRemaining(staticMember);
    expect(handler.onRevoked).toHaveBeenCalledWith([TP]);
    expect(rebalances.ownsAny()).toBe(false);
    expect(lines).toContainEqual([level, message]);
  });
});
