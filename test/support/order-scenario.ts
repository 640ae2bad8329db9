// One Avro orders topic (6 partitions) and a worker folder whose connector
// commits often and whose group moves a dead member's partitions after 6 s (the
// broker's minimum session timeout) instead of 45 s: the setting of the fault
// and rebalance tests, where crashes must land between and inside commits.
import { KAFKA, type TestBroker } from './brokers.ts';
import { createTopic, registerAvro, registry } from './kafka-tools.ts';
import { ORDER_SCHEMA_V1, orderPayload } from './orders.ts';
import { produceNumbered } from './produce.ts';
import { uniqueName } from './services.ts';
import { type CatalogChoice, type WorkerSetup, writeWorkerConfig } from './worker-process.ts';

export const SCENARIO_PARTITIONS = 6;
export const SCENARIO_CONNECTOR = 'orders';

export interface OrderScenario {
  readonly topic: string;
  readonly table: string;
  readonly schemaId: number;
  readonly setup: WorkerSetup;
  /** The broker the topic lives on. */
  readonly broker: TestBroker;
}

export async function orderScenario(
  choice: CatalogChoice,
  prefix: string,
  broker: TestBroker = KAFKA,
  /** Connector keys added to (or replacing) the scenario's. */
  connector: Record<string, unknown> = {},
): Promise<OrderScenario> {
  const topic = uniqueName(prefix);
  const table = `it_${choice}.${topic}`;
  await createTopic(topic, SCENARIO_PARTITIONS, broker.bootstrap);
  const schemaId = await registerAvro(`${topic}-value`, ORDER_SCHEMA_V1);
  const groupId = uniqueName('group');
  const setup = writeWorkerConfig({
    groupId,
    catalog: choice,
    connectors: {
      [SCENARIO_CONNECTOR]: {
        topics: [topic],
        value: { format: 'avro' },
        table,
        autoCreate: { partitionBy: ['bucket(4, id)'] },
        commit: { intervalMs: 700, maxRecords: 1500 },
        ...connector,
      },
    },
    extra: {
      kafka: {
        bootstrapServers: broker.bootstrap,
        groupId,
        properties: { 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '500' },
      },
    },
  });
  return { topic, table, schemaId, setup, broker };
}

/** Orders `from` to `to - 1` (order i to partition i % 6), Avro with the scenario's schema. */
export function produceOrders(s: OrderScenario, from: number, to: number): Promise<void> {
  const ids = Array.from({ length: to - from }, (_, i) => from + i);
  return produceNumbered(
    s.topic,
    SCENARIO_PARTITIONS,
    ids,
    (i) => registry.encode(s.schemaId, orderPayload(i)),
    {
      bootstrap: s.broker.bootstrap,
    },
  );
}
