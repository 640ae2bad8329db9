// Produces numbered records to a topic in batches, spread over its partitions.
import { TestProducer } from './kafka-tools.ts';

export async function produceNumbered(
  topic: string,
  partitions: number,
  ids: Iterable<number>,
  encode: (i: number) => Promise<Buffer> | Buffer,
  { batchSize = 5000, bootstrap }: { batchSize?: number | undefined; bootstrap?: string | undefined } = {},
): Promise<void> {
  const producer = await new TestProducer(bootstrap).connect();
  try {
    let batch: Array<{ key: Buffer; value: Buffer; partition: number }> = [];
    for (const i of ids) {
      batch.push({ key: Buffer.from(String(i)), value: await encode(i), partition: i % partitions });
      if (batch.length >= batchSize) {
        await producer.send(topic, batch);
        batch = [];
      }
    }
    if (batch.length > 0) await producer.send(topic, batch);
  } finally {
    await producer.disconnect();
  }
}
