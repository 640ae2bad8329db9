// Reads a whole topic from the beginning (a fresh group), for checking what
// floe sent to a dead-letter queue.
import { KafkaConsumerClient } from '../../src/worker/kafka/consumer-client.ts';
import type { KafkaRecord } from '../../src/worker/kafka-types.ts';
import { services, uniqueName } from './services.ts';

export async function readTopic(topic: string, expected: number, timeoutMs = 60_000): Promise<KafkaRecord[]> {
  const consumer = KafkaConsumerClient.create(
    {
      bootstrapServers: services.kafkaBrokers,
      groupId: uniqueName('reader'),
      properties: { 'auto.offset.reset': 'earliest' },
    },
    { onAssigned: async () => new Map(), onRevoked: async () => {} },
  );
  await consumer.connect();
  await consumer.subscribe([topic]);
  const records: KafkaRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (records.length < expected && Date.now() < deadline)
      records.push(...(await consumer.poll(1000, 500)));
    // Anything beyond `expected` would show up within a short extra wait.
    records.push(...(await consumer.poll(1000, 1000)));
  } finally {
    await consumer.disconnect();
  }
  return records;
}
