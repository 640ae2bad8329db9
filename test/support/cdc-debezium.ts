// The Debezium side of the CDC chain test: registers a Debezium PostgreSQL connector
// (3.6.1, run by the stack's Kafka Connect, scripts/services.d/connect.sh) for some
// tables with its own topic prefix, replication slot and publication, waits for it,
// tells when it has passed a WAL position, and removes everything it made
// (connector, slot, publication, topics).
//
// Settings (docs/upsert.md, "Debezium"): snapshot.mode initial (rows present at
// registration arrive as `r` events), skipped.operations none (truncates are
// emitted; the default skips them), Debezium's default time.precision.mode
// (adaptive: its own Date, MicroTimestamp, MicroTime, ZonedTimestamp and Uuid
// types, which floe maps to Iceberg's), decimal.handling.mode precise
// (Connect Decimal), one partition per topic, a heartbeat every second (so the
// slot's confirmed_flush_lsn moves past WAL of other tables and databases too).
// Values and keys: Avro through the registry (Apicurio's converter in Confluent
// wire format, as test/interop/capture_debezium.py) or JSON with the schema envelope.
import type pg from 'pg';
import { KafkaAdminClient } from '../../src/worker/kafka/admin-client.ts';
import { services } from './services.ts';

export type DebeziumEncoding = 'avro' | 'json-schemas';

const PLUGIN = 'io.debezium.connector.postgresql.PostgresConnector';

function apicurio(prefix: string): Record<string, string> {
  const settings = {
    'apicurio.registry.url': services.registryUrl.replace('/apis/ccompat/v7', '/apis/registry/v2'),
    'apicurio.registry.auto-register': 'true',
    'apicurio.registry.find-latest': 'true',
    'apicurio.registry.as-confluent': 'true',
    'apicurio.registry.use-id': 'contentId',
    'apicurio.registry.headers.enabled': 'false',
  };
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${prefix}.${k}`, v]));
}

function converters(encoding: DebeziumEncoding): Record<string, string> {
  if (encoding === 'avro') {
    const avro = 'io.apicurio.registry.utils.converter.AvroConverter';
    return {
      'key.converter': avro,
      'value.converter': avro,
      ...apicurio('key.converter'),
      ...apicurio('value.converter'),
    };
  }
  const json = 'org.apache.kafka.connect.json.JsonConverter';
  return {
    'key.converter': json,
    'value.converter': json,
    'key.converter.schemas.enable': 'true',
    'value.converter.schemas.enable': 'true',
  };
}

/** Kafka Connect's REST API (scripts/services env: FLOE_CONNECT_URL). */
export const CONNECT_URL =
  process.env.FLOE_CONNECT_URL ?? `http://127.0.0.1:${process.env.FLOE_CONNECT_PORT ?? '18083'}`;

async function connectApi(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(`${CONNECT_URL}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new Error(
      `Kafka Connect (Debezium) does not answer at ${CONNECT_URL} (${(error as Error).message}); start it with scripts/services up`,
    );
  }
  return { status: response.status, text: await response.text() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DebeziumCapture {
  readonly name: string;
  readonly prefix: string;
  readonly slot: string;
  readonly publication: string;
  readonly tables: readonly string[];
  readonly #pg: pg.Client;

  private constructor(client: pg.Client, tag: string, tables: readonly string[]) {
    this.#pg = client;
    this.name = `floe-${tag}`;
    this.prefix = tag;
    this.slot = `${tag}_slot`;
    this.publication = `${tag}_pub`;
    this.tables = tables;
  }

  /** Registers a connector for `public.<table>` of each table; `tag`: [a-z0-9_], unique per test run. */
  static async register(
    client: pg.Client,
    options: { tag: string; tables: readonly string[]; encoding: DebeziumEncoding },
  ): Promise<DebeziumCapture> {
    const capture = new DebeziumCapture(client, options.tag, options.tables);
    const pgUrl = new URL(services.postgresUrl);
    const config = {
      'connector.class': PLUGIN,
      'plugin.name': 'pgoutput',
      'database.hostname': pgUrl.hostname,
      'database.port': pgUrl.port || '5432',
      'database.user': decodeURIComponent(pgUrl.username),
      'database.password': decodeURIComponent(pgUrl.password),
      'database.dbname': pgUrl.pathname.slice(1),
      'topic.prefix': capture.prefix,
      'table.include.list': options.tables.map((t) => `public.${t}`).join(','),
      'slot.name': capture.slot,
      'publication.name': capture.publication,
      'publication.autocreate.mode': 'filtered',
      'snapshot.mode': 'initial',
      'skipped.operations': 'none',
      'decimal.handling.mode': 'precise',
      'heartbeat.interval.ms': '1000',
      'topic.creation.default.replication.factor': '1',
      'topic.creation.default.partitions': '1',
      ...converters(options.encoding),
    };
    const { status, text } = await connectApi('POST', '/connectors', { name: capture.name, config });
    if (status >= 300)
      throw new Error(`registering the Debezium connector ${capture.name}: ${status} ${text}`);
    return capture;
  }

  /** The Kafka topic of `public.<table>`. */
  topic(table: string): string {
    return `${this.prefix}.public.${table}`;
  }

  /** Waits until the connector's task runs and its replication slot exists (changes from then on are captured). */
  async waitStreaming(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const { status, text } = await connectApi('GET', `/connectors/${this.name}/status`);
      last = `${status} ${text}`;
      if (status === 200) {
        const tasks = (JSON.parse(text) as { tasks: Array<{ state: string; trace?: string }> }).tasks;
        const failed = tasks.find((t) => t.state === 'FAILED');
        if (failed) throw new Error(`the Debezium connector ${this.name} failed: ${failed.trace ?? text}`);
        if (
          tasks.length > 0 &&
          tasks.every((t) => t.state === 'RUNNING') &&
          (await this.slotLsn()) !== undefined
        )
          return;
      }
      await sleep(1000);
    }
    throw new Error(`the Debezium connector ${this.name} is not streaming after ${timeoutMs} ms: ${last}`);
  }

  /** The slot's confirmed_flush_lsn (what Debezium has acknowledged), undefined while the slot does not exist. */
  async slotLsn(): Promise<string | undefined> {
    const { rows } = await this.#pg.query<{ lsn: string | null }>(
      'select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = $1',
      [this.slot],
    );
    return rows[0]?.lsn ?? undefined;
  }

  /**
   * Waits until Debezium has acknowledged the WAL up to `lsn` (it acknowledges only
   * what it has written to Kafka and recorded as its source offset).
   */
  async waitForFlush(lsn: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.#pg.query<{ done: boolean; at: string | null }>(
        'select confirmed_flush_lsn >= $2::pg_lsn as done, confirmed_flush_lsn::text as at from pg_replication_slots where slot_name = $1',
        [this.slot, lsn],
      );
      if (rows[0]?.done) return;
      if (Date.now() > deadline)
        throw new Error(
          `slot ${this.slot} acknowledged ${rows[0]?.at ?? 'nothing'} after ${timeoutMs} ms, waiting for ${lsn}`,
        );
      await sleep(500);
    }
  }

  /** Deletes the connector, then drops its replication slot and publication, and deletes its topics. */
  async remove(): Promise<void> {
    const { status, text } = await connectApi('DELETE', `/connectors/${this.name}`);
    const problems = status >= 300 && status !== 404 ? [`deleting ${this.name}: ${status} ${text}`] : [];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#pg.query(
          'select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1',
          [this.slot],
        );
        break;
      } catch (error) {
        // the connector's walsender may hold the slot for a moment after the delete
        if (attempt >= 30) {
          problems.push(`dropping slot ${this.slot}: ${(error as Error).message}`);
          break;
        }
        await sleep(1000);
      }
    }
    await this.#pg.query(`drop publication if exists ${this.publication}`);
    const topics = [...this.tables.map((t) => this.topic(t)), `__debezium-heartbeat.${this.prefix}`];
    await deleteTopics(topics);
    if (problems.length > 0) throw new Error(problems.join('; '));
  }
}

/** The end offset (high watermark) of a one-partition topic; 0 while it does not exist. */
export async function endOffset(admin: KafkaAdminClient, topic: string): Promise<number> {
  try {
    const partitions = await admin.fetchTopicOffsets(topic);
    return partitions.reduce((sum, p) => sum + Number(p.high), 0);
  } catch {
    return 0;
  }
}

/** Waits until each topic's end offset reaches its expected record count; throws naming them if not. */
export async function waitForEndOffsets(
  expected: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<void> {
  const admin = KafkaAdminClient.create({ bootstrapServers: services.kafkaBrokers, groupId: 'floe-tests' });
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const have = new Map<string, number>();
      for (const topic of expected.keys()) have.set(topic, await endOffset(admin, topic));
      if ([...expected].every(([topic, n]) => have.get(topic) === n)) return;
      if (Date.now() > deadline || [...expected].some(([topic, n]) => have.get(topic)! > n)) {
        const lines = [...expected].map(
          ([topic, n]) => `${topic}: end offset ${have.get(topic)}, expected ${n}`,
        );
        throw new Error(`Debezium's topics do not hold the expected records:\n  ${lines.join('\n  ')}`);
      }
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopics(topics: readonly string[]): Promise<void> {
  const admin = KafkaAdminClient.create({ bootstrapServers: services.kafkaBrokers, groupId: 'floe-tests' });
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics) if (existing.has(topic)) await admin.deleteTopic(topic);
  } finally {
    await admin.disconnect();
  }
}
