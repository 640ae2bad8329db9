// The one place a connector's runtime is wired, for `floe run` and `floe
// backfill` alike: its settings (with the command's commit limits), its
// dead-letter queue when the error policy asks for one, the commit timeout and
// the data file size cap from the worker file, and for `floe run` the hooks of
// background maintenance (table locks, tables to maintain).
import type { Catalog } from '../catalog/catalog.ts';
import type { SchemaRegistryClient } from '../codec/schema-registry-client.ts';
import type { ConnectorConfig } from '../config/connector-config.ts';
import type { WorkerConfig } from '../config/worker-config.ts';
import type { FileIO } from '../io/file-io.ts';
import type { Logger } from '../log.ts';
import type { MaintenanceScheduler } from '../maintenance/maintenance-scheduler.ts';
import type { SnapshotProducerOptions } from '../sink/snapshot-producer.ts';
import type { TableLocks } from '../sink/table-locks.ts';
import { ConnectorRuntime } from '../worker/connector-runtime.ts';
import type { ConnectorSettings } from '../worker/connector-settings.ts';
import { DeadLetterQueue, type DeadLetterSender } from '../worker/dead-letter-queue.ts';
import type { WorkerMetrics } from '../worker/worker-metrics.ts';
import { keyedConnector, keyedConverter } from './keyed-settings.ts';
import { connectorSettings } from './runtime-factory.ts';

export interface ConnectorRuntimeArgs {
  readonly connector: ConnectorConfig;
  readonly config: WorkerConfig;
  readonly registry: SchemaRegistryClient | undefined;
  readonly catalog: Catalog;
  readonly io: FileIO;
  /** Sends dead letters; required when the connector's policy is dlq. */
  readonly dlqSender: DeadLetterSender | undefined;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  /** The command's commit limits, when they differ from the connector file's (backfill). */
  readonly commit?: ConnectorSettings['commit'];
  /** Extra snapshot summary properties. */
  readonly summary?: Readonly<Record<string, string>>;
  /** The process's table locks and the maintenance scheduler (floe run). */
  readonly maintenance?: { readonly locks: TableLocks; readonly scheduler: MaintenanceScheduler };
}

export function buildConnectorRuntime(args: ConnectorRuntimeArgs): ConnectorRuntime {
  const base = connectorSettings(args.connector, args.registry);
  const keyed = keyedConnector(args.connector, args.registry, args.config.dataDir, base.converter);
  const settings: ConnectorSettings = {
    ...base,
    converter: keyedConverter(base.converter, keyed),
    ...(args.commit ? { commit: args.commit } : {}),
    ...(keyed ? { keyed } : {}),
  };
  const dlq =
    settings.errors.kind === 'dlq' && args.dlqSender
      ? new DeadLetterQueue(args.dlqSender, settings.errors.topic, args.connector.name)
      : undefined;
  return new ConnectorRuntime({
    settings,
    catalog: args.catalog,
    io: args.io,
    ...(dlq ? { dlq } : {}),
    log: args.log,
    metrics: args.metrics,
    producer: { reconcileTimeoutMs: args.config.commitTimeoutMs, ...maintenanceHooks(args) },
    ...(args.summary ? { summary: args.summary } : {}),
  });
}

/**
 * Commits take the process's table locks; each table committed to is maintained
 * per the connector's settings (its health figures are followed either way).
 */
function maintenanceHooks(args: ConnectorRuntimeArgs): Partial<SnapshotProducerOptions> {
  if (!args.maintenance) return {};
  const { locks, scheduler } = args.maintenance;
  const settings = args.connector.maintenance ?? { enabled: true, intervalMs: 600_000 };
  if (!settings.enabled) return { locks, onCommitted: (id) => scheduler.observe(id) };
  return { locks, onCommitted: (id) => scheduler.watch(id, settings.intervalMs) };
}
