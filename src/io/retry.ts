// Retries with exponential backoff and full jitter ("Exponential Backoff And
// Jitter", AWS Architecture Blog): the n-th wait is uniform in
// [0, min(maxDelayMs, baseDelayMs * 2^n)], which spreads a thundering herd of
// workers that all hit the same throttled prefix at once.

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retrying. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 10_000 };

export interface RetryOptions {
  readonly policy?: RetryPolicy;
  /** Whether the failure may go away by trying again; anything else is rethrown at once. */
  readonly isRetryable: (error: unknown) => boolean;
  /** Called before each wait; for logging and metrics. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injected so tests can pin the jitter. */
  readonly random?: () => number;
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Full-jitter delay before retry number `retry` (0 for the first retry). */
export function backoffDelayMs(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, or the
 * attempts are used up; the last error is rethrown unchanged. `operation`
 * receives the 0-based attempt number.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const sleep = options.sleep ?? sleepMs;
  const attempts = Math.max(1, Math.floor(policy.maxAttempts));
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt + 1 >= attempts || !options.isRetryable(error)) throw error;
      const delayMs = backoffDelayMs(attempt, policy, options.random);
      options.onRetry?.(error, attempt + 1, delayMs);
      await sleep(delayMs);
    }
  }
}
