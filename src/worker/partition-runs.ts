// Consumed batches arrive as runs of one partition's records in offset order;
// the worker and the backfill hand each run to the connector in one call.
import type { KafkaRecord } from './kafka-types.ts';

/** The index after the run of records[start]'s topic and partition. */
export function partitionRunEnd(records: readonly KafkaRecord[], start: number): number {
  const { topic, partition } = records[start]!;
  let end = start + 1;
  while (end < records.length && records[end]!.partition === partition && records[end]!.topic === topic)
    end++;
  return end;
}
