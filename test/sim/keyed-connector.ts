// A keyed seed's connector, wired as `floe run` wires it: a connector file's
// config (mode upsert or cdc with cdc.format debezium, key.fields or the Kafka
// key, order.by, the table's format version, one table or a route) through the CLI's own
// connectorSettings and keyedConnector, so the worker runs the real keyed
// path (keyed-batch.ts, keyed-table-writer.ts, keyed-indexes.ts with its LMDB
// store in the process's data folder) on the actor's faulty catalog and FileIO.

import { keyedConnector, keyedConverter } from '../../src/cli/keyed-settings.ts';
import { connectorSettings } from '../../src/cli/runtime-factory.ts';
import type { ConnectorConfig } from '../../src/config/connector-config.ts';
import type { ConnectorSettings } from '../../src/worker/connector-settings.ts';
import type { Scenario } from './scenario.ts';

/** The connector file a keyed seed's workers load (`dataDir`: the worker's data folder). */
export function keyedConnectorConfig(s: Scenario, commit: ConnectorSettings['commit']): ConnectorConfig {
  const k = s.keyed!;
  return {
    name: s.connector,
    file: `connectors/${s.connector}.yaml`,
    topics: [s.topic],
    key: { format: k.keySource === 'fields' ? 'string' : 'json' },
    mode: k.mode,
    changes: {
      ...(k.keySource === 'fields' ? { keyFields: ['id'] } : {}),
      ...(k.mode === 'cdc' ? { cdc: { format: 'debezium', tombstones: k.tombstones } } : {}),
      ...(k.orderBy ? { orderBy: 'ver' } : {}),
    },
    value: { format: 'json' },
    ...(s.kind === 'routed'
      ? { route: { field: 'route', tables: Object.fromEntries(s.routes) } }
      : { table: s.routes.get('*')! }),
    autoCreate: {
      enabled: true,
      partitionBy: [],
      partitionFields: [],
      properties: {
        'format-version': String(k.formatVersion),
        'commit.manifest.min-count-to-merge': String(s.mergeMinCount),
      },
    },
    schemaEvolution: true,
    metadataColumn: false,
    commit,
    errors: { policy: 'skip' },
  };
}

/** The settings `floe run` builds from that file (cli/connector-runtime-builder.ts). */
export function keyedConnectorSettings(
  s: Scenario,
  commit: ConnectorSettings['commit'],
  dataDir: string,
): ConnectorSettings {
  const config = keyedConnectorConfig(s, commit);
  const base = connectorSettings(config, undefined);
  const keyed = keyedConnector(config, undefined, dataDir, base.converter);
  return { ...base, converter: keyedConverter(base.converter, keyed), keyed: keyed! };
}
