// A connector runtime on a real SQLite catalog and local files, fed records by
// the test instead of Kafka: the commit protocol end to end without a broker.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { openSqlCatalog } from '../../src/catalog/sql/open-sql-catalog.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import type { Row, Schema } from '../../src/iceberg/types.ts';
import { LocalFileIO } from '../../src/io/local-file-io.ts';
import { silentLogger } from '../../src/log.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import { ConnectorRuntime } from '../../src/worker/connector-runtime.ts';
import type { ConnectorSettings, TableRoute } from '../../src/worker/connector-settings.ts';
import type { KafkaRecord } from '../../src/worker/kafka-types.ts';
import { noMetrics } from '../../src/worker/worker-metrics.ts';

export const table = (name: string): TableIdentifier => ({ namespace: ['r'], name });

/** JSON values with a long `id`, a string `kind` and any further string fields, each mapped by name. */
export const jsonConverter: ConnectorSettings['converter'] = {
  convert(record) {
    const row = JSON.parse(record.value!.toString()) as Row;
    const names = Object.keys(row).filter((n) => n !== 'id');
    const schema: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: false, type: { kind: 'long' } },
        ...names.map((name, i) => ({ id: i + 2, name, required: false, type: { kind: 'string' as const } })),
      ],
    };
    return { row: { ...row, id: BigInt(row.id as number) }, schema };
  },
};

export function settings(name: string, route: TableRoute, maxRecords = 1_000_000): ConnectorSettings {
  return {
    name,
    topics: ['t'],
    route,
    autoCreate: { enabled: true, partitionBy: [], properties: {} },
    schemaEvolution: true,
    commit: { intervalMs: 3_600_000, maxRecords, maxBytes: 1e12, idleMs: 0 },
    errors: { kind: 'skip' },
    converter: jsonConverter,
  };
}

/** Connector `routed`: field `kind` routes 'a' to table r.a and 'b' to table r.b. */
export function routedSettings(maxRecords?: number): ConnectorSettings {
  const tables = new Map([
    ['a', table('a')],
    ['b', table('b')],
  ]);
  return settings('routed', { kind: 'field', field: 'kind', tables }, maxRecords);
}

export function record(partition: number, offset: number, value: Record<string, unknown>): KafkaRecord {
  const bytes = Buffer.from(JSON.stringify(value));
  return {
    topic: 't',
    partition,
    offset: BigInt(offset),
    timestampMs: 0,
    key: null,
    value: bytes,
    headers: [],
    sizeBytes: bytes.length,
  };
}

export interface Stack {
  readonly catalog: Catalog;
  readonly io: LocalFileIO;
  runtime(settings: ConnectorSettings): ConnectorRuntime;
  rows(id: TableIdentifier): Promise<number>;
  offsets(id: TableIdentifier, connector: string): Promise<Map<number, bigint>>;
}

export function stack(): Stack {
  const dir = mkdtempSync(join(tmpdir(), 'floe-inproc-'));
  const io = new LocalFileIO();
  const catalog = openSqlCatalog({
    name: 'c',
    uri: join(dir, 'catalog.db'),
    warehouse: `file://${dir}/wh`,
    io,
  });
  return {
    catalog,
    io,
    runtime: (s) => new ConnectorRuntime({ settings: s, catalog, io, log: silentLogger, metrics: noMetrics }),
    async rows(id) {
      const head = branchHead((await catalog.loadTable(id)).metadata, 'main');
      return Number(head?.summary['total-records'] ?? 0);
    },
    async offsets(id, connector) {
      const metadata = (await catalog.loadTable(id)).metadata;
      return committedOffsets(metadata, connector).get('t') ?? new Map();
    },
  };
}

/** Feeds records to the runtime a partition run at a time, committing every `every` records. */
export async function feed(
  runtime: ConnectorRuntime,
  records: readonly KafkaRecord[],
  every: number,
): Promise<void> {
  for (let i = 0; i < records.length; i += every) {
    const chunk = records.slice(i, i + every);
    await runtime.processRun(chunk, 0, chunk.length);
    await runtime.commit();
  }
}
