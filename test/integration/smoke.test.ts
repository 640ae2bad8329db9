// Proves each service of the local stack is real, through floe's own
// dependencies: Kafka (produce + consume), schema registry (Avro register,
// encode, decode), S3 (put/get/list/delete), Iceberg REST (namespace), and the
// PyIceberg reader seeing that namespace.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { readWithPyIceberg } from '../support/reader.ts';
import { services, uniqueName } from '../support/services.ts';

const report = (service: string, answer: string) => console.log(`[smoke] ${service}: ${answer}`);

describe('service stack smoke test', () => {
  it('Kafka: creates a topic, produces and consumes through @confluentinc/kafka-javascript', async () => {
    const kafka = new KafkaJS.Kafka({
      kafkaJS: { brokers: [services.kafkaBrokers], logLevel: KafkaJS.logLevel.ERROR },
    });
    const topic = uniqueName('smoke');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    const sent = ['value-a', 'value-b', 'value-c'];
    await producer.send({ topic, messages: sent.map((value, i) => ({ key: `k${i}`, value })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ kafkaJS: { groupId: uniqueName('smoke-group'), fromBeginning: true } });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed only ${received.length} of 3`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push(message.value?.toString() ?? '');
          if (received.length === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(received.sort()).toEqual(sent);
    report('kafka', `topic ${topic}: produced 3, consumed ${received.sort().join(', ')}`);
  });

  it('schema registry: registers an Avro schema and round-trips a record in the Confluent wire format', async () => {
    const registry = new SchemaRegistry({ host: services.registryUrl });
    const subject = `${uniqueName('smoke')}-value`;
    const schema = {
      type: 'record',
      name: 'Reading',
      namespace: 'floe.smoke',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'label', type: ['null', 'string'], default: null },
      ],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject },
    );
    const encoded = await registry.encode(id, { id: 42, label: 'answer' });
    expect(encoded[0]).toBe(0); // magic byte
    expect(encoded.readInt32BE(1)).toBe(id);
    const decoded = await registry.decode(encoded);
    expect(decoded).toEqual({ id: 42, label: 'answer' });
    report('schema registry', `subject ${subject} -> schema id ${id}; decoded ${JSON.stringify(decoded)}`);
  });

  it('S3: puts, gets, lists and deletes an object through @aws-sdk/client-s3', async () => {
    const s3 = new S3Client({
      endpoint: services.s3.endpoint,
      region: services.s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: services.s3.accessKeyId, secretAccessKey: services.s3.secretAccessKey },
    });
    const Bucket = services.s3.bucket;
    const prefix = `${uniqueName('smoke')}/`;
    const Key = `${prefix}hello.txt`;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'hello floe' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body?.transformToString()).toBe('hello floe');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([Key]);
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    expect(after.KeyCount ?? 0).toBe(0);
    s3.destroy();
    report('s3', `s3://${Bucket}/${Key}: put, get, list, delete ok`);
  });

  it('Iceberg REST catalog: creates and lists a namespace, and PyIceberg lists it too', async () => {
    const namespace = uniqueName('smoke');
    const created = await fetch(`${services.restUri}/v1/namespaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: [namespace], properties: { owner: 'floe-smoke' } }),
    });
    expect(created.status).toBe(200);
    const listed = (await (await fetch(`${services.restUri}/v1/namespaces`)).json()) as {
      namespaces: string[][];
    };
    expect(listed.namespaces).toContainEqual([namespace]);
    report('iceberg rest', `namespace ${namespace} created and listed`);

    const reader = await readWithPyIceberg({ kind: 'rest' }, 'namespaces');
    expect(reader.namespaces).toContainEqual([namespace]);
    report('pyiceberg reader', `lists ${reader.namespaces.length} namespaces, including ${namespace}`);

    await fetch(`${services.restUri}/v1/namespaces/${namespace}`, { method: 'DELETE' });
  });
});
