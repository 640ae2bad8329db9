// KafkaConsumerClient over a scripted binding: records fetched before a seek or a
// rebalance of their partition are never delivered, wherever they were buffered
// (the batch fetched ahead, or the one a poll holds while it applies rebalances).
// The fake fetches up to two records per assigned partition per consume and
// fires the rebalance callbacks scripted for that consume, as librdkafka serves
// rebalance_cb during consume(). Poll N returns what consume N fetched; the
// assignment queued during consume 1 is applied by poll 2 before consume 2 (a
// poll that finds a rebalance queued starts no fetch ahead).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KafkaConsumerClient } from '../../../src/worker/kafka/consumer-client.ts';
import type {
  KafkaRecord,
  RebalanceHandler,
  StartOffsets,
  TopicPartition,
} from '../../../src/worker/kafka-types.ts';

const fake = vi.hoisted(() => {
  type Tp = { topic: string; partition: number; offset?: number };
  type RebalanceCb = (err: { code: number }, assignment: Tp[]) => void;
  const key = (tp: Tp) => `${tp.topic}:${tp.partition}`;

  class FakeKafkaConsumer {
    static last: FakeKafkaConsumer | undefined;
    readonly #rebalanceCb: RebalanceCb;
    /** topic:partition -> next offset librdkafka fetches. */
    readonly positions = new Map<string, Tp & { offset: number }>();
    readonly #script = new Map<number, Array<(c: FakeKafkaConsumer) => void>>();
    #consumes = 0;
    lost = false;

    constructor(config: { rebalance_cb: RebalanceCb }) {
      this.#rebalanceCb = config.rebalance_cb;
      FakeKafkaConsumer.last = this;
    }

    /** Runs `action` while consume number `n` (1-based) is in flight. */
    during(n: number, action: (c: FakeKafkaConsumer) => void): void {
      this.#script.set(n, [...(this.#script.get(n) ?? []), action]);
    }

    assign(partitions: Tp[]): void {
      this.#rebalanceCb({ code: -175 }, partitions);
    }

    revoke(partitions: Tp[]): void {
      this.#rebalanceCb({ code: -174 }, partitions);
    }

    consume(max: number, cb: (err: null, messages: unknown[]) => void): void {
      const n = ++this.#consumes;
      const messages: unknown[] = [];
      for (const tp of [...this.positions.values()].sort((a, b) => key(a).localeCompare(key(b)))) {
        for (let i = 0; i < 2 && messages.length < max; i++, tp.offset++) {
          messages.push({
            topic: tp.topic,
            partition: tp.partition,
            offset: tp.offset,
            key: null,
            value: Buffer.from(`${tp.partition}@${tp.offset}`),
            timestamp: 0,
          });
        }
      }
      for (const action of this.#script.get(n) ?? []) action(this);
      setImmediate(() => cb(null, messages));
    }

    incrementalAssign(partitions: Array<Tp & { offset: number }>): void {
      for (const tp of partitions) {
        this.positions.set(key(tp), { ...tp, offset: Math.max(tp.offset, 0) });
      }
    }

    incrementalUnassign(partitions: Tp[]): void {
      for (const tp of partitions) this.positions.delete(key(tp));
    }

    seek(target: Tp & { offset: number }, _timeout: number, cb: (err: null) => void): void {
      const tp = this.positions.get(key(target));
      if (tp !== undefined) tp.offset = target.offset;
      setImmediate(() => cb(null));
    }

    unsubscribe(): void {
      this.during(this.#consumes + 1, (c) => c.revoke([...c.positions.values()]));
    }

    assignmentLost = () => this.lost;
    connect = (_options: unknown, cb: (err: null, data: unknown) => void) => cb(null, {});
    disconnect = (cb: () => void) => cb();
    subscribe = () => {};
    on = () => {};
    pause = () => {};
    resume = () => {};
    commit = () => {};
    /** The timeout of every consume, in order. */
    readonly timeouts: number[] = [];
    setDefaultConsumeTimeout = (ms: number) => {
      this.timeouts.push(ms);
    };
    setDefaultIsTimeoutOnlyForFirstMessage = () => {};
  }
  return { FakeKafkaConsumer };
});

vi.mock('@confluentinc/kafka-javascript', () => ({ RdKafka: { KafkaConsumer: fake.FakeKafkaConsumer } }));

const T0 = { topic: 't', partition: 0 };
const T1 = { topic: 't', partition: 1 };

interface Harness {
  readonly client: KafkaConsumerClient;
  readonly binding: InstanceType<typeof fake.FakeKafkaConsumer>;
  /** Polls `count` times; each poll's records as `partition@offset`. */
  polls(count: number): Promise<string[][]>;
}

async function harness(handler: Partial<RebalanceHandler>): Promise<Harness> {
  const full: RebalanceHandler = {
    onAssigned: async () => new Map(),
    onRevoked: async () => {},
    ...handler,
  };
  const client = KafkaConsumerClient.create({ bootstrapServers: 'fake:9092', groupId: 'g' }, full);
  const binding = fake.FakeKafkaConsumer.last!;
  await client.connect();
  await client.subscribe(['t']);
  binding.during(1, (c) => c.assign([T0, T1])); // applied by poll 2, before consume 2
  const show = (records: KafkaRecord[]) => records.map((r) => `${r.partition}@${r.offset}`);
  return {
    client,
    binding,
    async polls(count) {
      const out: string[][] = [];
      for (let i = 0; i < count; i++) out.push(show(await client.poll(4, 10)));
      return out;
    },
  };
}

/** A harness whose group takes T0 without warning (session timeout) while consume `n` runs. */
async function losingT0During(n: number): Promise<{ h: Harness; lost: TopicPartition[] }> {
  const lost: TopicPartition[] = [];
  const h = await harness({
    onLost: async (tps) => {
      lost.push(...tps);
    },
  });
  open = h.client;
  h.binding.during(n, (c) => {
    c.lost = true;
    c.revoke([T0]);
  });
  return { h, lost };
}

let open: KafkaConsumerClient | undefined;
afterEach(async () => {
  await open?.disconnect();
  open = undefined;
});

describe('KafkaConsumerClient never delivers records fetched before their partition moved', () => {
  it('drops the batch it holds for a partition the revocation handler re-sought (fenced batch)', async () => {
    let sought = false;
    const h = await harness({
      onRevoked: async () => {
        if (sought) return; // the revocation of disconnect()
        // The worker's fenced commit re-reads the partitions it keeps from the table's offsets.
        await open!.seek(T0, 0n);
        sought = true;
      },
    });
    open = h.client;
    h.binding.during(3, (c) => c.revoke([T1])); // while the batch poll 3 returns is fetched
    const [, second, third, fourth] = await h.polls(4);
    expect(second).toEqual(['0@0', '0@1', '1@0', '1@1']);
    expect(sought).toBe(true);
    // Poll 3 held 0@2 and 0@3, fetched before the seek back to 0.
    expect(third).toEqual([]);
    expect(fourth).toEqual(['0@0', '0@1']);
  });

  it('drops records fetched before a revocation when the partition comes back at an offset floe chose', async () => {
    const starts: StartOffsets = new Map([['t:1', 10n]]);
    let assignments = 0;
    const h = await harness({ onAssigned: async () => (++assignments === 1 ? new Map() : starts) });
    open = h.client;
    h.binding.during(3, (c) => {
      c.revoke([T1]);
      c.assign([T1]);
    });
    const [, second, third, fourth] = await h.polls(4);
    expect(second).toEqual(['0@0', '0@1', '1@0', '1@1']);
    expect(third).toEqual(['0@2', '0@3']); // 1@2 and 1@3 belong to the revoked assignment
    expect(fourth).toEqual(['0@4', '0@5', '1@10', '1@11']);
  });

  it('drops the prefetched records of a partition sought between polls', async () => {
    const h = await harness({});
    open = h.client;
    const [, second] = await h.polls(2);
    expect(second).toEqual(['0@0', '0@1', '1@0', '1@1']);
    await h.client.seek(T1, 0n); // while the batch of poll 3 (0@2, 0@3, 1@2, 1@3) is fetched
    const [third, fourth] = await h.polls(2);
    expect(third).toEqual(['0@2', '0@3']);
    expect(fourth).toEqual(['0@4', '0@5', '1@0', '1@1']);
  });

  it('delivers nothing of a lost partition once it is lost', async () => {
    const { h, lost } = await losingT0During(3);
    const [, , third, fourth] = await h.polls(4);
    expect(lost).toEqual([T0]);
    expect(third).toEqual(['1@2', '1@3']);
    expect(fourth).toEqual(['1@4', '1@5']);
  });
});

describe('KafkaConsumerClient seek while the group takes the partition', () => {
  it('skips the seek (the fenced re-read of a partition just lost), then tells the worker at the next poll', async () => {
    const { h, lost } = await losingT0During(3);
    await h.polls(2);
    await new Promise((resolve) => setImmediate(resolve)); // poll 3's batch is fetched: the group took T0
    await expect(h.client.seek(T0, 0n)).resolves.toBeUndefined();
    expect(lost).toEqual([]);
    const [third] = await h.polls(1);
    expect(lost).toEqual([T0]);
    expect(third).toEqual(['1@2', '1@3']);
    await expect(h.client.seek(T0, 0n)).rejects.toThrow(/t:0: not assigned/);
  });
});

describe('KafkaConsumerClient before its first assignment', () => {
  it('consumes in short steps until the group assigns and applies the assignment at the next poll', async () => {
    const client = KafkaConsumerClient.create(
      { bootstrapServers: 'fake:9092', groupId: 'g' },
      { onAssigned: async () => new Map(), onRevoked: async () => {} },
    );
    open = client;
    const binding = fake.FakeKafkaConsumer.last!;
    await client.connect();
    await client.subscribe(['t']);
    binding.during(3, (c) => c.assign([T0]));
    // Returns once the assignment is queued (during consume 3), not after the poll's minute.
    expect(await client.poll(4, 60_000)).toEqual([]);
    expect(binding.timeouts).toEqual([10, 10, 10]);
    // Applied before the next fetch: no consume ahead was started with the assignment queued.
    const records = await client.poll(4, 60_000);
    expect(records.map((r) => `${r.partition}@${r.offset}`)).toEqual(['0@0', '0@1']);
    expect(binding.timeouts.slice(3)).toEqual([60_000, 60_000]); // owning a partition: whole polls again
  });
});
