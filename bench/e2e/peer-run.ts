// One timed run of the peer: Apache Kafka Connect (standalone) with the Apache
// Iceberg sink (scripts/peer-connect), on the same topic, broker, registry and
// REST catalog. Its snapshots carry the control topic's offsets, not the data
// topic's, so it is done when the table holds every record.

import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tableIdentifier } from '../../src/catalog/table-identifier.ts';
import { KafkaAdminClient } from '../../src/worker/kafka/admin-client.ts';
import type { BenchServices } from './bench-services.ts';
import { type BenchTopic, kafkaConfig } from './bench-topic.ts';
import { openBenchCatalog, readTableProgress } from './table-progress.ts';
import { runTimedChild, type TimedChildResult } from './timed-child.ts';

export interface PeerRunOptions {
  readonly services: BenchServices;
  readonly topic: BenchTopic;
  readonly runDir: string;
  readonly runId: string;
  readonly commitIntervalMs: number;
  readonly tasks: number;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
}

export async function runPeer(options: PeerRunOptions): Promise<TimedChildResult & { table: string }> {
  const { services, topic, runDir, runId } = options;
  const name = `${topic.topic}_peer_s3_${runId}`;
  const controlTopic = `${name}_control`;
  const admin = KafkaAdminClient.create(kafkaConfig(services, 'floe-bench'));
  await admin.connect();
  try {
    await admin.createTopic(controlTopic, 1);
  } finally {
    await admin.disconnect();
  }
  const catalog = await openBenchCatalog('s3', services, runDir);
  if (!(await catalog.namespaceExists(['bench']))) await catalog.createNamespace(['bench']).catch(() => {});

  const workerFile = join(runDir, 'connect-worker.properties');
  const connectorFile = join(runDir, 'iceberg-sink.properties');
  writeFileSync(
    workerFile,
    properties({
      'bootstrap.servers': services.kafkaBrokers,
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
      'value.converter.apicurio.registry.url': services.registryV2Url,
      // Confluent wire format: 4-byte ids that are Apicurio content ids (= ccompat ids).
      'value.converter.apicurio.registry.as-confluent': 'true',
      'value.converter.apicurio.registry.use-id': 'contentId',
      'offset.storage.file.filename': join(runDir, 'connect.offsets'),
      // WorkerSinkTask polls for up to this long when the topic is drained, and the
      // Iceberg sink answers its coordinator only inside put(): at the default 60 s
      // the last commit of a finite run waits minutes (see docs/benchmarks.md).
      'offset.flush.interval.ms': '1000',
      listeners: `http://127.0.0.1:${await freePort()}`,
    }),
  );
  writeFileSync(
    connectorFile,
    properties({
      name: `peer-${name}`,
      'connector.class': 'org.apache.iceberg.connect.IcebergSinkConnector',
      'tasks.max': String(options.tasks),
      topics: topic.topic,
      'iceberg.tables': `bench.${name}`,
      'iceberg.tables.auto-create-enabled': 'true',
      'iceberg.control.topic': controlTopic,
      'iceberg.control.commit.interval-ms': String(options.commitIntervalMs),
      'iceberg.kafka.bootstrap.servers': services.kafkaBrokers,
      'iceberg.catalog.type': 'rest',
      'iceberg.catalog.uri': services.restUri,
      'iceberg.catalog.warehouse': services.restWarehouse,
      'iceberg.catalog.io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
      'iceberg.catalog.s3.endpoint': services.s3.endpoint,
      'iceberg.catalog.s3.path-style-access': 'true',
      'iceberg.catalog.s3.access-key-id': services.s3.accessKeyId,
      'iceberg.catalog.s3.secret-access-key': services.s3.secretAccessKey,
      'iceberg.catalog.client.region': services.s3.region,
    }),
  );

  const id = tableIdentifier(['bench'], name);
  try {
    const result = await runTimedChild({
      label: 'kafka connect (s3)',
      command: join(services.root, 'scripts/peer-connect'),
      args: ['run', workerFile, connectorFile],
      env: { ...process.env, AWS_REGION: services.s3.region },
      cwd: runDir,
      logFile: join(runDir, 'connect.log'),
      poll: () => readTableProgress(catalog, id),
      isDone: (progress) => progress.records >= topic.records,
      timeoutMs: options.timeoutMs,
      say: options.say,
    });
    return { ...result, table: `bench.${name}` };
  } finally {
    await catalog.close();
    await deleteTopic(services, controlTopic);
  }
}

async function deleteTopic(services: BenchServices, name: string): Promise<void> {
  const admin = KafkaAdminClient.create(kafkaConfig(services, 'floe-bench'));
  await admin.connect();
  try {
    await admin.deleteTopic(name);
  } catch {
    // Left behind: harmless, names are unique per run.
  } finally {
    await admin.disconnect();
  }
}

function properties(entries: Record<string, string>): string {
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value.replaceAll('\\', '\\\\')}`)
    .join('\n')}\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
