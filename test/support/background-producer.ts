// A producer that keeps writing numbered Avro orders to a topic until stopped,
// for tests that need records still arriving while the worker does something.
import { registry, TestProducer } from './kafka-tools.ts';
import { orderPayload } from './orders.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps producing numbered orders until stopped; `next` is the first id not yet acknowledged. */
export class BackgroundProducer {
  next: number;
  readonly #done: Promise<void>;
  #stop = false;

  constructor(topic: string, partitions: number, schemaId: number, from: number) {
    this.next = from;
    this.#done = this.#run(topic, partitions, schemaId);
  }

  get running(): boolean {
    return !this.#stop;
  }

  async stop(): Promise<number> {
    this.#stop = true;
    await this.#done;
    return this.next;
  }

  async #run(topic: string, partitions: number, schemaId: number): Promise<void> {
    const producer = await new TestProducer().connect();
    try {
      while (!this.#stop) {
        const batch = [];
        for (let i = this.next; i < this.next + 1000; i++) {
          const value = await registry.encode(schemaId, orderPayload(i));
          batch.push({ key: Buffer.from(String(i)), value, partition: i % partitions });
        }
        await producer.send(topic, batch);
        this.next += batch.length;
        await sleep(50);
      }
    } finally {
      await producer.disconnect();
    }
  }
}
