// Produces records of one shape at a steady rate, round-robin over the
// partitions of a fresh topic, and remembers when each was handed to the
// producer: record k of partition p has offset k (one idempotent producer, acks
// all, partitions start empty), so its produce time is sentAt[p][k].
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

export interface SteadyRun {
  /** Per partition, the wall-clock ms (Date.now()) each record was produced, by offset. */
  readonly sentAt: readonly number[][];
  readonly records: number;
  readonly valueBytes: number;
  /** Records/s actually produced (the producer may fall behind on a loaded machine). */
  readonly achievedRate: number;
}

export async function produceSteadily(
  services: BenchServices,
  topic: string,
  partitions: number,
  shape: RecordShape,
  schemaId: number,
  rate: number,
  seconds: number,
): Promise<SteadyRun> {
  const producer = KafkaProducerClient.create({
    ...kafkaConfig(services, 'floe-bench'),
    properties: { 'linger.ms': '5', 'queue.buffering.max.messages': '1000000' },
  });
  await producer.connect();
  // Values are encoded before the clock starts (the same few thousand, cycled), so
  // a loaded machine delays the sends as little as possible.
  const header = confluentHeader(schemaId);
  const values = Array.from({ length: DISTINCT_VALUES }, (_, i) => Buffer.concat([header, shape.encode(i)]));
  const sentAt: number[][] = Array.from({ length: partitions }, () => []);
  const inFlight: Array<Promise<void>> = [];
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let produced = 0;
  let valueBytes = 0;
  try {
    while (produced < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      if (due > produced) {
        const batch: ProducerRecord[] = [];
        const now = Date.now();
        for (; produced < due; produced++) {
          const partition = produced % partitions;
          const value = values[produced % DISTINCT_VALUES]!;
          valueBytes += value.length;
          sentAt[partition]!.push(now);
          batch.push({ key: null, value, partition, timestampMs: now });
        }
        inFlight.push(producer.send(topic, batch));
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  const elapsed = (performance.now() - start) / 1000;
  return { sentAt, records: produced, valueBytes, achievedRate: produced / elapsed };
}
