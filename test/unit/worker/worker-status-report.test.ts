// What the worker reports about itself while it runs: floe_assigned_partitions
// for every connector (0 on an idle replica, 0 again after a revocation) and the
// state /status serves (phase, partitions held, offsets committed), kept where
// the worker books assignments and landed commits.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import type { ConnectorRuntime } from '../../../src/worker/connector-runtime.ts';
import { Worker } from '../../../src/worker/worker.ts';
import { noMetrics, type WorkerMetrics } from '../../../src/worker/worker-metrics.ts';
import { type WorkerPhase, WorkerState } from '../../../src/worker/worker-state.ts';
import { record, settings, stack, table } from '../../support/in-process-connector.ts';
import { ScriptedConsumer, type ScriptStep } from '../../support/scripted-consumer.ts';

const tp = (partition: number) => ({ topic: 't', partition });

/** Records floe_assigned_partitions as the worker sets it, in order. */
function assignedGauge(): { metrics: WorkerMetrics; sets: [string, number][] } {
  const sets: [string, number][] = [];
  return { metrics: { ...noMetrics, setAssignedPartitions: (c, n) => void sets.push([c, n]) }, sets };
}

function worker(
  connectors: ConnectorRuntime[],
  steps: ScriptStep[],
  options: {
    metrics?: WorkerMetrics;
    state?: WorkerState;
    /** Replaces the consumer's connect (it is called as soon as run() starts). */
    connect?: (stop: AbortController) => Promise<void>;
  } = {},
) {
  const stop = new AbortController();
  let consumer: ScriptedConsumer | undefined;
  const run = new Worker({
    connectors,
    log: silentLogger,
    metrics: options.metrics ?? noMetrics,
    maxBufferedBytes: 1e12,
    pipelineCommits: false,
    ...(options.state ? { state: options.state } : {}),
    createConsumer: (handler) => {
      consumer = new ScriptedConsumer(handler, steps, stop);
      const { connect } = options;
      if (connect) consumer.connect = () => connect(stop);
      return consumer;
    },
  });
  return { run: () => run.run(stop.signal), stop, consumer: () => consumer! };
}

describe('floe_assigned_partitions', () => {
  it('is 0 for a connector with no partition here, and back to 0 once its partitions are revoked', async () => {
    const s = stack();
    const clicks = s.runtime(settings('clicks', { kind: 'single', table: table('clicks') }));
    const idle = s.runtime({ ...settings('idle', { kind: 'single', table: table('idle') }), topics: ['u'] });
    const { metrics, sets } = assignedGauge();
    let consumer: () => ScriptedConsumer = () => undefined as never;
    const w = worker(
      [clicks, idle],
      [
        async () => {
          await consumer().assign([tp(0), tp(1)]);
          return [];
        },
        async (context) => {
          await context.handler.onRevoked([tp(0), tp(1)]);
          return [];
        },
      ],
      { metrics },
    );
    consumer = w.consumer;
    expect(await w.run()).toBe(0);
    expect(sets.filter(([c]) => c === 'idle')).toEqual([['idle', 0]]);
    expect(sets.filter(([c]) => c === 'clicks')).toEqual([
      ['clicks', 0],
      ['clicks', 2],
      ['clicks', 0],
    ]);
  });
});

describe('the worker state /status serves', () => {
  it('follows the phases, the partitions held and the offsets each commit records', async () => {
    const s = stack();
    const clicks = s.runtime(settings('clicks', { kind: 'single', table: table('clicks') }));
    const idle = s.runtime({ ...settings('idle', { kind: 'single', table: table('idle') }), topics: ['u'] });
    const state = new WorkerState(['clicks', 'idle'], () => Date.parse('2025-01-02T03:04:05.678Z'));
    const phases: WorkerPhase[] = [];
    const seen: ReturnType<WorkerState['describe']>[] = [];
    let consumer: () => ScriptedConsumer = () => undefined as never;
    const look = () => {
      phases.push(state.phase);
      seen.push(state.describe());
    };
    const w = worker(
      [clicks, idle],
      [
        async () => {
          look();
          await consumer().assign([tp(0), tp(1)]);
          look();
          // Partition 1 first, out of order: the report sorts them.
          return [record(1, 7, { id: 1, kind: 'a' }), record(0, 3, { id: 2, kind: 'a' })];
        },
        async (context) => {
          look();
          await context.handler.onRevoked([tp(1)]);
          look();
          return [];
        },
      ],
      { state },
    );
    consumer = w.consumer;
    expect(state.describe()).toEqual({
      state: 'starting',
      connectors: {
        clicks: { partitions: [], lastCommitAt: null },
        idle: { partitions: [], lastCommitAt: null },
      },
    });
    expect(await w.run()).toBe(0);
    expect(phases).toEqual(['joining', 'running', 'running', 'running']);
    // Assigned: no table records either partition yet.
    expect(seen[1]!.connectors.clicks!.partitions).toEqual([
      { topic: 't', partition: 0, committedOffset: null, committedAt: null },
      { topic: 't', partition: 1, committedOffset: null, committedAt: null },
    ]);
    // The revocation committed the batch first (both partitions), then gave partition 1 up.
    expect(seen[3]).toEqual({
      state: 'running',
      connectors: {
        clicks: {
          partitions: [
            { topic: 't', partition: 0, committedOffset: '4', committedAt: '2025-01-02T03:04:05.678Z' },
          ],
          lastCommitAt: '2025-01-02T03:04:05.678Z',
        },
        idle: { partitions: [], lastCommitAt: null },
      },
    });
    expect((await s.offsets(table('clicks'), 'clicks')).get(0)).toBe(4n);
    expect(state.phase).toBe('stopping');
    // Stopped: the last partition was revoked on the way out.
    expect(state.describe().connectors.clicks!.partitions).toEqual([]);
  });

  it('starts a partition at the offset its tables record', async () => {
    const s = stack();
    const seed = s.runtime(settings('clicks', { kind: 'single', table: table('clicks') }));
    await seed.assign([tp(0)]);
    await seed.processRun([record(0, 41, { id: 1, kind: 'a' })], 0, 1);
    await seed.commit();

    const state = new WorkerState(['clicks']);
    let consumer: () => ScriptedConsumer = () => undefined as never;
    let held: unknown;
    const w = worker(
      [s.runtime(settings('clicks', { kind: 'single', table: table('clicks') }))],
      [
        async () => {
          await consumer().assign([tp(0)]);
          held = state.describe().connectors.clicks!.partitions;
          return [];
        },
      ],
      { state },
    );
    consumer = w.consumer;
    expect(await w.run()).toBe(0);
    expect(held).toEqual([{ topic: 't', partition: 0, committedOffset: '42', committedAt: null }]);
  });
});

describe('a stop during start-up', () => {
  const clicks = () => stack().runtime(settings('clicks', { kind: 'single', table: table('clicks') }));

  it('before the connect: exits 0 without connecting', async () => {
    const state = new WorkerState(['clicks']);
    let connects = 0;
    const w = worker([clicks()], [], { state, connect: async () => void connects++ });
    w.stop.abort();
    expect(await w.run()).toBe(0);
    expect(connects).toBe(0);
    expect(state.phase).toBe('stopping');
  });

  it('while connecting: the connect ends early (the adapter rejects) and the worker exits 0', async () => {
    const w = worker([clicks()], [], {
      connect: (stop) =>
        new Promise((_, reject) =>
          setTimeout(() => {
            stop.abort();
            reject(new Error('Kafka consumer connect stopped: the worker is stopping'));
          }, 10),
        ),
    });
    let subscribed = false;
    const run = w.run();
    w.consumer().subscribe = async () => {
      subscribed = true;
    };
    expect(await run).toBe(0);
    expect(subscribed).toBe(false);
  });

  it('a connect that fails without a stop still fails the worker', async () => {
    const w = worker([clicks()], [], {
      connect: async () => {
        throw new Error('Kafka consumer connect failed: broker transport failure');
      },
    });
    await expect(w.run()).rejects.toThrow('connect failed');
  });
});
