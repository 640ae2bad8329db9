// `floe validate`: loads and cross-checks the config files; with
// --connectivity also reaches the broker (topics exist), the schema registry,
// the catalog (which tables exist) and storage (reads their metadata, writes
// and deletes one probe object), and says what answered.
import { randomUUID } from 'node:crypto';
import { formatTableIdentifier, parseTableIdentifier } from '../catalog/table-identifier.ts';
import { connectorTables } from '../config/connector-config.ts';
import { ConfigError } from '../errors.ts';
import type { FileIO } from '../io/file-io.ts';
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
  // Each table (route.default too): whether it exists, and where it keeps its files.
  const existing: ExistingTable[] = [];
  await check('tables', async () => {
    const catalog = await buildCatalog(worker, io, silentLogger);
    try {
      const names: string[] = [];
      for (const target of new Set(connectors.flatMap(connectorTables))) {
        const id = parseTableIdentifier(target);
        const exists = await catalog.tableExists(id);
        if (exists) {
          const { metadata, metadataLocation } = await catalog.loadTable(id);
          existing.push({ metadataLocation, location: metadata.location });
        }
        names.push(`${formatTableIdentifier(id)}${exists ? '' : ' (created on first record)'}`);
      }
      return names.join(', ') || 'none';
    } finally {
      await catalog.close();
    }
  });
  await check('storage', () => probeStorage(io, existing, worker.catalog.warehouse));
  return failures === 0 ? 0 : 1;
}

interface ExistingTable {
  readonly metadataLocation: string;
  readonly location: string;
}

/**
 * What floe does with storage, through its own client (endpoint, credentials,
 * bucket): reads each existing table's current metadata file, and writes then
 * deletes one small object under the warehouse (or, when the warehouse is a
 * catalog's name rather than a path, under the first table's location).
 */
async function probeStorage(
  io: FileIO,
  tables: readonly ExistingTable[],
  warehouse: string | undefined,
): Promise<string> {
  const done: string[] = [];
  if (tables.length > 0) {
    let bytes = 0;
    for (const table of tables) bytes += (await io.read(table.metadataLocation)).length;
    done.push(`read ${tables.length} table metadata file(s) (${bytes} bytes)`);
  }
  const isPath = warehouse !== undefined && /^([a-z][a-z0-9+.-]*:\/\/|\/)/i.test(warehouse);
  const folder = isPath ? warehouse : tables[0]?.location;
  if (folder === undefined)
    return 'no table exists yet and the warehouse is not a storage path: nothing to try';
  const probe = `${folder.replace(/\/+$/, '')}/.floe-validate-${randomUUID()}`;
  await io.write(probe, new TextEncoder().encode('floe validate --connectivity\n'));
  await io.delete(probe);
  done.push(`wrote and deleted ${probe}`);
  return done.join('; ');
}
