// The maintenance scheduler (injected clock) and the per-table locks it shares
// with the commit path.
import { describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../../src/catalog/catalog.ts';
import {
  MaintenanceScheduler,
  type MaintenanceStep,
} from '../../../src/maintenance/maintenance-scheduler.ts';
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
