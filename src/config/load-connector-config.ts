// Loads connector files: one file, or every *.yaml / *.yml of a folder (hidden
// entries skipped, symlinks followed: a Kubernetes ConfigMap mount is a folder of
// symlinks next to a hidden ..data folder).
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { ConfigSource } from './config-source.ts';
import type { ConnectorConfig } from './connector-config.ts';
import {
  checkConnectorExclusives,
  connectorConfigSchema,
  type ParsedConnectorConfig,
} from './connector-config-schema.ts';
import type { ChangeSettings } from './connector-mode.ts';
import type { Env } from './env-interpolation.ts';
import { parseConfigSource } from './parse-config-source.ts';

const CONNECTOR_FILE = /\.ya?ml$/i;

export function loadConnectorConfig(path: string, env: Env = process.env): ConnectorConfig {
  const defaultName = basename(path, extname(path));
  const parsed = parseConfigSource(ConfigSource.read(path), connectorConfigSchema, {
    env,
    prepare: (raw) => {
      if (raw.name === undefined) raw.name = defaultName;
    },
    check: checkConnectorExclusives,
  });
  return toConnectorConfig(parsed, resolve(path));
}

/** Every connector file of the folder, sorted by file name; the problems of all files in one ConfigError. */
export function loadConnectorConfigs(dir: string, env: Env = process.env): ConnectorConfig[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : String(code);
    throw new ConfigError(
      `${dir}: cannot read the connectors folder: ${reason}`,
      { file: dir },
      { cause: error },
    );
  }
  const files = entries
    .filter((entry) => !entry.startsWith('.') && CONNECTOR_FILE.test(entry))
    .map((entry) => join(dir, entry))
    .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile() === true)
    .sort();
  const connectors: ConnectorConfig[] = [];
  const failures: string[] = [];
  let problems = 0;
  for (const file of files) {
    try {
      connectors.push(loadConnectorConfig(file, env));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      failures.push(error.message);
      problems += Number(error.context.problems ?? 1);
    }
  }
  if (failures.length > 0) throw new ConfigError(failures.join('\n'), { file: dir, problems });
  return connectors;
}

function toConnectorConfig(parsed: ParsedConnectorConfig, file: string): ConnectorConfig {
  return {
    name: parsed.name,
    file,
    ...(parsed.topics !== undefined ? { topics: parsed.topics } : {}),
    ...(parsed.topicPattern !== undefined ? { topicPattern: parsed.topicPattern } : {}),
    key: { format: parsed.key.format },
    ...(parsed.mode !== 'append' ? { mode: parsed.mode, changes: changeSettings(parsed) } : {}),
    value: parsed.value.schema === undefined ? { format: parsed.value.format } : parsed.value,
    ...(parsed.table !== undefined ? { table: parsed.table } : {}),
    ...(parsed.route !== undefined ? { route: parsed.route } : {}),
    autoCreate: {
      enabled: parsed.autoCreate.enabled,
      partitionBy: parsed.autoCreate.partitionBy.map((field) => field.text),
      partitionFields: parsed.autoCreate.partitionBy.map((field) => field.request),
      properties: parsed.autoCreate.properties,
    },
    schemaEvolution: parsed.schemaEvolution,
    metadataColumn: parsed.metadataColumn,
    commit: parsed.commit,
    errors: parsed.errors,
    maintenance: parsed.maintenance,
  };
}

function changeSettings(parsed: ParsedConnectorConfig): ChangeSettings {
  return {
    ...(parsed.key.fields !== undefined ? { keyFields: parsed.key.fields } : {}),
    ...(parsed.cdc !== undefined ? { cdc: parsed.cdc } : {}),
    ...(parsed.order !== undefined ? { orderBy: parsed.order.by } : {}),
  };
}
