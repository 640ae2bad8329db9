// Topics, producers and Avro encoding for worker tests, through floe's own
// Kafka client and the Confluent schema-registry package.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { KafkaAdminClient } from '../../src/worker/kafka/admin-client.ts';
import { KafkaProducerClient } from '../../src/worker/kafka/producer-client.ts';
import type { ProducerRecord } from '../../src/worker/kafka-types.ts';
import { services } from './services.ts';

const client = (bootstrapServers: string) => ({ bootstrapServers, groupId: 'floe-tests' });

/** Creates a topic on the stack's Kafka, or on the broker at `bootstrap` (test/support/brokers.ts). */
export async function createTopic(
  name: string,
  partitions: number,
  bootstrap = services.kafkaBrokers,
): Promise<void> {
  const admin = KafkaAdminClient.create(client(bootstrap));
  await admin.connect();
  try {
    await admin.createTopic(name, partitions);
  } finally {
    await admin.disconnect();
  }
}

export class TestProducer {
  readonly #producer: KafkaProducerClient;
  constructor(bootstrap = services.kafkaBrokers) {
    this.#producer = KafkaProducerClient.create(client(bootstrap));
  }
  async connect(): Promise<this> {
    await this.#producer.connect();
    return this;
  }
  send(topic: string, records: readonly ProducerRecord[]): Promise<void> {
    return this.#producer.send(topic, records);
  }
  disconnect(): Promise<void> {
    return this.#producer.disconnect();
  }
}

export const registry = new SchemaRegistry({ host: services.registryUrl });

export async function registerAvro(subject: string, schema: object): Promise<number> {
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
    { subject },
  );
  return id;
}

/** Big-endian two's complement bytes of an unscaled decimal (Avro decimal on bytes). */
export function decimalBytes(unscaled: bigint): Buffer {
  let hex = (unscaled < 0n ? (1n << 128n) + unscaled : unscaled).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (unscaled < 0n) {
    while (bytes.length > 1 && bytes[0] === 0xff && (bytes[1]! & 0x80) !== 0) bytes = bytes.subarray(1);
  } else if ((bytes[0]! & 0x80) !== 0) {
    bytes = Buffer.concat([Buffer.from([0]), bytes]);
  }
  return bytes;
}
