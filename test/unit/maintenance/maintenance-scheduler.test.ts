// The maintenance scheduler (injected clock) and the per-table locks it shares
// with the commit path.
import { describe, expect, it } from 'vitest';
import type { LoadedTable, TableIdentifier } from '../../../src/catalog/catalog.ts';
import { formatTableIdentifier } from '../../../src/catalog/table-identifier.ts';
import type { TableMetadata } from '../../../src/iceberg/table-metadata.ts';
import type { Logger } from '../../../src/log.ts';
import type { MaintainerDecision } from '../../../src/maintenance/maintenance-owner.ts';
import {
  MaintenanceScheduler,
  type MaintenanceStep,
} from '../../../src/maintenance/maintenance-scheduler.ts';
import type { TableHealth } from '../../../src/maintenance/table-health.ts';
import { TableLocks } from '../../../src/sink/table-locks.ts';

const t = (name: string): TableIdentifier => ({ namespace: ['db'], name });

function recordingStep(name: string, calls: string[], fail?: string): MaintenanceStep {
  return {
    name,
    async run(id) {
      calls.push(`${name}:${id.name}`);
      if (id.name === fail) throw new Error(`${name} broke on ${id.name}`);
      return { files: 1 };
    },
  };
}

describe('MaintenanceScheduler', () => {
  it('runs each watched table’s steps once its interval has passed, then again an interval later', async () => {
    let now = 0;
    const calls: string[] = [];
    const scheduler = new MaintenanceScheduler({
      steps: [recordingStep('expire', calls), recordingStep('compact', calls)],
      now: () => now,
    });
    scheduler.watch(t('a'), 1_000);
    now = 500;
    scheduler.watch(t('b'), 1_000);
    scheduler.watch(t('a'), 1_000); // a second commit does not postpone it
    expect(await scheduler.runDue()).toEqual([]);
    now = 1_000;
    await scheduler.runDue();
    expect(calls).toEqual(['expire:a', 'compact:a']);
    now = 1_600;
    await scheduler.runDue();
    expect(calls).toEqual(['expire:a', 'compact:a', 'expire:b', 'compact:b']);
    now = 2_000;
    const runs = await scheduler.runDue();
    expect(runs.map((r) => `${r.step}:${r.table}:${r.ok}`)).toEqual([
      'expire:db.a:true',
      'compact:db.a:true',
    ]);
    expect(scheduler.watched()).toEqual(['db.a', 'db.b']);
  });

  it('a failing step ends that table’s run, not the others’, and the worker goes on', async () => {
    let now = 0;
    const calls: string[] = [];
    const scheduler = new MaintenanceScheduler({
      steps: [recordingStep('expire', calls, 'a'), recordingStep('compact', calls)],
      now: () => now,
    });
    scheduler.watch(t('a'), 10);
    scheduler.watch(t('b'), 10);
    now = 10;
    const runs = await scheduler.runDue();
    expect(calls).toEqual(['expire:a', 'expire:b', 'compact:b']);
    expect(runs.map((r) => r.ok)).toEqual([false, true, true]);
  });

  it('runs a step alone once a table received its number of commits, before the interval, and counts again from there', async () => {
    const now = 0;
    const calls: string[] = [];
    const compact: MaintenanceStep = {
      ...recordingStep('compact', calls),
      commitsBetweenRuns: (table) => (table === 'db.a' ? 3 : undefined),
    };
    const scheduler = new MaintenanceScheduler({
      steps: [recordingStep('expire', calls), compact],
      now: () => now,
    });
    for (let i = 0; i < 2; i++) scheduler.watch(t('a'), 60_000);
    for (let i = 0; i < 5; i++) scheduler.watch(t('b'), 60_000); // b's bound: the interval only
    expect(await scheduler.runDue()).toEqual([]);
    scheduler.watch(t('a'), 60_000); // the third commit
    const runs = await scheduler.runDue();
    expect(runs.map((r) => `${r.step}:${r.table}`)).toEqual(['compact:db.a']);
    expect(await scheduler.runDue()).toEqual([]); // counted from 0 again
    for (let i = 0; i < 2; i++) scheduler.watch(t('a'), 60_000);
    expect(await scheduler.runDue()).toEqual([]);
    scheduler.watch(t('a'), 60_000);
    await scheduler.runDue();
    expect(calls).toEqual(['compact:a', 'compact:a']);
  });

  it('runs in the background until stopped', async () => {
    const calls: string[] = [];
    const scheduler = new MaintenanceScheduler({ steps: [recordingStep('expire', calls)], tickMs: 5 });
    scheduler.watch(t('a'), 1);
    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await scheduler.stop();
    const seen = calls.length;
    expect(seen).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls.length).toBe(seen);
  });
});

/** Lines logged, as `level: message`. */
function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: (message) => lines.push(`debug: ${message}`),
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
    child: () => logger,
  };
  return logger;
}

/** A "catalog" whose tables are named by their metadata location; the metadata is a stand-in. */
function loads(counter: string[]) {
  return async (id: TableIdentifier): Promise<LoadedTable> => {
    counter.push(formatTableIdentifier(id));
    const metadata = { location: id.name } as unknown as TableMetadata;
    return { identifier: id, metadataLocation: `${id.name}.metadata.json`, metadata, config: {} };
  };
}

const FIRST = { connector: 'orders', topic: 't', partition: 0 };

describe('MaintenanceScheduler: one maintainer per table', () => {
  it('runs the steps only on the tables this worker maintains, decided on the loaded table at each due run', async () => {
    let now = 0;
    const calls: string[] = [];
    const loaded: string[] = [];
    const lines: string[] = [];
    const decisions: string[] = [];
    let mine = new Set(['a']);
    const scheduler = new MaintenanceScheduler({
      steps: [recordingStep('expire', calls), recordingStep('compact', calls)],
      now: () => now,
      log: recordingLogger(lines),
      load: loads(loaded),
      maintainer: (metadata): MaintainerDecision => {
        const name = (metadata as unknown as { location: string }).location;
        return mine.has(name)
          ? { kind: 'maintain', reason: 'holds-first-partition', first: FIRST }
          : { kind: 'skip', reason: 'another-worker', first: FIRST };
      },
      onDecision: (table, d) => decisions.push(`${table}:${d.kind}`),
    });
    scheduler.watch(t('a'), 100);
    scheduler.watch(t('b'), 100);
    now = 100;
    await scheduler.runDue();
    expect(calls).toEqual(['expire:a', 'compact:a']);
    expect(decisions).toEqual(['db.a:maintain', 'db.b:skip']);
    now = 200;
    await scheduler.runDue();
    expect(calls).toEqual(['expire:a', 'compact:a', 'expire:a', 'compact:a']);
    // Skipping is logged once (at debug), not at every interval.
    expect(lines.filter((l) => l.includes('another worker'))).toEqual([
      'debug: maintenance: another worker of the group maintains this table',
    ]);
    // The partition moved here (the other worker stopped): b is maintained from its next interval, and said so.
    mine = new Set(['a', 'b']);
    now = 300;
    await scheduler.runDue();
    expect(calls.slice(4)).toEqual(['expire:a', 'compact:a', 'expire:b', 'compact:b']);
    expect(lines.filter((l) => l.startsWith('info: maintenance: this worker maintains'))).toHaveLength(1);
    // Not due: nothing loaded between intervals.
    const loadsBefore = loaded.length;
    now = 350;
    expect(await scheduler.runDue()).toEqual([]);
    expect(loaded.length).toBe(loadsBefore);
  });

  it('a skipped table’s commit counts start again, so a commit-bound step does not ask at every tick', async () => {
    const now = 0;
    const calls: string[] = [];
    const loaded: string[] = [];
    const compact: MaintenanceStep = { ...recordingStep('compact', calls), commitsBetweenRuns: () => 2 };
    const scheduler = new MaintenanceScheduler({
      steps: [compact],
      now: () => now,
      load: loads(loaded),
      maintainer: () => ({ kind: 'skip', reason: 'another-worker', first: FIRST }),
    });
    for (let i = 0; i < 2; i++) scheduler.watch(t('a'), 60_000);
    await scheduler.runDue();
    await scheduler.runDue();
    expect(loaded).toEqual(['db.a']);
    expect(calls).toEqual([]);
    for (let i = 0; i < 2; i++) scheduler.watch(t('a'), 60_000);
    await scheduler.runDue();
    expect(loaded).toEqual(['db.a', 'db.a']);
  });

  it('a table that cannot be loaded is maintained anyway (the steps load it themselves and fail or not)', async () => {
    let now = 0;
    const calls: string[] = [];
    const lines: string[] = [];
    const scheduler = new MaintenanceScheduler({
      steps: [recordingStep('expire', calls)],
      now: () => now,
      log: recordingLogger(lines),
      load: async () => {
        throw new Error('catalog down');
      },
      maintainer: () => ({ kind: 'skip', reason: 'another-worker', first: FIRST }),
    });
    scheduler.watch(t('a'), 10);
    now = 10;
    await scheduler.runDue();
    expect(calls).toEqual(['expire:a']);
    expect(lines).toContain('warn: maintenance: could not load the table');
  });
});

describe('MaintenanceScheduler: a decision that throws', () => {
  it('maintains the table and says why (offsets it cannot read), and the loop goes on', async () => {
    let now = 0;
    const calls: string[] = [];
    const lines: string[] = [];
    const scheduler = new MaintenanceScheduler({
      steps: [recordingStep('expire', calls)],
      now: () => now,
      log: recordingLogger(lines),
      load: loads([]),
      maintainer: () => {
        throw new Error('snapshot 1 summary floe.offsets.orders: offsets are not JSON');
      },
    });
    scheduler.watch(t('a'), 10);
    scheduler.watch(t('b'), 10);
    now = 10;
    await scheduler.runDue();
    expect(calls).toEqual(['expire:a', 'expire:b']);
    expect(lines.filter((l) => l.startsWith('warn:'))).toHaveLength(2);
  });
});

describe('MaintenanceScheduler: table health', () => {
  it('reads the health of tables with commits at most every healthIntervalMs, and after each maintenance run', async () => {
    let now = 0;
    const loaded: string[] = [];
    const reported: string[] = [];
    const scheduler = new MaintenanceScheduler({
      steps: [recordingStep('expire', [])],
      now: () => now,
      load: loads(loaded),
      health: async (table): Promise<TableHealth> => ({
        snapshots: loaded.length,
        manifests: 1,
        metadataBytes: table.metadataLocation.length,
      }),
      onHealth: (table, h) => reported.push(`${table}:${h.snapshots}`),
      healthIntervalMs: 50,
    });
    scheduler.watch(t('a'), 1_000);
    scheduler.observe(t('off')); // maintenance off for its connector: health only
    await scheduler.runDue();
    expect(reported).toEqual(['db.a:1', 'db.off:2']);
    scheduler.watch(t('a'), 1_000);
    now = 20;
    await scheduler.runDue(); // read 20 ms ago: not yet
    now = 50;
    await scheduler.runDue();
    expect(reported).toEqual(['db.a:1', 'db.off:2', 'db.a:3']);
    now = 60;
    await scheduler.runDue(); // no commit since: nothing to read
    expect(reported).toHaveLength(3);
    now = 1_000; // a's maintenance: health read after it (no maintainer: no load before)
    await scheduler.runDue();
    expect(reported).toEqual(['db.a:1', 'db.off:2', 'db.a:3', 'db.a:4']);
    expect(scheduler.watched()).toEqual(['db.a']);
    // A table observed and then committed to by a connector with maintenance on is maintained from then.
    scheduler.watch(t('off'), 10);
    expect(scheduler.watched()).toEqual(['db.a', 'db.off']);
  });
});

describe('TableLocks', () => {
  it('lets one holder at a time work on a table, others on other tables', async () => {
    const locks = new TableLocks();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = locks.withTables([t('a')], async () => {
      order.push('first starts');
      await gate;
      order.push('first ends');
    });
    const second = locks.withTables([t('b'), t('a')], async () => {
      order.push('second');
    });
    const other = locks.withTables([t('c')], async () => {
      order.push('other');
    });
    await other;
    expect(locks.busy(t('a'))).toBe(true);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'other', 'first ends', 'second']);
    expect(locks.busy(t('a'))).toBe(false);
  });

  it('releases the lock when the work throws', async () => {
    const locks = new TableLocks();
    await expect(
      locks.withTables([t('a')], async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await locks.withTables([t('a')], async () => 'next')).toBe('next');
  });
});
