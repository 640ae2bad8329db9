// The benchmark's input: N records of one shape in a topic named after the shape
// and N, in the Confluent wire format with the schema registered in the registry.
// A topic that already holds exactly N records is reused (the records are
// deterministic), so repeated runs skip the produce step.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { confluentHeader } from '../../src/codec/wire-format.ts';
import { KafkaAdminClient } from '../../src/worker/kafka/admin-client.ts';
import { KafkaProducerClient } from '../../src/worker/kafka/producer-client.ts';
import type { KafkaClientConfig, ProducerRecord } from '../../src/worker/kafka-types.ts';
import type { BenchServices } from './bench-services.ts';
import type { RecordShape } from './record-shapes.ts';

export interface BenchTopic {
  readonly topic: string;
  readonly partitions: number;
  readonly records: number;
  /** Sum of the record values' sizes (wire-format header + Avro body); keys are null. */
  readonly valueBytes: number;
  /** Next offset of every partition once the topic is fully produced. */
  readonly endOffsets: ReadonlyMap<number, bigint>;
}

const BATCH = 20_000;
const SIZES_FILE = join(tmpdir(), 'floe-bench', 'topic-sizes.json');

export function kafkaConfig(services: BenchServices, groupId: string): KafkaClientConfig {
  return { bootstrapServers: services.kafkaBrokers, groupId };
}

export async function registerSchema(
  services: BenchServices,
  subject: string,
  schema: object,
): Promise<number> {
  const response = await fetch(`${services.registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema) }),
  });
  if (!response.ok)
    throw new Error(`registering ${subject}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: number }).id;
}

export async function prepareTopic(
  services: BenchServices,
  shape: RecordShape,
  records: number,
  partitions: number,
  fresh: boolean,
  say: (line: string) => void,
): Promise<BenchTopic> {
  const topic = `bench_${shape.name}_${records}_p${partitions}`;
  const schemaId = await registerSchema(services, `${topic}-value`, shape.schema);
  const admin = KafkaAdminClient.create(kafkaConfig(services, 'floe-bench'));
  await admin.connect();
  try {
    const exists = (await admin.listTopics()).includes(topic);
    const held = exists ? await totalRecords(admin, topic) : 0;
    const sizes = readSizes();
    // The registry may have been reset since the topic was filled (new ids).
    const sameSchema = sizes[`${topic}#schemaId`] === schemaId;
    if (exists && held === records && !fresh && sizes[topic] !== undefined && sameSchema) {
      say(`reusing topic ${topic} (${records} records)`);
    } else {
      if (exists) {
        say(
          `deleting topic ${topic} (holds ${held} records, want ${records}, schema id ${sameSchema ? 'same' : 'changed'})`,
        );
        await admin.deleteTopic(topic);
        await waitForDeletion(admin, topic);
      }
      await admin.createTopic(topic, partitions);
      sizes[topic] = await produce(services, topic, shape, schemaId, records, partitions, say);
      sizes[`${topic}#schemaId`] = schemaId;
      writeSizes(sizes);
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    return {
      topic,
      partitions: offsets.length,
      records,
      valueBytes: sizes[topic]!,
      endOffsets: new Map(offsets.map((o) => [o.partition, o.high])),
    };
  } finally {
    await admin.disconnect();
  }
}

async function produce(
  services: BenchServices,
  topic: string,
  shape: RecordShape,
  schemaId: number,
  records: number,
  partitions: number,
  say: (line: string) => void,
): Promise<number> {
  const header = confluentHeader(schemaId);
  const { bytes, seconds } = await produceRecords(services, topic, records, say, (i) => ({
    key: null,
    value: Buffer.concat([header, shape.encode(i)]),
    partition: i % partitions,
  }));
  say(
    `produced ${records} records (${(bytes / 1e6).toFixed(1)} MB, ${(bytes / records).toFixed(1)} B/record) ` +
      `to ${topic} in ${seconds.toFixed(1)} s`,
  );
  return bytes;
}

/** Sends `count` records made by `make(0..count-1)`, in order; returns the bytes of their values and the time taken. */
export async function produceRecords(
  services: BenchServices,
  topic: string,
  count: number,
  say: (line: string) => void,
  make: (i: number) => ProducerRecord,
): Promise<{ bytes: number; seconds: number }> {
  const producer = KafkaProducerClient.create({
    ...kafkaConfig(services, 'floe-bench'),
    properties: { 'linger.ms': '20', 'batch.size': '1000000', 'queue.buffering.max.messages': '500000' },
  });
  await producer.connect();
  const start = performance.now();
  let bytes = 0;
  try {
    for (let first = 0; first < count; first += BATCH) {
      const batch: ProducerRecord[] = [];
      for (let i = first; i < Math.min(first + BATCH, count); i++) {
        const record = make(i);
        bytes += record.value?.length ?? 0;
        batch.push(record);
      }
      await producer.send(topic, batch);
      if ((first / BATCH) % 50 === 49) say(`  produced ${first + BATCH} records to ${topic}`);
    }
  } finally {
    await producer.disconnect();
  }
  return { bytes, seconds: (performance.now() - start) / 1000 };
}

async function totalRecords(admin: KafkaAdminClient, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, o) => sum + Number(o.high - o.low), 0);
}

async function waitForDeletion(admin: KafkaAdminClient, topic: string): Promise<void> {
  for (let i = 0; i < 100 && (await admin.listTopics()).includes(topic); i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function readSizes(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(SIZES_FILE, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

function writeSizes(sizes: Record<string, number>): void {
  mkdirSync(join(tmpdir(), 'floe-bench'), { recursive: true });
  writeFileSync(SIZES_FILE, JSON.stringify(sizes, null, 2));
}
