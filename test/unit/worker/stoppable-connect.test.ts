// The Kafka adapter's connect against a broker that does not answer
// (127.0.0.1:1, nothing listens): a stop ends it early, as KafkaConnectStopped,
// with the client disconnected; without a stop it fails at its timeout as
// before. And the client's error events, hundreds a second then, are logged once
// per text with a count (docs/operations.md, "Logs").
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log.ts';
import { KafkaConsumerClient } from '../../../src/worker/kafka/consumer-client.ts';
import { KafkaProducerClient } from '../../../src/worker/kafka/producer-client.ts';
import { forwardClientLogs } from '../../../src/worker/kafka/sdk-helpers.ts';
import {
  CONNECT_STEP_MS,
  connectStoppably,
  KafkaConnectStopped,
  MAX_CONNECT_STEP_MS,
} from '../../../src/worker/kafka/stoppable-connect.ts';
import type { KafkaClientConfig } from '../../../src/worker/kafka-types.ts';

const UNREACHABLE: KafkaClientConfig = { bootstrapServers: '127.0.0.1:1', groupId: 'floe-test' };
const handler = { onAssigned: async () => new Map(), onRevoked: async () => {} };

function recordingLog(): { log: Logger; warnings: { message: string; fields: Record<string, unknown> }[] } {
  const warnings: { message: string; fields: Record<string, unknown> }[] = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message, fields = {}) => void warnings.push({ message, fields }),
    error: () => {},
    child: () => log,
  };
  return { log, warnings };
}

/** Settles `promise`, saying how it ended and after how many ms. */
async function timed(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

describe('connect to an unreachable broker', () => {
  it('ends when the worker stops, long before its timeout, as KafkaConnectStopped', async () => {
    const stop = new AbortController();
    const consumer = KafkaConsumerClient.create(UNREACHABLE, handler, {
      stop: stop.signal,
      timeoutMs: 60_000,
    });
    setTimeout(() => stop.abort(), 1_000);
    const { error, ms } = await timed(consumer.connect());
    expect(error).toBeInstanceOf(KafkaConnectStopped);
    expect((error as Error).message).toBe('Kafka consumer connect stopped: the worker is stopping');
    // The 60 s timeout would have run on (before: the connect ignored the stop).
    expect(ms).toBeLessThan(30_000);
    await consumer.disconnect(); // nothing left to close
  });

  it('the dead-letter producer too', async () => {
    const stop = new AbortController();
    const producer = KafkaProducerClient.create(UNREACHABLE, { stop: stop.signal, timeoutMs: 60_000 });
    setTimeout(() => stop.abort(), 500);
    const { error, ms } = await timed(producer.connect());
    expect(error).toBeInstanceOf(KafkaConnectStopped);
    expect(ms).toBeLessThan(30_000);
  });

  it('a stop already given: no client is connected at all', async () => {
    const stop = new AbortController();
    stop.abort();
    const consumer = KafkaConsumerClient.create(UNREACHABLE, handler, { stop: stop.signal });
    expect((await timed(consumer.connect())).error).toBeInstanceOf(KafkaConnectStopped);
  });

  it('without a stop, fails at its timeout with the broker error, as before', async () => {
    const consumer = KafkaConsumerClient.create(UNREACHABLE, handler, { timeoutMs: 1_200 });
    const { error, ms } = await timed(consumer.connect());
    expect(error).not.toBeInstanceOf(KafkaConnectStopped);
    expect((error as Error).message).toMatch(/^Kafka consumer connect failed: /);
    expect(ms).toBeGreaterThanOrEqual(1_100); // asked again in steps until the timeout
  });
});

describe('forwardClientLogs', () => {
  it('logs a burst of identical client errors once, then one line with the count', () => {
    const { log, warnings } = recordingLog();
    const client = new EventEmitter();
    const errors = forwardClientLogs(client as unknown as Parameters<typeof forwardClientLogs>[0], log);
    for (let i = 0; i < 584; i++)
      client.emit('event.error', { code: -187, message: 'all broker connections are down' });
    client.emit('event.error', { code: -195, message: 'broker transport failure' });
    expect(warnings).toEqual([
      { message: 'Kafka client error: all broker connections are down', fields: { code: -187 } },
      { message: 'Kafka client error: broker transport failure', fields: { code: -195 } },
    ]);
    errors.close(); // the client disconnected
    expect(warnings.slice(2)).toEqual([
      {
        message: expect.stringMatching(
          /^Kafka client error: all broker connections are down \(583 more in [\d.]+ s\)$/,
        ),
        fields: { code: -187, repeated: 583 },
      },
    ]);
  });
});

/**
 * A client whose connect() asks this.getMetadata, as the binding's does, of a
 * broker that answers metadata only to a request allowed `answerMs` or more.
 */
function slowBroker(answerMs: number) {
  const asked: number[] = [];
  const client = {
    getMetadata(options: { timeout: number }, cb: (err: unknown, data?: unknown) => void) {
      asked.push(options.timeout);
      if (options.timeout >= answerMs) setTimeout(() => cb(null, { brokers: [] }), 1);
      else setTimeout(() => cb({ code: -185, message: 'Local: Timed out' }), 1);
    },
    connect(options: unknown, cb: (err: unknown, data?: unknown) => void) {
      (this as unknown as { getMetadata: typeof client.getMetadata }).getMetadata(
        options as { timeout: number },
        cb,
      );
    },
  };
  return { client, asked };
}

describe('connect to a broker that answers slowly', () => {
  it('asks again with twice the time after a timeout, so an answer slower than a step gets through', async () => {
    const { client, asked } = slowBroker(1_500);
    await connectStoppably(client as never, { timeoutMs: 30_000, operation: 'consumer connect' });
    expect(asked).toEqual([CONNECT_STEP_MS, 2 * CONNECT_STEP_MS, 4 * CONNECT_STEP_MS]);
  });

  it(`never waits longer than ${MAX_CONNECT_STEP_MS} ms in one step (how late a stop is seen)`, async () => {
    const { client, asked } = slowBroker(Number.POSITIVE_INFINITY);
    const { error } = await timed(
      connectStoppably(client as never, { timeoutMs: 300, operation: 'consumer connect', stepMs: 1 }),
    );
    expect(String((error as Error).message)).toMatch(/Timed out/);
    expect(Math.max(...asked)).toBeLessThanOrEqual(MAX_CONNECT_STEP_MS);
    expect(asked.slice(0, 4)).toEqual([1, 2, 4, 8]);
  });
});
