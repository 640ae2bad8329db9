import { describe, expect, it } from 'vitest';
import { dutyCycle } from '../../../src/maintenance/duty-cycle.ts';

/** A clock the test moves, and the sleeps asked for (each moves the clock). */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    work: (ms: number) => {
      t += ms;
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe('dutyCycle', () => {
  it('does not sleep within a slice', async () => {
    const time = fakeTime();
    const pace = dutyCycle({ share: 0.5, sliceMs: 50, ...time });
    for (let i = 0; i < 4; i++) {
      time.work(10);
      await pace();
    }
    expect(time.sleeps).toEqual([]);
  });

  it('after a slice, rests so that work is the share of the time', async () => {
    const time = fakeTime();
    const pace = dutyCycle({ share: 0.25, sliceMs: 50, ...time });
    time.work(60);
    await pace();
    expect(time.sleeps).toEqual([180]);
    // the rest does not count as the next slice's work
    time.work(20);
    await pace();
    expect(time.sleeps).toEqual([180]);
    time.work(40);
    await pace();
    expect(time.sleeps).toEqual([180, 180]);
  });

  it('over many slices the loop works its share of the wall time', async () => {
    const time = fakeTime();
    const pace = dutyCycle({ share: 0.5, sliceMs: 50, ...time });
    let worked = 0;
    for (let i = 0; i < 1000; i++) {
      const ms = 1 + ((i * 7919) % 13);
      time.work(ms);
      worked += ms;
      await pace();
    }
    expect(worked / time.now()).toBeGreaterThan(0.49);
    expect(worked / time.now()).toBeLessThan(0.51);
  });

  it('share 1 never sleeps; a share outside (0, 1] is refused', async () => {
    const time = fakeTime();
    const pace = dutyCycle({ share: 1, sliceMs: 50, ...time });
    time.work(500);
    await pace();
    expect(time.sleeps).toEqual([]);
    expect(() => dutyCycle({ share: 0 })).toThrow('not in (0, 1]');
    expect(() => dutyCycle({ share: 1.5 })).toThrow('not in (0, 1]');
  });
});
