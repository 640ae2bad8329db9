// Retrying a SQL catalog operation while its database is busy: locked by
// another writer (SQLite after busy_timeout, PostgreSQL lock or serialization
// failures) or not reachable before a statement ran. Nothing changed then, so
// the whole operation can run again. Reads may also be repeated after a
// connection lost mid-statement: a read changes nothing either.
import { type RetryPolicy, withRetry } from '../../io/retry.ts';
import type { Logger } from '../../log.ts';
import { sqlFailureOf } from './sql-driver.ts';

/** SQLite already waits busy_timeout per attempt; this covers a database restart or a lock storm. */
export const DEFAULT_BUSY_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 };

export interface BusyRetryOptions {
  readonly policy: RetryPolicy;
  readonly logger: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function retryWhileBusy<T>(
  options: BusyRetryOptions,
  operation: string,
  kind: 'read' | 'write',
  attempt: () => Promise<T>,
): Promise<T> {
  return withRetry(attempt, {
    policy: options.policy,
    isRetryable: (error) => {
      const failure = sqlFailureOf(error);
      return failure === 'busy' || (kind === 'read' && failure === 'outcome-unknown');
    },
    onRetry: (err, retry, delayMs) =>
      options.logger.warn('SQL catalog database busy or unreachable; retrying', {
        err,
        operation,
        attempt: retry,
        delayMs,
      }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}
