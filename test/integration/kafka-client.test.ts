// The Kafka adapter on the real broker: batch delivery in offset order, start
// offsets from onAssigned, cooperative hand-over that waits for onRevoked,
// pause/resume, seek, headers, watermarks and offsets by time.
import { setTimeout as delay } from 'node:timers/promises';
import { RdKafka } from '@confluentinc/kafka-javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAdminClient } from '../../src/worker/kafka/admin-client.ts';
import { KafkaConsumerClient } from '../../src/worker/kafka/consumer-client.ts';
import { hasPackedConsume } from '../../src/worker/kafka/packed-consume.ts';
import { KafkaProducerClient } from '../../src/worker/kafka/producer-client.ts';
import { partitionKey } from '../../src/worker/kafka/sdk-helpers.ts';
import type {
  KafkaClientConfig,
  KafkaRecord,
  RebalanceHandler,
  StartOffsets,
  TopicPartition,
} from '../../src/worker/kafka-types.ts';
import { services, uniqueName } from '../support/services.ts';

const PARTITIONS = 4;
const config = (groupId = uniqueName('g'), properties: Record<string, string> = {}): KafkaClientConfig => ({
  bootstrapServers: services.kafkaBrokers,
  groupId,
  clientId: 'floe-test',
  properties,
});

const admin = KafkaAdminClient.create(config());
const producer = KafkaProducerClient.create(config());
const topics: string[] = [];

async function newTopic(prefix: string, partitions = PARTITIONS): Promise<string> {
  const topic = uniqueName(prefix);
  await admin.createTopic(topic, partitions);
  topics.push(topic);
  return topic;
}

/** `count` records per partition, values `${partition}:${seq}` with seq from `from`. */
async function produce(topic: string, count: number, from = 0, partitions = PARTITIONS): Promise<void> {
  const records = [];
  for (let seq = from; seq < from + count; seq++) {
    for (let partition = 0; partition < partitions; partition++) {
      records.push({ key: Buffer.from(`k${seq}`), value: Buffer.from(`${partition}:${seq}`), partition });
    }
  }
  await producer.send(topic, records);
}

/** A handler that logs every call into `log` and starts every partition at `starts` (else the group offset). */
function recordingHandler(
  name: string,
  log: string[],
  starts: StartOffsets = new Map(),
  onRevoked: (tps: readonly TopicPartition[]) => Promise<void> = async () => {},
): RebalanceHandler & { revoked: TopicPartition[] } {
  const revoked: TopicPartition[] = [];
  return {
    revoked,
    async onAssigned(tps) {
      log.push(`${name} assigned ${tps.map(partitionKey).sort().join(' ')}`);
      return starts;
    },
    async onRevoked(tps) {
      log.push(`${name} revoke-start ${tps.map(partitionKey).sort().join(' ')}`);
      revoked.push(...tps);
      await onRevoked(tps);
      log.push(`${name} revoke-end ${tps.map(partitionKey).sort().join(' ')}`);
    },
  };
}

/** Polls until `done(all records so far)` holds; fails naming what arrived when the deadline passes. */
async function pollUntil(
  consumer: KafkaConsumerClient,
  done: (records: KafkaRecord[]) => boolean,
  options: { deadlineMs?: number; sink?: KafkaRecord[]; batches?: number[] } = {},
): Promise<KafkaRecord[]> {
  const records = options.sink ?? [];
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  while (!done(records)) {
    if (Date.now() > deadline) throw new Error(`gave up after ${records.length} records`);
    const batch = await consumer.poll(1000, 200);
    options.batches?.push(batch.length);
    records.push(...batch);
  }
  return records;
}

function offsetsByPartition(records: readonly KafkaRecord[]): Map<number, bigint[]> {
  const out = new Map<number, bigint[]>();
  for (const r of records) {
    const list = out.get(r.partition) ?? [];
    list.push(r.offset);
    out.set(r.partition, list);
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => BigInt(from + i));

describe('Kafka client on the real broker', () => {
  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    for (const topic of topics) await admin.deleteTopic(topic).catch(() => undefined);
    await admin.disconnect();
  });

  it('delivers every record of a 4-partition topic exactly once, in offset order, in batches; disconnect revokes all', async () => {
    const topic = await newTopic('kc_order');
    await produce(topic, 1000);
    const log: string[] = [];
    const handler = recordingHandler('A', log);
    const consumer = KafkaConsumerClient.create(config(), handler);
    await consumer.connect();
    await consumer.subscribe([topic]);

    const batches: number[] = [];
    const records = await pollUntil(consumer, (r) => r.length >= 4000, { batches });
    // nothing beyond the 4000 produced arrives
    for (let i = 0; i < 3; i++) records.push(...(await consumer.poll(1000, 100)));

    expect(log[0]).toBe(`A assigned ${[0, 1, 2, 3].map((p) => `${topic}:${p}`).join(' ')}`);
    expect(records).toHaveLength(4000);
    for (const [partition, offsets] of offsetsByPartition(records)) {
      expect(offsets, `partition ${partition}`).toEqual(range(0, 1000));
    }
    for (const r of records) {
      expect(r.topic).toBe(topic);
      expect(r.value?.toString()).toBe(`${r.partition}:${r.offset}`);
      expect(r.key?.toString()).toBe(`k${r.offset}`);
      expect(r.sizeBytes).toBe(r.value!.length + r.key!.length);
    }
    expect(Math.max(...batches)).toBeGreaterThan(100);
    expect(consumer.assignment()).toHaveLength(PARTITIONS);

    await consumer.disconnect();
    expect(handler.revoked.map(partitionKey).sort()).toEqual([0, 1, 2, 3].map((p) => `${topic}:${p}`));
    expect(log.at(-1)).toMatch(/^A revoke-end /);
  });

  it('starts newly assigned partitions at the offsets onAssigned returns, then seeks', async () => {
    const topic = await newTopic('kc_starts');
    await produce(topic, 10);
    const starts = new Map<string, bigint | undefined>([
      [`${topic}:0`, 7n],
      [`${topic}:1`, 3n],
      [`${topic}:2`, undefined], // group offset: none yet, so auto.offset.reset=earliest
      [`${topic}:3`, 10n], // the end: only records produced later
    ]);
    const consumer = KafkaConsumerClient.create(config(), recordingHandler('A', [], starts));
    await consumer.connect();
    await consumer.subscribe([topic]);
    const records = await pollUntil(consumer, (r) => r.length >= 3 + 7 + 10);
    await produce(topic, 1, 10);
    await pollUntil(consumer, (r) => r.length >= 20 + 4, { sink: records });

    const byPartition = offsetsByPartition(records);
    expect(byPartition.get(0)).toEqual([...range(7, 10), 10n]);
    expect(byPartition.get(1)).toEqual([...range(3, 10), 10n]);
    expect(byPartition.get(2)).toEqual([...range(0, 10), 10n]);
    expect(byPartition.get(3)).toEqual([10n]);

    await consumer.seek({ topic, partition: 1 }, 4n);
    const again = await pollUntil(consumer, (r) => r.length >= 7);
    expect(again.map((r) => `${r.partition}@${r.offset}`)).toEqual(range(4, 11).map((o) => `1@${o}`));
    await expect(consumer.seek({ topic: 'not-mine', partition: 0 }, 0n)).rejects.toThrow(/not assigned/);
    await consumer.disconnect();
  });

  it('hands partitions to a joining member only after onRevoked resolved, starting at the offsets committed there', async () => {
    const topic = await newTopic('kc_rebalance');
    const group = uniqueName('g_rebalance');
    const log: string[] = [];
    const seen = new Map<string, string>(); // `${partition}@${offset}` -> consumer
    const duplicates: string[] = [];
    const next = new Map<string, bigint>(); // A's next offset per partition
    let bPolls = 0;
    let firstRevoke = true;

    const deliver = (name: string, records: readonly KafkaRecord[]) => {
      for (const r of records) {
        const id = `${r.partition}@${r.offset}`;
        if (seen.has(id)) duplicates.push(`${id} by ${seen.get(id)} and ${name}`);
        seen.set(id, name);
        log.push(`${name} record ${partitionKey(r)} ${r.offset}`);
        if (name === 'A') next.set(partitionKey(r), r.offset + 1n);
      }
    };

    let consumerA: KafkaConsumerClient | undefined;
    const handlerA = recordingHandler('A', log, new Map(), async (tps) => {
      if (firstRevoke) {
        firstRevoke = false;
        await produce(topic, 100, 100); // records B must not see before this resolves
        const until = bPolls + 15; // give a premature hand-over every chance to show
        while (bPolls < until) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await consumerA!.commitOffsets(
        tps.flatMap((tp) => {
          const offset = next.get(partitionKey(tp));
          return offset === undefined ? [] : [{ ...tp, offset }];
        }),
      );
    });
    // A long session timeout: B can only take A's partitions in time if A leaves the group on disconnect.
    consumerA = KafkaConsumerClient.create(config(group, { 'session.timeout.ms': '120000' }), handlerA);
    const consumerB = KafkaConsumerClient.create(config(group), recordingHandler('B', log));

    await produce(topic, 100);
    await consumerA.connect();
    await consumerA.subscribe([topic]);
    const phase1: KafkaRecord[] = [];
    await pollUntil(consumerA, (r) => r.length >= 400, { sink: phase1 });
    deliver('A', phase1);

    await consumerB.connect();
    await consumerB.subscribe([topic]);
    const total = 800;
    let stopA = false;
    const loopA = (async () => {
      while (!stopA) deliver('A', await consumerA.poll(1000, 200));
    })();
    const deadline = Date.now() + 90_000;
    while (seen.size < total && Date.now() < deadline) {
      deliver('B', await consumerB.poll(1000, 200));
      bPolls++;
    }
    stopA = true;
    await loopA;

    expect(duplicates).toEqual([]);
    expect(seen.size).toBe(total);
    const revokeStart = log.findIndex((l) => l.startsWith('A revoke-start'));
    const revokeEnd = log.findIndex((l) => l.startsWith('A revoke-end'));
    expect(revokeStart).toBeGreaterThan(0);
    const moved = handlerA.revoked.map(partitionKey);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(PARTITIONS); // cooperative: A keeps the rest
    const recordOf = (name: string, index: number) => {
      const [who, what, tp] = log[index]!.split(' ');
      return who === name && what === 'record' && moved.includes(tp!);
    };
    // A gets no record of a moving partition once onRevoked started; B none before it ended.
    for (let i = revokeStart; i < log.length; i++) expect(recordOf('A', i), log[i]).toBe(false);
    for (let i = 0; i <= revokeEnd; i++) expect(recordOf('B', i), log[i]).toBe(false);
    const bAssigned = log.findIndex((l) => l.startsWith('B assigned') && moved.some((tp) => l.includes(tp)));
    expect(bAssigned).toBeGreaterThan(revokeEnd);
    // B starts each moved partition at the offset A committed in onRevoked (100), not at 0.
    for (const tp of moved) {
      const first = log.find((l) => l.startsWith(`B record ${tp} `));
      expect(first).toBe(`B record ${tp} 100`);
    }

    // A leaves on disconnect (its onRevoked commits); B takes over the rest well before A's session would expire.
    await consumerA.disconnect();
    await pollUntil(consumerB, () => consumerB.assignment().length === PARTITIONS, { deadlineMs: 60_000 });
    await produce(topic, 1, 200);
    const tail = await pollUntil(consumerB, (r) => r.length >= PARTITIONS);
    expect(tail.map((r) => r.offset)).toEqual(Array(PARTITIONS).fill(200n));
    await consumerB.disconnect();
  });

  it('delivers nothing fetched before a seek made in a rebalance handler (a fenced batch re-read), round after round', async () => {
    // Each round adds or drops an empty topic, so the group assigns or revokes it; the
    // handler re-seeks the kept partition to 0, as the worker does when the commit it
    // makes there is fenced. librdkafka serves a rebalance ahead of queued records, so
    // the batch a poll holds then has records only when the rebalance came in while
    // it was being fetched: large batches and ten rounds give that several chances.
    const kept = await newTopic('kc_reseek', 1);
    const toggled = await newTopic('kc_reseek_toggled', 1);
    await produce(kept, 400_000, 0, 1);
    let seeks = 0;
    let closing = false;
    const consumer: KafkaConsumerClient = KafkaConsumerClient.create(config(), {
      onAssigned: async (tps) => {
        if (tps.some((tp) => tp.topic === toggled) && seeks > 0) await reseek();
        return new Map();
      },
      onRevoked: async (tps) => {
        if (tps.some((tp) => tp.topic === toggled) && !closing) await reseek();
      },
    });
    let next = 0n; // the offset of kept the next delivered record must have
    const reseek = async () => {
      await consumer.seek({ topic: kept, partition: 0 }, 0n);
      next = 0n;
      seeks++;
    };
    const pollChecked = async () => {
      for (const r of await consumer.poll(5000, 200)) {
        if (r.offset !== next) throw new Error(`${kept}[0]: got offset ${r.offset}, expected ${next}`);
        next++;
      }
      await delay(20); // the worker's processing: librdkafka's queue stays full
    };
    await consumer.connect();
    await consumer.subscribe([kept, toggled]);
    const deadline = Date.now() + 90_000;
    while (next < 1000n) {
      if (Date.now() > deadline) throw new Error(`${kept}: no records`);
      await pollChecked();
    }
    for (let round = 1; round <= 10; round++) {
      await consumer.subscribe(round % 2 === 1 ? [kept] : [kept, toggled]);
      while (seeks < round) {
        if (Date.now() > deadline) throw new Error(`round ${round}: the group did not rebalance`);
        await pollChecked();
      }
      while (next < 1000n) {
        if (Date.now() > deadline) throw new Error(`round ${round}: no records after the seek`);
        await pollChecked();
      }
    }
    closing = true;
    await consumer.disconnect();
  });

  it('pauses and resumes partitions without losing or repeating records', async () => {
    const topic = await newTopic('kc_pause', 2);
    await produce(topic, 5, 0, 2);
    const consumer = KafkaConsumerClient.create(config(), recordingHandler('A', []));
    await consumer.connect();
    await consumer.subscribe([topic]);
    await pollUntil(consumer, (r) => r.length >= 10);

    consumer.pause([{ topic, partition: 0 }]);
    await produce(topic, 5, 5, 2);
    const whilePaused = await pollUntil(consumer, (r) => r.filter((x) => x.partition === 1).length >= 5);
    for (let i = 0; i < 5; i++) whilePaused.push(...(await consumer.poll(1000, 200)));
    expect(whilePaused.filter((r) => r.partition === 0)).toEqual([]);
    expect(offsetsByPartition(whilePaused).get(1)).toEqual(range(5, 10));

    consumer.resume([{ topic, partition: 0 }]);
    const resumed = await pollUntil(consumer, (r) => r.length >= 5);
    expect(resumed.map((r) => `${r.partition}@${r.offset}`)).toEqual(range(5, 10).map((o) => `0@${o}`));
    await consumer.disconnect();
  });

  it('a static member fenced by a second instance of its id fails its next poll, mid-stream (librdkafka unassigns it without a rebalance callback)', async () => {
    const topic = await newTopic('kc_fenced', 2);
    const group = uniqueName('g');
    const member = () =>
      KafkaConsumerClient.create(
        {
          ...config(group, { 'session.timeout.ms': '10000', 'heartbeat.interval.ms': '500' }),
          groupInstanceId: 'one',
        },
        recordingHandler('M', []),
      );
    let producing = true;
    const producing$ = (async () => {
      for (let seq = 0; producing; seq += 200) {
        await produce(topic, 200, seq, 2);
        await delay(5);
      }
    })();
    const first = member();
    await first.connect();
    await first.subscribe([topic]);
    await pollUntil(first, (r) => r.length >= 2_000);
    const second = member();
    await second.connect();
    await second.subscribe([topic]);
    let failure: unknown;
    const deadline = Date.now() + 30_000;
    while (failure === undefined && Date.now() < deadline) {
      await Promise.all([
        first.poll(5_000, 200).catch((error: unknown) => {
          failure = error;
        }),
        second.poll(5_000, 200),
      ]);
    }
    producing = false;
    await producing$;
    expect(String((failure as Error | undefined)?.message)).toMatch(/fatal/i);
    await second.disconnect();
    await first.disconnect().catch(() => undefined);
  });

  it('runs on the patched binding: consumePacked is there (npm postinstall compiled it)', () => {
    expect(hasPackedConsume(new RdKafka.KafkaConsumer({ 'group.id': uniqueName('packed') }, {}))).toBe(true);
  });

  it('produces headers, keys, null values and timestamps; reads watermarks and offsets by time', async () => {
    const topic = await newTopic('kc_headers', 2);
    const base = Date.UTC(2024, 0, 1);
    await producer.send(topic, [
      {
        key: null,
        value: Buffer.from('a'),
        partition: 1,
        timestampMs: base,
        headers: [
          ['h', 'text'],
          ['b', Buffer.from([0, 255])],
        ],
      },
      { key: Buffer.from('k'), value: null, partition: 1, timestampMs: base + 1000, headers: [] },
      { key: Buffer.from('k2'), value: Buffer.from('c'), partition: 1, timestampMs: base + 2000 },
    ]);
    const consumer = KafkaConsumerClient.create(config(), recordingHandler('A', []));
    await consumer.connect();
    await consumer.subscribe(new RegExp(`^(?:${topic.replace(/_[a-z0-9]+$/, '')}_\\w+)$`)); // JS syntax, POSIX underneath
    const records = await pollUntil(consumer, (r) => r.length >= 3);

    expect(records.map((r) => [r.partition, r.offset, r.timestampMs])).toEqual([
      [1, 0n, base],
      [1, 1n, base + 1000],
      [1, 2n, base + 2000],
    ]);
    expect(records[0]!.key).toBeNull();
    expect(records[0]!.headers.map(([k, v]) => [k, [...v]])).toEqual([
      ['h', [...Buffer.from('text')]],
      ['b', [0, 255]],
    ]);
    expect(records[0]!.sizeBytes).toBe(1 + 1 + 4 + 1 + 2);
    expect(records[1]!.value).toBeNull();
    expect(records[1]!.key?.toString()).toBe('k');
    expect(records[1]!.headers).toEqual([]);

    expect(await consumer.queryWatermarks({ topic, partition: 1 })).toEqual({ low: 0n, high: 3n });
    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      { partition: 0, low: 0n, high: 0n },
      { partition: 1, low: 0n, high: 3n },
    ]);
    expect(await admin.offsetsForTimes(topic, base + 500)).toEqual([
      { partition: 0, offset: 0n },
      { partition: 1, offset: 1n },
    ]);
    expect(await admin.offsetsForTimes(topic, base + 60_000)).toEqual([
      { partition: 0, offset: 0n },
      { partition: 1, offset: 3n },
    ]);
    expect(await admin.listTopics()).toContain(topic);
    await consumer.disconnect();
  });
});
