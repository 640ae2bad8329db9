// One keyed Avro topic of the crash tests (test/integration/upsert-crash.test.ts)
// and the table a `floe run` worker keeps from it: the topic (3 partitions,
// keyed by id through the registry), the worker and connector files (upsert,
// key.fields [id], a short session timeout, no maintenance), waves of keyed
// changes over a small key space with everything produced kept (partition,
// offset), the dictionary replay of the changes below the table's offsets, and
// the table's live rows read in-process.
import type { Catalog } from '../../src/catalog/catalog.ts';
import { parseTableIdentifier } from '../../src/catalog/table-identifier.ts';
import { currentSchema } from '../../src/iceberg/table-metadata.ts';
import { readParquetRows } from '../../src/parquet/parquet-row-reader.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import type { ProducerRecord } from '../../src/worker/kafka-types.ts';
import { fileAttribution } from '../../src/worker/upsert/file-attribution.ts';
import { tableLiveFiles } from '../../src/worker/upsert/table-live-files.ts';
import { Rng } from '../sim/rng.ts';
import { testFileIO } from './io.ts';
import { createTopic, registerAvro, registry, TestProducer } from './kafka-tools.ts';
import { services, uniqueName } from './services.ts';
import { type CatalogChoice, type WorkerSetup, writeWorkerConfig } from './worker-process.ts';

export const PARTITIONS = 3;
const KEYS = 300;
const WAVE = 600;

const VALUE_SCHEMA = {
  type: 'record',
  name: 'Account',
  namespace: 'floe.crash',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
  ],
};

export type Value = { id: number; name: string };
export interface Produced {
  readonly id: number;
  readonly partition: number;
  readonly offset: number;
  /** null: a tombstone. */
  readonly value: Value | null;
}

export interface CrashCase {
  readonly label: string;
  readonly catalog: CatalogChoice;
  readonly formatVersion: 2 | 3;
  /** FLOE_CRASH_POINT of each run, in order. */
  readonly points: readonly string[];
  /** The last run has a second worker join mid-stream. */
  readonly rebalance: boolean;
}

/** One table's topic, worker setup and everything produced to it. */
export class Target {
  readonly spec: CrashCase;
  readonly topic = uniqueName('crash-keyed');
  readonly table = `it_upsert_crash.${this.topic.replaceAll('-', '_')}`;
  readonly produced: Produced[] = [];
  /** The restarted worker: a static member (the same group.instance.id), so a run after a kill -9 gets the partitions without waiting out the dead one's session. */
  readonly setup: WorkerSetup;
  /** A second worker of the group, dynamic, with its own folder (key index store): a rebalance when it joins. */
  readonly joinerSetup: WorkerSetup;
  readonly #next = new Array<number>(PARTITIONS).fill(0);
  readonly #rng: Rng;
  #schemaId = 0;
  #serial = 0;

  constructor(spec: CrashCase, seed: number) {
    this.spec = spec;
    this.#rng = new Rng(seed);
    const groupId = uniqueName('crash-group');
    const config = (groupInstanceId?: string) =>
      writeWorkerConfig({
        groupId,
        catalog: spec.catalog,
        extra: {
          kafka: {
            bootstrapServers: services.kafkaBrokers,
            groupId,
            ...(groupInstanceId === undefined ? {} : { groupInstanceId }),
            properties: { 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '500' },
          },
        },
        connectors: {
          keyed: {
            topics: [this.topic],
            mode: 'upsert',
            key: { format: 'string', fields: ['id'] },
            value: { format: 'avro' },
            table: this.table,
            autoCreate: { properties: { 'format-version': String(spec.formatVersion) } },
            commit: { intervalMs: 500, maxRecords: 100_000 },
            // No compaction: the rebuild crash needs a partition of several data files.
            maintenance: { enabled: false },
          },
        },
      });
    this.setup = config(`${groupId}-restarted`);
    this.joinerSetup = config();
  }

  async create(): Promise<void> {
    await createTopic(this.topic, PARTITIONS);
    this.#schemaId = await registerAvro(`${this.topic}-value`, VALUE_SCHEMA);
  }

  /** A wave of changes over the key space: 15% tombstones (of present and absent keys), the rest upserts. */
  async produceWave(): Promise<void> {
    const records: ProducerRecord[] = [];
    for (let i = 0; i < WAVE; i++) {
      const id = this.#rng.int(KEYS);
      const partition = id % PARTITIONS;
      const value = this.#rng.chance(0.15) ? null : { id, name: `n${this.#serial++}` };
      this.produced.push({ id, partition, offset: this.#next[partition]!++, value });
      const bytes = value === null ? null : await registry.encode(this.#schemaId, value);
      records.push({ key: Buffer.from(String(id)), value: bytes, partition });
    }
    const producer = await new TestProducer().connect();
    try {
      await producer.send(this.topic, records);
    } finally {
      await producer.disconnect();
    }
  }

  /** The dictionary replay of the changes below each partition's offset (all when absent). */
  replay(offsets?: ReadonlyMap<number, bigint>): Map<number, Value> {
    const rows = new Map<number, Value>();
    for (const { id, partition, offset, value } of this.produced) {
      if (offsets !== undefined && BigInt(offset) >= (offsets.get(partition) ?? 0n)) continue;
      if (value === null) rows.delete(id);
      else rows.set(id, value);
    }
    return rows;
  }
}

export const io = testFileIO();

export async function committed(catalog: Catalog, t: Target): Promise<Map<number, bigint>> {
  try {
    const { metadata } = await catalog.loadTable(parseTableIdentifier(t.table));
    return committedOffsets(metadata, 'keyed').get(t.topic) ?? new Map();
  } catch {
    return new Map();
  }
}

export const total = (offsets: ReadonlyMap<number, bigint>) =>
  [...offsets.values()].reduce((n, o) => n + Number(o), 0);

/** The table's live rows read in-process (position deletes and deletion vectors applied), and keys found twice. */
export async function tableRows(
  catalog: Catalog,
  t: Target,
): Promise<{ rows: Map<number, Value>; twice: number[] }> {
  const { metadata } = await catalog.loadTable(parseTableIdentifier(t.table));
  const schema = currentSchema(metadata);
  const rows = new Map<number, Value>();
  const twice: number[] = [];
  for (const file of await tableLiveFiles(io, metadata, t.table)) {
    readParquetRows(await io.read(file.path), schema, file.path).forEach((row, position) => {
      if (file.deleted.has(position)) return;
      const id = Number(row.id as bigint);
      if (rows.has(id)) twice.push(id);
      rows.set(id, { id, name: row.name as string });
    });
  }
  return { rows, twice };
}

/** The most live data files attributed to one Kafka partition. */
export async function mostFilesOfAPartition(catalog: Catalog, t: Target): Promise<number> {
  const { metadata } = await catalog.loadTable(parseTableIdentifier(t.table));
  const counts = new Map<number, number>();
  for (const file of await tableLiveFiles(io, metadata, t.table)) {
    const partition = fileAttribution(file.path)?.partition ?? -1;
    counts.set(partition, (counts.get(partition) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}

export const sorted = (rows: Iterable<Value>) => [...rows].sort((a, b) => a.id - b.id);
