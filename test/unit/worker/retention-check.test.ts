// RetentionCheck tells a retention loss from a hole in the offsets, case by case.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { RetentionCheck } from '../../../src/worker/retention-check.ts';
import { noMetrics, type WorkerMetrics } from '../../../src/worker/worker-metrics.ts';

const tp = { topic: 't', partition: 0 };

function check(low: () => Promise<bigint>, metrics: WorkerMetrics = noMetrics): RetentionCheck {
  const c = new RetentionCheck('c', silentLogger, metrics);
  c.use(() => low());
  return c;
}

describe('RetentionCheck', () => {
  it('sees no loss without a jump, or on first contact', async () => {
    const c = check(async () => 1000n);
    expect(await c.lost(tp, 10n, 10n)).toBeUndefined();
    expect(await c.lost(tp, undefined, 500n)).toBeUndefined();
  });

  it('takes a jump over offsets the log still starts below as a hole', async () => {
    expect(await check(async () => 5n).lost(tp, 10n, 20n)).toBeUndefined();
    expect(await check(async () => 10n).lost(tp, 10n, 20n)).toBeUndefined();
  });

  it('counts the whole jump as lost when the log start moved past the position, and meters it', async () => {
    let metered = 0;
    const metrics = {
      ...noMetrics,
      offsetsLostToRetention: (_c: string, _t: string, _p: number, n: number) => {
        metered += n;
      },
    };
    expect(await check(async () => 15n, metrics).lost(tp, 10n, 20n)).toEqual({ from: 10n, to: 20n });
    expect(metered).toBe(10);
  });

  it('asks again when the broker does not answer', async () => {
    let calls = 0;
    const flaky = check(async () => {
      if (++calls < 3) throw new Error('timed out');
      return 15n;
    });
    expect(await flaky.lost(tp, 10n, 20n)).toEqual({ from: 10n, to: 20n });
    expect(calls).toBe(3);
  });

  it('without a way to ask (no consumer yet) sees no loss', async () => {
    expect(await new RetentionCheck('c', silentLogger, noMetrics).lost(tp, 10n, 20n)).toBeUndefined();
  });
});
