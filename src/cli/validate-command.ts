// `floe validate`: loads and cross-checks the config files; with
// --connectivity also reaches the broker (topics exist), the schema registry,
// the catalog and the warehouse storage, and says what answered.
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import { ConfigError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { KafkaAdminClient } from '../worker/kafka/admin-client.ts';
import { loadConfig } from './load-config.ts';
import { buildCatalog, buildFileIO, kafkaClientConfig } from './runtime-factory.ts';

export interface ValidateOptions {
  readonly config: string;
  readonly connectivity?: boolean;
}

export async function validateCommand(
  options: ValidateOptions,
  out: (line: string) => void,
): Promise<number> {
  const { worker, connectors } = loadConfig(options.config);
  out(`ok  worker file ${worker.file}`);
  for (const connector of connectors) out(`ok  connector ${connector.name} (${connector.file})`);
  if (!options.connectivity) return 0;

  let failures = 0;
  const check = async (what: string, probe: () => Promise<string>) => {
    try {
      out(`ok  ${what}: ${await probe()}`);
    } catch (error) {
      failures++;
      out(`ERR ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await check(`Kafka at ${worker.kafka.bootstrapServers}`, async () => {
    const admin = KafkaAdminClient.create(kafkaClientConfig(worker), { timeoutMs: 10_000 });
    await admin.connect();
    try {
      const topics = new Set(await admin.listTopics());
      const missing = connectors.flatMap((c) => (c.topics ?? []).filter((t) => !topics.has(t)));
      if (missing.length > 0) throw new ConfigError(`topics not found: ${missing.join(', ')}`);
      return `${topics.size} topics visible; every listed connector topic exists`;
    } finally {
      await admin.disconnect();
    }
  });
  if (worker.schemaRegistry) {
    const url = worker.schemaRegistry.url;
    await check(`schema registry at ${url}`, async () => {
      const response = await fetch(`${url.replace(/\/+$/, '')}/subjects`, {
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`GET /subjects answered ${response.status}`);
      return `${((await response.json()) as unknown[]).length} subjects`;
    });
  }
  const io = buildFileIO(worker, silentLogger);
  await check(`catalog (${worker.catalog.type}) ${worker.catalog.uri}`, async () => {
    const catalog = await buildCatalog(worker, io, silentLogger);
    try {
      const namespaces = await catalog.listNamespaces();
      return `${namespaces.length} namespaces`;
    } finally {
      await catalog.close();
    }
  });
  await check('tables', async () => {
    const catalog = await buildCatalog(worker, io, silentLogger);
    try {
      const names: string[] = [];
      for (const connector of connectors) {
        const targets = connector.table ? [connector.table] : Object.values(connector.route?.tables ?? {});
        for (const target of targets) {
          const [namespace, name] = [target.split('.').slice(0, -1), target.split('.').at(-1)!];
          const exists = await catalog.tableExists({ namespace, name });
          names.push(
            `${formatTableIdentifier({ namespace, name })}${exists ? '' : ' (created on first record)'}`,
          );
        }
      }
      return names.join(', ') || 'none';
    } finally {
      await catalog.close();
    }
  });
  return failures === 0 ? 0 : 1;
}
