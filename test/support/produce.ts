// Produces numbered records to a topic in batches, spread over its partitions.
import { TestProducer } from './kafka-tools.ts';

export async function produceNumbered(
  topic: string,
  partitions: number,
  ids: Iterable<number>,
  encode: (i: number) => Promise<Buffer> | Buffer,
  {
    batchSize = 5000,
    bootstrap,
    producer: shared,
  }: {
    batchSize?: number | undefined;
    bootstrap?: string | undefined;
    /** A connected producer to send with (kept open: a loop of small sends pays no connect each time). */
    producer?: TestProducer | undefined;
  } = {},
): Promise<void> {
  const producer = shared ?? (await new TestProducer(bootstrap).connect());
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
    if (shared === undefined) await producer.disconnect();
  }
}
