// The dead-letter queue delivers at least once (a fenced, failed or crashed batch
// is read again and its dead letters sent again), so every dead letter names its
// source record in `floe.error.id`, the same on every send, for consumers to dedupe.
import { describe, expect, it } from 'vitest';
import { RecordError } from '../../../src/errors.ts';
import {
  type DeadLetter,
  DeadLetterQueue,
  type DeadLetterSender,
  deadLetterId,
} from '../../../src/worker/dead-letter-queue.ts';

type Sent = Parameters<DeadLetterSender['send']>[1][number];

class RecordingSender implements DeadLetterSender {
  readonly sent: Array<{ topic: string } & Sent> = [];
  async send(topic: string, records: Sent[]): Promise<void> {
    for (const record of records) this.sent.push({ topic, ...record });
  }
}

const bad = (partition: number, offset: bigint, key: string | null = `k${offset}`): DeadLetter => ({
  topic: 'orders',
  partition,
  offset,
  timestampMs: 1_700_000_000_000,
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from([0xde, 0xad]),
  headers: [['trace', Buffer.from('t1')]],
});

const malformed = (record: DeadLetter) =>
  new RecordError(`cannot decode orders[${record.partition}]@${record.offset}`, {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset.toString(),
    reason: 'malformed',
  });

const header = (record: Sent, name: string) =>
  record.headers.filter(([n]) => n === name).map(([, value]) => value.toString());

describe('DeadLetterQueue identity', () => {
  it('gives the same bad record the same floe.error.id, key and value when its batch is read again', async () => {
    const sender = new RecordingSender();
    const dlq = new DeadLetterQueue(sender, 'orders-dlq', 'orders');
    // First pass: the dead letters are flushed, then the Iceberg commit is fenced.
    for (const record of [bad(0, 41n), bad(0, 42n)]) dlq.add(record, malformed(record));
    await dlq.flush();
    // The batch is read again from the table's offsets: 42 fails again.
    const again = bad(0, 42n);
    dlq.add(again, malformed(again));
    await dlq.flush();
    // A restarted worker (a new queue) reads it once more.
    const restarted = new DeadLetterQueue(sender, 'orders-dlq', 'orders');
    restarted.add(again, malformed(again));
    await restarted.flush();

    const ids = sender.sent.map((r) => header(r, 'floe.error.id'));
    expect(ids).toEqual([
      ['orders/orders/0/41'],
      ['orders/orders/0/42'],
      ['orders/orders/0/42'],
      ['orders/orders/0/42'],
    ]);
    const [, first, second, third] = sender.sent;
    for (const repeat of [second!, third!]) {
      expect(repeat.topic).toBe('orders-dlq');
      expect(repeat.key).toEqual(first!.key); // the original key: same DLQ partition every time
      expect(repeat.value).toEqual(first!.value);
      expect(repeat.headers).toEqual(first!.headers);
    }
  });

  it('tells records apart by connector, topic, partition and offset', () => {
    const ids = new Set([
      deadLetterId('orders', { topic: 'orders', partition: 0, offset: 42n }),
      deadLetterId('orders', { topic: 'orders', partition: 1, offset: 42n }),
      deadLetterId('orders', { topic: 'orders', partition: 0, offset: 43n }),
      deadLetterId('orders', { topic: 'orders.v2', partition: 0, offset: 42n }),
      deadLetterId('refunds', { topic: 'orders', partition: 0, offset: 42n }),
    ]);
    expect(ids.size).toBe(5);
    expect(deadLetterId('c', { topic: 't', partition: 3, offset: 2n ** 63n - 1n })).toBe(
      `c/t/3/${2n ** 63n - 1n}`,
    );
  });

  it('keeps the original headers and key (null stays null), then its own headers', async () => {
    const sender = new RecordingSender();
    const dlq = new DeadLetterQueue(sender, 'orders-dlq', 'orders');
    const record = bad(2, 7n, null);
    dlq.add(record, malformed(record));
    await dlq.flush();
    const [sent] = sender.sent;
    expect(sent!.key).toBeNull();
    expect(sent!.headers.map(([name]) => name)).toEqual([
      'trace',
      'floe.error.id',
      'floe.error.reason',
      'floe.error.message',
      'floe.error.class',
      'floe.error.connector',
      'floe.error.topic',
      'floe.error.partition',
      'floe.error.offset',
      'floe.error.timestamp',
    ]);
    expect(header(sent!, 'floe.error.reason')).toEqual(['malformed']);
  });
});
