// Produces records of one shape at a steady rate, round-robin over the
// partitions of a fresh topic, and remembers when each was handed to the
// producer: record k of partition p has offset k (one idempotent producer, acks
// all, partitions start empty, records queued in order), so its produce time is
// sentAt[p][k].
import { performance } from 'node:perf_hooks';
import { confluentHeader } from '../../src/codec/wire-format.ts';
import { KafkaProducerClient } from '../../src/worker/kafka/producer-client.ts';
import type { ProducerRecord } from '../../src/worker/kafka-types.ts';
import type { BenchServices } from './bench-services.ts';
import { kafkaConfig } from './bench-topic.ts';
import type { RecordShape } from './record-shapes.ts';

/** Records are sent in slices this often. */
const TICK_MS = 10;
const DISTINCT_VALUES = 4096;

export class SteadyProducer {
  readonly #producer: KafkaProducerClient;
  readonly #topic: string;
  readonly #partitions: number;
  /** Encoded before the clock starts (the same few thousand, cycled): a loaded machine delays sends less. */
  readonly #values: Buffer[];
  /** Per partition, the wall-clock ms (Date.now()) each record was produced, by offset. */
  readonly sentAt: number[][];
  #produced = 0;

  private constructor(producer: KafkaProducerClient, topic: string, partitions: number, values: Buffer[]) {
    this.#producer = producer;
    this.#topic = topic;
    this.#partitions = partitions;
    this.#values = values;
    this.sentAt = Array.from({ length: partitions }, () => []);
  }

  static async connect(
    services: BenchServices,
    topic: string,
    partitions: number,
    shape: RecordShape,
    schemaId: number,
    { lingerMs = '5' }: { lingerMs?: string } = {},
  ): Promise<SteadyProducer> {
    const producer = KafkaProducerClient.create({
      ...kafkaConfig(services, 'floe-bench'),
      properties: { 'linger.ms': lingerMs, 'queue.buffering.max.messages': '1000000' },
    });
    await producer.connect();
    const header = confluentHeader(schemaId);
    const values = Array.from({ length: DISTINCT_VALUES }, (_, i) =>
      Buffer.concat([header, shape.encode(i)]),
    );
    return new SteadyProducer(producer, topic, partitions, values);
  }

  get records(): number {
    return this.#produced;
  }

  /** `rate` records/s for `seconds`; resolves once all are acknowledged, with the rate achieved. */
  async produce(rate: number, seconds: number): Promise<number> {
    const total = Math.round(rate * seconds);
    const start = performance.now();
    let sent = 0;
    let previous: Promise<void> = Promise.resolve();
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      if (due > sent) {
        const batch: ProducerRecord[] = [];
        const now = Date.now();
        for (; sent < due; sent++, this.#produced++) {
          const partition = this.#produced % this.#partitions;
          this.sentAt[partition]!.push(now);
          batch.push({
            key: null,
            value: this.#values[this.#produced % DISTINCT_VALUES]!,
            partition,
            timestampMs: now,
          });
        }
        previous = Promise.all([previous, this.#producer.send(this.#topic, batch)]).then(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    await previous;
    return sent / ((performance.now() - start) / 1000);
  }

  disconnect(): Promise<void> {
    return this.#producer.disconnect();
  }
}
