// Checks across the worker file and all connector files, once all are loaded:
// what no single file can know. All problems in one ConfigError.
//
// A table belongs to one connector: each connector records its Kafka offsets in
// the snapshots it commits, and on restart reads them back from the table's
// history. Two connectors writing one table would interleave their snapshots and
// make that history ambiguous (and conflict on every commit), so it is refused.
import { ConfigError } from '../errors.ts';
import { type ConnectorConfig, connectorTables } from './connector-config.ts';
import type { WorkerConfig } from './worker-config.ts';

export function validateConnectorSet(worker: WorkerConfig, connectors: readonly ConnectorConfig[]): void {
  const problems: string[] = [];
  if (connectors.length === 0) {
    problems.push(`${worker.connectorsDir}: no connector files (*.yaml, *.yml) in the connectors folder`);
  }
  const byName = new Map<string, ConnectorConfig>();
  const byTopic = new Map<string, ConnectorConfig>();
  const byTable = new Map<string, ConnectorConfig>();

  for (const connector of connectors) {
    const at = (key: string, message: string) => problems.push(`${connector.file}: ${key}: ${message}`);
    const sameName = byName.get(connector.name);
    if (sameName !== undefined) at('name', `"${connector.name}" is already the name of ${sameName.file}`);
    else byName.set(connector.name, connector);

    for (const topic of connector.topics ?? []) {
      const other = byTopic.get(topic);
      if (other !== undefined && other !== connector) {
        at(
          'topics',
          `topic "${topic}" is already consumed by ${owner(other)}; a topic belongs to one connector`,
        );
      } else byTopic.set(topic, connector);
    }
    for (const table of connectorTables(connector)) {
      const other = byTable.get(table);
      if (other !== undefined && other !== connector) {
        at(
          connector.table !== undefined ? 'table' : 'route',
          `table "${table}" is already written by ${owner(other)}; a table belongs to one connector, which keeps its offsets in the table's snapshots`,
        );
      } else byTable.set(table, connector);
    }
    checkFormats(worker, connector, at);
    checkErrors(connector, at);
    if (connector.route !== undefined && Object.keys(connector.route.tables).length === 0) {
      at('route.tables', 'must map at least one field value to a table');
    }
    if (connector.topics === undefined && connector.topicPattern === undefined)
      at('topics', 'is required (or topicPattern)');
    if (connector.table === undefined && connector.route === undefined) at('table', 'is required (or route)');
  }

  const patterns = connectors.flatMap((connector) =>
    connector.topicPattern === undefined ? [] : [{ connector, pattern: wholeName(connector.topicPattern) }],
  );
  for (const { connector, pattern } of patterns) {
    for (const [topic, other] of byTopic) {
      if (other !== connector && pattern.test(topic)) {
        problems.push(
          `${connector.file}: topicPattern: also matches topic "${topic}" of ${owner(other)}; a topic belongs to one connector`,
        );
      }
    }
  }
  for (const connector of connectors) {
    const dlq = connector.errors.dlqTopic;
    if (dlq !== undefined) problems.push(...deadLetterLoops(connector, dlq, byTopic, patterns));
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), { problems: problems.length });
}

/** A dead-letter topic that a connector consumes, by name or by its topicPattern, would feed failed records back. */
function deadLetterLoops(
  connector: ConnectorConfig,
  dlq: string,
  byTopic: ReadonlyMap<string, ConnectorConfig>,
  patterns: readonly { readonly connector: ConnectorConfig; readonly pattern: RegExp }[],
): string[] {
  const at = `${connector.file}: errors.dlqTopic: "${dlq}"`;
  const loops: string[] = [];
  const consumer = byTopic.get(dlq);
  if (consumer !== undefined) {
    loops.push(`${at} is consumed by ${owner(consumer)}; failed records would loop`);
  }
  for (const { connector: other, pattern } of patterns) {
    if (!pattern.test(dlq)) continue;
    loops.push(
      other === connector
        ? `${at} matches the connector's own topicPattern; failed records would loop`
        : `${at} is consumed by ${owner(other)} through its topicPattern; failed records would loop`,
    );
  }
  return loops;
}

function owner(connector: ConnectorConfig): string {
  return `connector "${connector.name}" (${connector.file})`;
}

function checkFormats(
  worker: WorkerConfig,
  connector: ConnectorConfig,
  at: (key: string, message: string) => void,
): void {
  if (worker.schemaRegistry !== undefined) return;
  const needsRegistry = (format: string) =>
    format === 'avro' || format === 'json-schema' || format === 'protobuf';
  if (needsRegistry(connector.value.format)) {
    at('value.format', `${connector.value.format} needs schemaRegistry in the worker file (${worker.file})`);
  }
  if (needsRegistry(connector.key.format)) {
    at('key.format', `${connector.key.format} needs schemaRegistry in the worker file (${worker.file})`);
  }
}

function checkErrors(connector: ConnectorConfig, at: (key: string, message: string) => void): void {
  if (connector.errors.policy === 'dlq' && connector.errors.dlqTopic === undefined) {
    at('errors.dlqTopic', 'is required with policy dlq');
  }
}

/** Kafka regex subscriptions match whole topic names. */
export function wholeName(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}
