// One fetch of a simulated consumer: records of the given partitions from their
// positions, interleaved in runs the way librdkafka hands over a batch (a run of
// one partition, then of another), each partition in offset order.
import type { KafkaRecord, TopicPartition } from '../../src/worker/kafka-types.ts';
import type { SimWorld } from './sim-world.ts';

const key = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

/** Advances `positions` past what it returns (and past markers and deleted offsets). */
export function fetchRecords(
  world: SimWorld,
  partitions: readonly TopicPartition[],
  positions: Map<string, bigint>,
  max: number,
): KafkaRecord[] {
  const rng = world.rng.consumer;
  const out: KafkaRecord[] = [];
  let open = rng.shuffle(partitions.filter((tp) => positions.has(key(tp))));
  while (out.length < max && open.length > 0) {
    const tp = open[0]!;
    const run = rng.range(1, Math.max(1, Math.min(max - out.length, 8)));
    const { records, next } = world.kafka.read(tp.topic, tp.partition, positions.get(key(tp))!, run);
    positions.set(key(tp), next);
    out.push(...records);
    open = records.length < run ? open.slice(1) : rng.shuffle(open);
  }
  return out;
}
