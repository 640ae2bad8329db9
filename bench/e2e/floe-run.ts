// One timed `floe run`: a worker file and one connector for the benchmark topic,
// the worker as a child process (optionally under `node --cpu-prof`), done when
// the table's committed offsets (floe.offsets.bench) reach the topic's end offsets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { committedOffsets } from '../../src/worker/table-offsets.ts';
import type { BenchServices } from './bench-services.ts';
import type { BenchTopic } from './bench-topic.ts';
import {
  localCatalogPaths,
  openBenchCatalog,
  readTableProgress,
  type Storage,
  type TableProgress,
} from './table-progress.ts';
import { runTimedChild, type TimedChildResult } from './timed-child.ts';

const CONNECTOR = 'bench';

export interface FloeRunOptions {
  readonly services: BenchServices;
  readonly topic: BenchTopic;
  readonly storage: Storage;
  readonly runDir: string;
  readonly runId: string;
  readonly commitIntervalMs: number;
  /** Write a V8 CPU profile of the worker into this folder. */
  readonly cpuProfileDir?: string;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
}

export async function runFloe(options: FloeRunOptions): Promise<TimedChildResult & { table: string }> {
  const { services, topic, storage, runDir } = options;
  const dataDir = join(runDir, 'data');
  mkdirSync(join(runDir, 'connectors'), { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const table = `bench.${topic.topic}_floe_${storage}_${options.runId}`;
  const catalog =
    storage === 'local'
      ? { type: 'sql', name: 'floe_bench', ...localCatalogPaths(dataDir) }
      : { type: 'rest', uri: services.restUri, warehouse: services.restWarehouse };
  const worker = {
    kafka: {
      bootstrapServers: services.kafkaBrokers,
      groupId: `floe-bench-${topic.topic}-${storage}-${options.runId}`,
    },
    schemaRegistry: { url: services.registryUrl },
    catalog,
    storage: {
      s3: {
        endpoint: services.s3.endpoint,
        region: services.s3.region,
        pathStyleAccess: true,
        accessKeyId: services.s3.accessKeyId,
        secretAccessKey: services.s3.secretAccessKey,
      },
    },
    connectorsDir: './connectors',
    dataDir: './data',
    server: { host: '127.0.0.1' },
    log: { level: 'info' },
  };
  const connector = {
    topics: [topic.topic],
    value: { format: 'avro' },
    key: { format: 'none' },
    table,
    autoCreate: { enabled: true, partitionBy: [] },
    commit: { intervalMs: options.commitIntervalMs },
  };
  const configFile = join(runDir, 'floe.yaml');
  writeFileSync(configFile, stringify(worker));
  writeFileSync(join(runDir, 'connectors', `${CONNECTOR}.yaml`), stringify(connector));

  const id = parseTableIdentifier(table);
  const reader = await openBenchCatalog(storage, services, dataDir);
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  try {
    const result = await runTimedChild({
      label: `floe (${storage})`,
      command: process.execPath,
      args: [...profile, join(services.root, 'bin/floe.js'), 'run', '--config', configFile, '--port', '0'],
      cwd: runDir,
      logFile: join(runDir, 'floe.log'),
      poll: () => readTableProgress(reader, id),
      isDone: (progress) => reachedEnd(progress, topic),
      timeoutMs: options.timeoutMs,
      say: options.say,
    });
    return { ...result, table };
  } finally {
    await reader.close();
  }
}

function reachedEnd(progress: TableProgress, topic: BenchTopic): boolean {
  const committed = committedOffsets(progress.metadata, CONNECTOR).get(topic.topic);
  if (committed === undefined) return false;
  for (const [partition, end] of topic.endOffsets) {
    if ((committed.get(partition) ?? 0n) < end) return false;
  }
  return true;
}
