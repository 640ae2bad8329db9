// Loads the worker file: parse and validate, then resolve relative paths against
// the file's folder and fill in the defaults that depend on dataDir.
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigSource } from './config-source.ts';
import type { Env } from './env-interpolation.ts';
import { checkFixedKafkaProperties } from './fixed-kafka-properties.ts';
import { parseConfigSource } from './parse-config-source.ts';
import type { CatalogConfig, KafkaConfig, TlsConfig, WorkerConfig } from './worker-config.ts';
import { type ParsedWorkerConfig, workerConfigSchema } from './worker-config-schema.ts';

export function loadWorkerConfig(path: string, env: Env = process.env): WorkerConfig {
  const parsed = parseConfigSource(ConfigSource.read(path), workerConfigSchema, {
    env,
    check: checkFixedKafkaProperties,
  });
  return resolveWorkerConfig(parsed, resolve(path));
}

function resolveWorkerConfig(parsed: ParsedWorkerConfig, file: string): WorkerConfig {
  const folder = dirname(file);
  const dataDir = resolve(folder, parsed.dataDir);
  return {
    file,
    kafka: resolveKafka(parsed.kafka, folder),
    ...(parsed.schemaRegistry ? { schemaRegistry: parsed.schemaRegistry } : {}),
    catalog: resolveCatalog(parsed.catalog, dataDir),
    storage: parsed.storage,
    connectorsDir: resolve(folder, parsed.connectorsDir),
    dataDir,
    server: parsed.server,
    log: parsed.log,
    memory: parsed.memory,
    commitTimeoutMs: parsed.commitTimeoutMs,
  };
}

function resolveKafka(kafka: ParsedWorkerConfig['kafka'], folder: string): KafkaConfig {
  const tls = kafka.security?.tls;
  if (kafka.security === undefined || tls === undefined) return kafka;
  const at = (path: string | undefined) => (path === undefined ? undefined : resolve(folder, path));
  const resolved: TlsConfig = {
    ...tls,
    caFile: at(tls.caFile),
    certFile: at(tls.certFile),
    keyFile: at(tls.keyFile),
  };
  return { ...kafka, security: { ...kafka.security, tls: resolved } };
}

function resolveCatalog(catalog: ParsedWorkerConfig['catalog'], dataDir: string): CatalogConfig {
  if (catalog.type === 'rest') return catalog;
  return {
    type: 'sql',
    name: catalog.name,
    // SQLAlchemy's absolute form: sqlite:/// followed by the absolute path.
    uri: catalog.uri ?? `sqlite:///${resolve(dataDir, 'catalog.db')}`,
    warehouse: catalog.warehouse ?? pathToFileURL(resolve(dataDir, 'warehouse')).href,
  };
}
