// commit.idleMs on a real connector runtime (SQLite catalog, local files) and a
// clock the test moves: the batch after a full one (maxRecords, or the memory
// budget) commits once records stop coming; any other batch waits its interval.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log.ts';
import { ConnectorRuntime } from '../../../../src/worker/connector-runtime.ts';
import type { ConnectorSettings } from '../../../../src/worker/connector-settings.ts';
import { noMetrics } from '../../../../src/worker/worker-metrics.ts';
import { record, settings, stack, table } from '../../../support/in-process-connector.ts';
import { scriptedWorker } from '../../../support/scripted-consumer.ts';

const tp = { topic: 't', partition: 0 };

function clocked(commit: Partial<ConnectorSettings['commit']>) {
  const s = stack();
  let now = 1_000_000;
  const base = settings('idle', { kind: 'single', table: table('a') });
  const runtime = new ConnectorRuntime({
    settings: { ...base, commit: { ...base.commit, intervalMs: 60_000, idleMs: 1000, ...commit } },
    catalog: s.catalog,
    io: s.io,
    log: silentLogger,
    metrics: noMetrics,
    now: () => now,
  });
  let offset = 0;
  return {
    s,
    runtime,
    advance: (ms: number) => {
      now += ms;
    },
    async read(count: number) {
      const records = Array.from({ length: count }, () => record(0, offset, { id: offset++ }));
      await runtime.processRun(records, 0, records.length);
    },
  };
}

describe('commit.idleMs', () => {
  it('the batch after a full one commits once no record came for idleMs', async () => {
    const c = clocked({ maxRecords: 10 });
    await c.runtime.assign([tp]);
    await c.read(10);
    expect(c.runtime.shouldCommit()).toBe(true); // full
    await c.runtime.commit();
    await c.read(3);
    c.advance(999);
    expect(c.runtime.shouldCommit()).toBe(false);
    await c.read(1); // a record restarts the idle clock
    c.advance(999);
    expect(c.runtime.shouldCommit()).toBe(false);
    c.advance(1);
    expect(c.runtime.shouldCommit()).toBe(true);
    await c.runtime.commit();
    expect(await c.s.rows(table('a'))).toBe(14);
    // That idle commit was not full: the next batch waits for the interval.
    await c.read(2);
    c.advance(59_999);
    expect(c.runtime.shouldCommit()).toBe(false);
    c.advance(1);
    expect(c.runtime.shouldCommit()).toBe(true);
  });

  it('a batch the memory budget ended counts as full', async () => {
    const c = clocked({});
    await c.runtime.assign([tp]);
    await c.read(5);
    await c.runtime.commit({ full: true });
    await c.read(5);
    c.advance(1000);
    expect(c.runtime.shouldCommit()).toBe(true);
  });

  it('idleMs 0: the batch after a full one waits for the interval', async () => {
    const c = clocked({ maxRecords: 10, idleMs: 0 });
    await c.runtime.assign([tp]);
    await c.read(10);
    await c.runtime.commit();
    await c.read(3);
    c.advance(59_999);
    expect(c.runtime.shouldCommit()).toBe(false);
    c.advance(1);
    expect(c.runtime.shouldCommit()).toBe(true);
  });
});

describe('commit.intervalMs after a commit beside reading', () => {
  it('a commit the worker did not wait for keeps nothing from the next interval', async () => {
    const c = clocked({ intervalMs: 1000, idleMs: 0 });
    await c.runtime.assign([tp]);
    await c.read(5);
    const sealed = c.runtime.seal()!;
    await c.read(5); // the next batch starts while the sealed one commits
    await c.runtime.commitSealed(sealed);
    c.advance(400);
    expect(c.runtime.landed(sealed, c.runtime.now())).toBeUndefined(); // settled without a wait
    c.advance(599);
    expect(c.runtime.shouldCommit()).toBe(false);
    c.advance(1);
    expect(c.runtime.shouldCommit()).toBe(true); // 1000 ms after its first record
  });

  it('after a commit the worker waited for, it reads at least as long as it waited', async () => {
    const c = clocked({ intervalMs: 1000, idleMs: 0 });
    await c.runtime.assign([tp]);
    await c.read(5);
    const sealed = c.runtime.seal()!;
    await c.read(5);
    c.advance(1000); // the next batch is due; the worker waits for the sealed commit from here
    const waitedFrom = c.runtime.now();
    await c.runtime.commitSealed(sealed);
    c.advance(2000); // a slow commit: 3 s in all, 2 s of it waited for
    c.runtime.landed(sealed, waitedFrom);
    await c.read(1);
    c.advance(1999);
    expect(c.runtime.shouldCommit()).toBe(false);
    c.advance(1);
    expect(c.runtime.shouldCommit()).toBe(true);
  });
});

describe('the worker and commit.idleMs', () => {
  it('a commit the memory budget forces counts as full', async () => {
    const s = stack();
    const runtime = s.runtime(settings('budget', { kind: 'single', table: table('a') }));
    const seen: Array<{ full?: boolean } | undefined> = [];
    const seal = runtime.seal.bind(runtime);
    runtime.seal = (options) => {
      seen.push(options);
      return seal(options);
    };
    const records = Array.from({ length: 50 }, (_, i) => record(0, i, { id: i }));
    const { worker, stop } = scriptedWorker(runtime, [tp], [async () => records], { maxBufferedBytes: 1 });
    expect(await worker.run(stop.signal)).toBe(0);
    expect(seen[0]).toMatchObject({ full: true }); // the budget's commit
    expect(await s.rows(table('a'))).toBe(50);
  });
});
