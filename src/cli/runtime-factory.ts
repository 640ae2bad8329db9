// Builds floe's concrete parts from validated config: FileIO, catalog, schema
// registry, per-connector settings with their record converters, Kafka client
// config. Used by every command; only the CLI constructs concrete classes.
import type { Catalog } from '../catalog/catalog.ts';
import { RestCatalog } from '../catalog/rest/rest-catalog.ts';
import { openSqlCatalog } from '../catalog/sql/open-sql-catalog.ts';
import { parseTableIdentifier } from '../catalog/table-identifier.ts';
import { createValueDecoder } from '../codec/record-decoder.ts';
import { SchemaRegistryClient } from '../codec/schema-registry-client.ts';
import type { ConnectorConfig } from '../config/connector-config.ts';
import type { WorkerConfig } from '../config/worker-config.ts';
import { DeferredFileIO } from '../io/deferred-file-io.ts';
import type { FileIO } from '../io/file-io.ts';
import { LocalFileIO } from '../io/local-file-io.ts';
import { ResolvingFileIO } from '../io/resolving-file-io.ts';
import type { Logger } from '../log.ts';
import type {
  ConnectorSettings,
  ErrorPolicy,
  RecordConverter,
  TableRoute,
} from '../worker/connector-settings.ts';
import { createdTableProperties } from '../worker/created-table-properties.ts';
import type { KafkaClientConfig } from '../worker/kafka-types.ts';

export function buildFileIO(config: WorkerConfig, log: Logger): FileIO {
  const s3 = config.storage.s3;
  return new ResolvingFileIO({
    local: new LocalFileIO(),
    // The AWS SDK (~0.1 s of CPU to load) only once a path on S3 is first used.
    s3: new DeferredFileIO(async () => {
      const { S3FileIO } = await import('../io/s3-file-io.ts');
      return new S3FileIO({
        ...(s3?.endpoint ? { endpoint: s3.endpoint } : {}),
        ...(s3?.region ? { region: s3.region } : {}),
        forcePathStyle: s3?.pathStyleAccess ?? false,
        ...(s3?.accessKeyId ? { accessKeyId: s3.accessKeyId } : {}),
        ...(s3?.secretAccessKey ? { secretAccessKey: s3.secretAccessKey } : {}),
        ...(s3?.sessionToken ? { sessionToken: s3.sessionToken } : {}),
        logger: log,
      });
    }),
  });
}

export async function buildCatalog(config: WorkerConfig, io: FileIO, log: Logger): Promise<Catalog> {
  const catalog = config.catalog;
  if (catalog.type === 'sql') {
    return openSqlCatalog({
      name: catalog.name,
      uri: catalog.uri,
      warehouse: catalog.warehouse,
      io,
      logger: log,
    });
  }
  return RestCatalog.connect({
    name: catalog.name,
    uri: catalog.uri,
    ...(catalog.warehouse ? { warehouse: catalog.warehouse } : {}),
    ...(catalog.credential ? { credential: catalog.credential } : {}),
    ...(catalog.token ? { token: catalog.token } : {}),
    ...(catalog.oauth2ServerUri ? { oauth2ServerUri: catalog.oauth2ServerUri } : {}),
    ...(catalog.scope ? { scope: catalog.scope } : {}),
    properties: catalog.properties,
    logger: log,
  });
}

export function buildSchemaRegistry(config: WorkerConfig): SchemaRegistryClient | undefined {
  const registry = config.schemaRegistry;
  if (registry === undefined) return undefined;
  return new SchemaRegistryClient({
    url: registry.url,
    ...(registry.basicAuth ? { basicAuth: registry.basicAuth } : {}),
    ...(registry.bearerToken ? { bearerToken: registry.bearerToken } : {}),
  });
}

export function kafkaClientConfig(config: WorkerConfig): KafkaClientConfig {
  const kafka = config.kafka;
  return {
    bootstrapServers: kafka.bootstrapServers,
    groupId: kafka.groupId,
    ...(kafka.groupInstanceId ? { groupInstanceId: kafka.groupInstanceId } : {}),
    ...(kafka.clientId ? { clientId: kafka.clientId } : {}),
    ...(kafka.security ? { security: kafka.security } : {}),
    properties: kafka.properties,
  };
}

export function connectorSettings(
  connector: ConnectorConfig,
  registry: SchemaRegistryClient | undefined,
): ConnectorSettings {
  const decoder = createValueDecoder(connector.value.format, {
    ...(registry ? { registry } : {}),
    ...(connector.value.schema ? { schema: connector.value.schema } : {}),
    ...(connector.value.unknownFields ? { unknownFields: connector.value.unknownFields } : {}),
    metadataColumn: connector.metadataColumn
      ? { name: connector.metadataColumn.name, keyFormat: connector.key.format }
      : false,
  });
  const directSync = decoder.directSync?.bind(decoder);
  const converter: RecordConverter = {
    convert: (record) => decoder.decodeSync(record.value, record) ?? decoder.decode(record.value, record),
    followTable: (schema) => decoder.followTable?.(schema),
    ...(directSync ? { direct: (record: { value: Buffer | null }) => directSync(record.value) } : {}),
  };
  const route: TableRoute = connector.table
    ? { kind: 'single', table: parseTableIdentifier(connector.table) }
    : {
        kind: 'field',
        field: connector.route!.field,
        tables: new Map(
          Object.entries(connector.route!.tables).map(([value, table]) => [
            value,
            parseTableIdentifier(table),
          ]),
        ),
        ...(connector.route!.default ? { fallback: parseTableIdentifier(connector.route!.default) } : {}),
      };
  const errors: ErrorPolicy =
    connector.errors.policy === 'dlq'
      ? { kind: 'dlq', topic: connector.errors.dlqTopic! }
      : { kind: connector.errors.policy };
  return {
    name: connector.name,
    topics: connector.topics ?? new RegExp(`^(?:${connector.topicPattern})$`),
    route,
    autoCreate: {
      enabled: connector.autoCreate.enabled,
      partitionBy: connector.autoCreate.partitionFields,
      properties: createdTableProperties(connector.autoCreate.properties),
    },
    schemaEvolution: connector.schemaEvolution,
    commit: connector.commit,
    errors,
    converter,
  };
}
