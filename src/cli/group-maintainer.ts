// `floe run`'s answer to "does this worker maintain that table?"
// (maintenance/maintenance-owner.ts): the offsets the table records for each
// connector of this worker (worker/commit/table-offsets.ts), the topics each
// connector reads, and the partitions each holds now. Here because it joins the
// worker layer (offsets, assignment) to the maintenance layer, which never
// imports the worker.
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import { decideMaintainer, type MaintainerDecision } from '../maintenance/maintenance-owner.ts';
import { committedOffsets } from '../worker/commit/table-offsets.ts';
import type { ConnectorRuntime } from '../worker/connector-runtime.ts';
import { connectorTopics } from '../worker/connector-settings.ts';

export function groupMaintainer(
  runtimes: readonly ConnectorRuntime[],
): (metadata: TableMetadata) => MaintainerDecision {
  const byName = new Map(runtimes.map((r) => [r.settings.name, r]));
  return (metadata) => {
    const recorded = new Map(
      runtimes
        .map((r) => [r.settings.name, committedOffsets(metadata, r.settings.name)] as const)
        .filter(([, offsets]) => offsets.size > 0),
    );
    return decideMaintainer({
      recorded,
      reads: (connector, topic) => {
        const runtime = byName.get(connector);
        return runtime !== undefined && connectorTopics(runtime.settings, topic);
      },
      holds: (p) => byName.get(p.connector)?.owns(p.topic, p.partition) ?? false,
    });
  };
}
