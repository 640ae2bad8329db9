import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log.ts';
import { PausedTime } from '../../../src/worker/kafka/paused-time.ts';
import { StageClock } from '../../../src/worker/stage-clock.ts';
import { noMetrics, type WorkerMetrics } from '../../../src/worker/worker-metrics.ts';

function recorder() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const log: Logger = {
    debug: (message, fields) => void lines.push({ level: 'debug', message, ...(fields ? { fields } : {}) }),
    info: () => {},
    warn: (message, fields) => void lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: () => {},
    child: () => log,
  };
  const seconds = new Map<string, number>();
  const metrics: WorkerMetrics = {
    ...noMetrics,
    stageSeconds: (stage, s) => void seconds.set(stage, (seconds.get(stage) ?? 0) + s),
  };
  return { lines, log, metrics, seconds };
}

describe('StageClock', () => {
  it('counts timed work, counters and summaries per stage; a long wait is a warning naming the stage', async () => {
    let now = 0;
    let encoderWait = 0;
    const { lines, log, metrics, seconds } = recorder();
    const clock = new StageClock({
      log,
      metrics,
      counters: [{ stage: 'encode-queue', seconds: () => encoderWait }],
      reportEveryMs: 10_000,
      slowMs: 5_000,
      now: () => now,
    });
    await clock.time('fetch', async () => {
      now += 200;
    });
    await clock.time('lag', async () => {
      now += 32_000;
    });
    encoderWait = 1.5;
    clock.tick();
    expect(seconds.get('fetch')).toBeCloseTo(0.2);
    expect(seconds.get('lag')).toBeCloseTo(32);
    expect(seconds.get('encode-queue')).toBeCloseTo(1.5);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => w.fields?.stage)).toEqual(['lag']);
    expect(warnings[0]!.message).toContain('32.0 s in stage lag');
    const summary = lines.find((l) => l.level === 'debug');
    expect(summary?.fields?.stages).toEqual({ fetch: 0.2, lag: 32, 'encode-queue': 1.5 });

    // Only growth is counted; the next window starts empty.
    encoderWait = 2;
    now += 10_000;
    clock.tick();
    expect(seconds.get('encode-queue')).toBeCloseTo(2);
    expect(lines.filter((l) => l.level === 'debug').at(-1)?.fields?.stages).toEqual({ 'encode-queue': 0.5 });
  });

  it('times work that throws', async () => {
    let now = 0;
    const { log, metrics, seconds } = recorder();
    const clock = new StageClock({ log, metrics, now: () => now });
    await expect(
      clock.time('commit', async () => {
        now += 700;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seconds.get('commit')).toBeCloseTo(0.7);
  });
});

describe('PausedTime', () => {
  it('counts time with at least one partition paused, once however many', () => {
    let now = 0;
    const paused = new PausedTime(() => now);
    paused.pause([{ topic: 't', partition: 0 }]);
    now = 1000;
    paused.pause([{ topic: 't', partition: 1 }]);
    now = 2000;
    expect(paused.seconds()).toBe(2);
    paused.resume([{ topic: 't', partition: 0 }]);
    now = 3000;
    paused.resume([{ topic: 't', partition: 1 }]);
    now = 10_000;
    expect(paused.seconds()).toBe(3);
    paused.resume([{ topic: 't', partition: 1 }]);
    expect(paused.seconds()).toBe(3);
  });
});
