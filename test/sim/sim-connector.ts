// The connector every simulated worker and backfill runs: schemaless JSON
// values (inferred schema, evolving), one table or routed by the `route` field,
// bad records skipped, and floe's real ConnectorRuntime on the actor's faulty
// catalog and FileIO, its clock and retries on simulated time. A keyed seed's
// connector is built as `floe run` builds it (keyed-connector.ts).
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { createValueDecoder } from '../../src/codec/record-decoder.ts';
import type { FileIO } from '../../src/io/file-io.ts';
import type { Logger } from '../../src/log.ts';
import { ConnectorRuntime } from '../../src/worker/connector-runtime.ts';
import type { ConnectorSettings, TableRoute } from '../../src/worker/connector-settings.ts';
import { noMetrics } from '../../src/worker/worker-metrics.ts';
import { keyedConnectorSettings } from './keyed-connector.ts';
import type { Scenario } from './scenario.ts';
import type { SimWorld } from './sim-world.ts';

export function connectorSettings(
  s: Scenario,
  commit: ConnectorSettings['commit'] = s.commit,
): ConnectorSettings {
  const decoder = createValueDecoder('json'); // one per process: the inferred schema is in-memory state
  const route: TableRoute =
    s.kind === 'routed'
      ? {
          kind: 'field',
          field: 'route',
          tables: new Map([...s.routes].map(([value, table]) => [value, parseTableIdentifier(table)])),
        }
      : { kind: 'single', table: parseTableIdentifier(s.routes.get('*')!) };
  return {
    name: s.connector,
    topics: [s.topic],
    route,
    autoCreate: {
      enabled: true,
      partitionBy: [],
      properties: { 'commit.manifest.min-count-to-merge': String(s.mergeMinCount) },
    },
    schemaEvolution: true,
    commit,
    errors: { kind: 'skip' },
    converter: {
      convert: (record) => decoder.decodeSync(record.value, record) ?? decoder.decode(record.value, record),
    },
  };
}

/** Backoff costs neither real nor simulated time: only the driver moves the clock. */
export const noSleep = (): Promise<void> => Promise.resolve();

export interface RuntimeArgs {
  readonly world: SimWorld;
  readonly scenario: Scenario;
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly log: Logger;
  readonly commit?: ConnectorSettings['commit'];
  /** The process's data folder (a keyed connector's key index goes there). */
  readonly dataDir: string;
}

export function simConnectorRuntime(args: RuntimeArgs): ConnectorRuntime {
  const { world, scenario } = args;
  const settings = scenario.keyed
    ? keyedConnectorSettings(scenario, args.commit ?? scenario.commit, args.dataDir)
    : connectorSettings(scenario, args.commit);
  return new ConnectorRuntime({
    settings,
    catalog: args.catalog,
    io: args.io,
    log: args.log,
    metrics: noMetrics,
    producer: {
      // No backoff: simulated time does not pass while floe sleeps (jitter is 0, see runner).
      conflictRetry: { maxAttempts: scenario.conflictAttempts, baseDelayMs: 0, maxDelayMs: 0 },
      reconcileTimeoutMs: 60_000,
      now: world.clock.now,
      sleep: noSleep,
    },
    now: world.clock.now,
  });
}
