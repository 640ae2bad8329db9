// `floe backfill`'s arguments and offset plan against a fake broker: the
// tables' offsets win over --from, --from applies only to partitions the tables
// have never seen, ends are captured from the log end or --until.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/errors.ts';
import { silentLogger } from '../../../../src/log.ts';
import { parseBackfillFrom, parseBackfillUntil } from '../../../../src/worker/backfill/backfill-bounds.ts';
import { type PlanArgs, planBackfill } from '../../../../src/worker/backfill/backfill-plan.ts';
import { BackfillProgress } from '../../../../src/worker/backfill/backfill-progress.ts';
import type { KafkaAdminApi } from '../../../../src/worker/kafka-types.ts';

/** Partition p holds offsets low..high-1; the record at offset o has timestamp 1000 * o * (p + 1). */
function fakeAdmin(marks: Array<{ low: bigint; high: bigint }>): KafkaAdminApi {
  const at = (partition: number, ts: number) => {
    const { low, high } = marks[partition]!;
    const first = BigInt(Math.ceil(ts / (1000 * (partition + 1))));
    return first < low ? low : first > high ? high : first;
  };
  return {
    connect: async () => {},
    createTopic: async () => {},
    deleteTopic: async () => {},
    listTopics: async () => ['t'],
    disconnect: async () => {},
    fetchTopicOffsets: async () => marks.map((m, partition) => ({ partition, ...m })),
    offsetsForTimes: async (_topic, ts) =>
      marks.map((_, partition) => ({ partition, offset: at(partition, ts) })),
  };
}

function args(overrides: Partial<PlanArgs>, recorded: Record<number, bigint> = {}): PlanArgs {
  return {
    topics: ['t'],
    admin: fakeAdmin([
      { low: 0n, high: 100n },
      { low: 10n, high: 50n },
      { low: 0n, high: 0n },
    ]),
    from: { kind: 'earliest' },
    until: { kind: 'now' },
    resume: async (tps) => new Map(tps.map((tp) => [`${tp.topic}:${tp.partition}`, recorded[tp.partition]])),
    log: silentLogger,
    ...overrides,
  };
}

const ranges = (plan: Awaited<ReturnType<typeof planBackfill>>) =>
  plan.partitions.map((p) => [p.partition, p.start, p.end, p.origin]);

describe('backfill arguments', () => {
  it('parses earliest, timestamps with a zone, and partition offsets', () => {
    expect(parseBackfillFrom('earliest')).toEqual({ kind: 'earliest' });
    expect(parseBackfillFrom('2024-05-01T12:00:00Z')).toMatchObject({
      timestampMs: Date.UTC(2024, 4, 1, 12),
    });
    expect(parseBackfillFrom('2024-05-01T12:00:00+02:00')).toMatchObject({
      timestampMs: Date.UTC(2024, 4, 1, 10),
    });
    expect(parseBackfillFrom('2024-05-01')).toMatchObject({ timestampMs: Date.UTC(2024, 4, 1) });
    expect(parseBackfillFrom('0=100, orders:1=250')).toEqual({
      kind: 'offsets',
      starts: [
        { partition: 0, offset: 100n },
        { topic: 'orders', partition: 1, offset: 250n },
      ],
    });
    expect(parseBackfillUntil('now')).toEqual({ kind: 'now' });
  });

  it('rejects timestamps without a zone, bad offsets and repeated partitions', () => {
    expect(() => parseBackfillFrom('2024-05-01T12:00:00')).toThrow(/with a zone/);
    expect(() => parseBackfillUntil('yesterday')).toThrow(ValidationError);
    expect(() => parseBackfillFrom('0=1,x')).toThrow(/'x' is not earliest/);
    expect(() => parseBackfillFrom('0=1,0=2')).toThrow(/given twice/);
  });
});

describe('backfill plan', () => {
  it('reads from the log start to the end captured now', async () => {
    const plan = await planBackfill(args({}));
    expect(ranges(plan)).toEqual([
      [0, 0n, 100n, 'from'],
      [1, 10n, 50n, 'from'],
      [2, 0n, 0n, 'from'],
    ]);
  });

  it('resumes where the tables are and leaves partitions they already hold; --from only where they saw nothing', async () => {
    const plan = await planBackfill(
      args({ from: parseBackfillFrom('1970-01-01T00:00:30Z') }, { 0: 70n, 2: 0n }),
    );
    // partition 0: table offset 70 beats --from (30); partition 1: --from, 30 s / 2 s per offset = 15.
    expect(ranges(plan)).toEqual([
      [0, 70n, 100n, 'table'],
      [1, 15n, 50n, 'from'],
    ]);
    expect(plan.done).toEqual([{ topic: 't', partition: 2, recorded: 0n, end: 0n }]);
  });

  it('stops before the first offset at or after --until', async () => {
    const plan = await planBackfill(
      args({
        from: parseBackfillFrom('1970-01-01T00:00:20Z'),
        until: parseBackfillUntil('1970-01-01T00:01:00Z'),
      }),
    );
    expect(ranges(plan)).toEqual([
      [0, 20n, 60n, 'from'],
      [1, 10n, 30n, 'from'],
      [2, 0n, 0n, 'from'],
    ]);
  });

  it('takes explicit offsets, clamped to the log start, and names what is missing or out of range', async () => {
    const plan = await planBackfill(args({ from: parseBackfillFrom('0=40,1=5,2=0') }));
    expect(ranges(plan)).toEqual([
      [0, 40n, 100n, 'from'],
      [1, 10n, 50n, 'from'],
      [2, 0n, 0n, 'from'],
    ]);
    await expect(planBackfill(args({ from: parseBackfillFrom('0=40') }))).rejects.toThrow(
      /no offset given for t\[1\], t\[2\]/,
    );
    await expect(planBackfill(args({ from: parseBackfillFrom('0=400,1=1,2=0') }))).rejects.toThrow(
      /past the end/,
    );
    await expect(
      planBackfill(args({ from: parseBackfillFrom('2024-02-01'), until: parseBackfillUntil('2024-01-01') })),
    ).rejects.toThrow(/must be later/);
  });
});

describe('backfill progress', () => {
  it('counts offsets done per topic and estimates the time left', () => {
    let now = 0;
    const progress = new BackfillProgress(
      [
        { topic: 't', partition: 0, start: 0n, end: 100n, origin: 'from' },
        { topic: 't', partition: 1, start: 10n, end: 50n, origin: 'from' },
      ],
      () => now,
    );
    for (let o = 0n; o < 35n; o++) progress.read('t', 0, o, 1000);
    progress.finished('t', 1); // e.g. a log ending in transaction markers
    now = 5000;
    const [topic] = progress.snapshot().topics;
    expect(topic).toMatchObject({
      offsetsTotal: 140,
      offsetsDone: 75,
      records: 35,
      partitionsDone: 1,
      recordsPerSecond: 7,
      megabytesPerSecond: 0.01,
      etaSeconds: 5,
    });
  });
});
