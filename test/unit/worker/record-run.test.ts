// One run of records handed to its writer (src/worker/record-run.ts): what the
// error policy decides per refused record, what an error of another kind does,
// and what the run's tally says in each case.
import { describe, expect, it } from 'vitest';
import { FloeError, RecordError, ValidationError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log.ts';
import type { ErrorPolicy } from '../../../src/worker/connector-settings.ts';
import type { DeadLetterQueue } from '../../../src/worker/dead-letter-queue.ts';
import type { KafkaRecord } from '../../../src/worker/kafka-types.ts';
import { RecordErrorPolicy } from '../../../src/worker/record-error-policy.ts';
import { logWentBack, type RunTaker, takeRecords } from '../../../src/worker/record-run.ts';
import { RunTally } from '../../../src/worker/run-tally.ts';
import { noMetrics } from '../../../src/worker/worker-metrics.ts';

function records(count: number, firstOffset = 100n): KafkaRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 't',
    partition: 2,
    offset: firstOffset + BigInt(i),
    timestampMs: 0,
    key: null,
    value: Buffer.from(`v${i}`),
    headers: [],
    sizeBytes: 10 + i,
  }));
}

/** A writer that takes every record, except what `refuse` throws for (by offset). */
function writer(
  refuse: (offset: bigint) => Error | undefined,
  async = false,
): RunTaker & { taken: bigint[] } {
  const taken: bigint[] = [];
  const take = (record: KafkaRecord) => {
    const error = refuse(record.offset);
    if (error !== undefined) throw error;
    taken.push(record.offset);
  };
  return {
    taken,
    take: (record) => {
      if (async) return Promise.resolve().then(() => take(record));
      take(record);
      return undefined;
    },
  };
}

function policy(kind: ErrorPolicy['kind']): RecordErrorPolicy {
  const dlq =
    kind === 'dlq'
      ? {
          topic: 'dead',
          add: () => undefined,
          take: () => ({ send: () => Promise.resolve() }),
          discard: () => {},
        }
      : undefined;
  return new RecordErrorPolicy({
    connector: 'c',
    policy: kind === 'dlq' ? { kind, topic: 'dead' } : { kind },
    // The policy only calls add() of its queue.
    dlq: dlq as unknown as DeadLetterQueue | undefined,
    log: silentLogger,
    metrics: noMetrics,
  });
}

const bad = (at: bigint, error: () => Error) => (offset: bigint) => (offset === at ? error() : undefined);

describe('takeRecords', () => {
  it('hands every record of [start, end) over, in order, and counts each', async () => {
    for (const async of [false, true]) {
      const all = records(6);
      const w = writer(() => undefined, async);
      const run = new RunTally();
      await takeRecords(all, 1, 5, w, policy('fail'), run);
      expect(w.taken).toEqual([101n, 102n, 103n, 104n]);
      expect(run).toMatchObject({ consumed: 4, handled: 4, last: 104n, bytes: 11 + 12 + 13 + 14 });
      expect(run.consumedBytes).toBe(run.bytes);
    }
  });

  it('skips or dead-letters a refused record and goes on: it counts as handled', async () => {
    for (const kind of ['skip', 'dlq'] as const) {
      for (const error of [() => new RecordError('bad', {}), () => new ValidationError('incompatible')]) {
        const w = writer(bad(102n, error));
        const run = new RunTally();
        const errors = policy(kind);
        await takeRecords(records(4), 0, 4, w, errors, run);
        expect(w.taken).toEqual([100n, 101n, 103n]);
        expect(run).toMatchObject({ consumed: 4, handled: 4, last: 103n });
        expect(errors.failure).toBeUndefined();
      }
    }
  });

  it('stops before a record that hits the fail policy: the run ends at the record before it', async () => {
    for (const async of [false, true]) {
      const w = writer(
        bad(102n, () => new RecordError('bad', {})),
        async,
      );
      const run = new RunTally();
      const errors = policy('fail');
      await takeRecords(records(4), 0, 4, w, errors, run);
      expect(w.taken).toEqual([100n, 101n]);
      expect(run).toMatchObject({ consumed: 3, handled: 2, last: 101n, bytes: 10 + 11 });
      expect(errors.failure?.message).toContain('bad');
    }
  });

  it('throws an error that is not the record’s own, with the tally at the records before it', async () => {
    for (const async of [false, true]) {
      const w = writer(
        bad(101n, () => new FloeError('storage down', {})),
        async,
      );
      const run = new RunTally();
      const errors = policy('skip');
      await expect(takeRecords(records(4), 0, 4, w, errors, run)).rejects.toThrow('storage down');
      expect(run).toMatchObject({ consumed: 2, handled: 1, last: 100n });
      expect(errors.failure).toBeUndefined();
    }
  });

  it('leaves the tally untouched for an empty range', async () => {
    const run = new RunTally();
    await takeRecords(
      records(3),
      2,
      2,
      writer(() => undefined),
      policy('fail'),
      run,
    );
    expect(run).toMatchObject({ consumed: 0, handled: 0, last: -1n });
  });
});

describe('logWentBack', () => {
  it('names the partition, both offsets and the connector', () => {
    const error = logWentBack('orders', 't', 3, 5n, 9n);
    expect(error.message).toMatch(/^t\[3\]: the broker delivered offset 5 below 9, where connector orders/);
    expect(error.context).toEqual({ topic: 't', partition: 3, offset: '5', connector: 'orders' });
  });
});
