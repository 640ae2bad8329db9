// The captured Debezium 3.6.1 records (test/vectors/debezium/<variant>.json,
// made by test/interop/capture_debezium.py) and their decoding by DebeziumDecoder.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DebeziumDecoder, type DebeziumValueFormat } from '../../../src/codec/debezium-decoder.ts';
import type { DebeziumEvent } from '../../../src/codec/debezium-envelope.ts';
import type { SchemaLookup } from '../../../src/codec/schema-lookup.ts';
import type { KafkaRecord } from '../../../src/worker/kafka-types.ts';

export interface Vector {
  topic: string;
  records: Array<{
    partition: number;
    offset: number;
    key: { base64: string | null };
    value: { base64: string | null };
  }>;
  schemas?: Record<string, { schema: string }>;
}

export const loadVector = (variant: string): Vector =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../vectors/debezium/${variant}.json`, import.meta.url)), 'utf8'),
  );

export const vectorBytes = (base64: string | null) =>
  base64 === null ? null : Buffer.from(base64, 'base64');

/** The variant's records as the consumer hands them to a connector. */
export function vectorKafkaRecords(vector: Vector): KafkaRecord[] {
  return vector.records.map((r) => {
    const key = vectorBytes(r.key.base64);
    const value = vectorBytes(r.value.base64);
    return {
      topic: vector.topic,
      partition: r.partition,
      offset: BigInt(r.offset),
      timestampMs: 0,
      key,
      value,
      headers: [],
      sizeBytes: (key?.length ?? 0) + (value?.length ?? 0),
    };
  });
}

export function vectorRegistry(vector: Vector): SchemaLookup {
  return {
    getSchema: async (id) => ({ type: 'AVRO', schema: vector.schemas![String(id)]!.schema }),
  };
}

/** Every record of the variant decoded in offset order, by `decoder` (a new one for the variant when not given). */
export async function decodeVector(
  variant: string,
  format: DebeziumValueFormat,
  decoder?: (lookup: SchemaLookup | undefined) => DebeziumDecoder,
) {
  const vector = loadVector(variant);
  const lookup = format === 'avro' ? vectorRegistry(vector) : undefined;
  const debezium = decoder?.(lookup) ?? new DebeziumDecoder(format, lookup);
  const events: DebeziumEvent[] = [];
  for (const record of vector.records) {
    const where = { topic: vector.topic, partition: record.partition, offset: BigInt(record.offset) };
    events.push(await debezium.decode(vectorBytes(record.value.base64), where));
  }
  return { vector, events, lookup };
}
