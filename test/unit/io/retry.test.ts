import { describe, expect, it } from 'vitest';
import { backoffDelayMs, type RetryPolicy, withRetry } from '../../../src/io/retry.ts';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

class Transient extends Error {}

describe('backoffDelayMs', () => {
  it('draws uniformly below an exponentially growing, capped ceiling (full jitter)', () => {
    const almostOne = () => 0.999999;
    expect(backoffDelayMs(0, policy, almostOne)).toBe(99);
    expect(backoffDelayMs(1, policy, almostOne)).toBe(199);
    expect(backoffDelayMs(3, policy, almostOne)).toBe(799);
    expect(backoffDelayMs(4, policy, almostOne)).toBe(999);
    expect(backoffDelayMs(30, policy, almostOne)).toBe(999);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(400);
  });
});

describe('withRetry', () => {
  it('retries retryable failures and returns the first success', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 2) throw new Transient(`try ${attempt}`);
        return 'ok';
      },
      {
        policy,
        isRetryable: (e) => e instanceof Transient,
        sleep: async (ms) => void waits.push(ms),
        random: () => 0.5,
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([50, 100]);
  });

  it('gives up after maxAttempts and rethrows the last error unchanged', async () => {
    let calls = 0;
    const failing = withRetry(
      async (attempt) => {
        calls++;
        throw new Transient(`try ${attempt}`);
      },
      { policy, isRetryable: () => true, sleep: async () => undefined },
    );
    await expect(failing).rejects.toThrow('try 3');
    expect(calls).toBe(4);
  });

  it('does not retry a failure that is not retryable', async () => {
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls++;
        throw new Error('fatal');
      },
      { policy, isRetryable: (e) => e instanceof Transient, sleep: async () => undefined },
    );
    await expect(failing).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });
});
