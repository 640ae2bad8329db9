// The keyed modes through the connector runtime, on a real SQLite catalog,
// local files and LMDB: records -> changes -> collapse -> plan against the key
// index -> data files per Kafka partition + position-delete files -> row-delta
// commit with the offsets -> index updates applied. Over several batches on two
// partitions, with a restart (the index rebuilt from the table), a batch
// discarded and read again, and a partition revoked (released before its batch
// is committed, as the worker does) and assigned back, the table equals a replay of the changes in a
// dictionary, with order.by too; no equality deletes; every data file is
// attributed to its Kafka partition.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DebeziumEvent } from '../../../../src/codec/debezium-envelope.ts';
import { currentSchema } from '../../../../src/iceberg/table-metadata.ts';
import type { Row } from '../../../../src/iceberg/types.ts';
import { silentLogger } from '../../../../src/log.ts';
import { readParquetRows } from '../../../../src/parquet/parquet-row-reader.ts';
import { FloeMetrics } from '../../../../src/server/metrics-registry.ts';
import { ConnectorRuntime } from '../../../../src/worker/connector-runtime.ts';
import type { ConnectorSettings, DecodedRecord } from '../../../../src/worker/connector-settings.ts';
import type { KafkaRecord } from '../../../../src/worker/kafka-types.ts';
import { supersedes } from '../../../../src/worker/upsert/change.ts';
import { fileAttribution } from '../../../../src/worker/upsert/file-attribution.ts';
import type { KeyedConnector } from '../../../../src/worker/upsert/keyed-connector.ts';
import { tableLiveFiles } from '../../../../src/worker/upsert/table-live-files.ts';
import { Rng } from '../../../sim/rng.ts';
import { jsonConverter, type Stack, settings, stack, table } from '../../../support/in-process-connector.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function keyedSettings(orderBy: string | undefined, formatVersion = '2'): ConnectorSettings {
  const indexDir = mkdtempSync(join(tmpdir(), 'floe-keyed-'));
  dirs.push(indexDir);
  const keyed: KeyedConnector = {
    mode: 'upsert',
    file: 'connectors/k.yaml',
    keyFields: ['id'],
    orderBy,
    tombstones: 'delete',
    event: (record): DebeziumEvent => {
      if (record.value === null) return { kind: 'tombstone' };
      const decoded = jsonConverter.convert(record) as DecodedRecord;
      return { kind: 'upsert', op: 'u', row: decoded.row, schema: decoded.schema, source: null };
    },
    key: (record) => record.key?.toString() ?? null,
    indexDir,
  };
  const base = settings('k', { kind: 'single', table: table('k') });
  const autoCreate = { ...base.autoCreate, properties: { 'format-version': formatVersion } };
  return { ...base, autoCreate, keyed };
}

function change(partition: number, offset: number, id: number, value: Row | null): KafkaRecord {
  const bytes = value === null ? null : Buffer.from(JSON.stringify(value));
  const key = Buffer.from(String(id));
  return {
    topic: 't',
    partition,
    offset: BigInt(offset),
    timestampMs: 0,
    key,
    value: bytes,
    headers: [],
    sizeBytes: key.length + (bytes?.length ?? 0),
  };
}

/** The table's live rows by id, read with the spec's position-delete semantics. */
async function tableRows(s: Stack): Promise<Map<string, Row>> {
  const metadata = (await s.catalog.loadTable(table('k'))).metadata;
  const schema = currentSchema(metadata);
  const rows = new Map<string, Row>();
  for (const file of await tableLiveFiles(s.io, metadata, 'r.k')) {
    expect(fileAttribution(file.path)?.topic).toBe('t');
    readParquetRows(await s.io.read(file.path), schema, file.path).forEach((row, pos) => {
      if (file.deleted.has(pos)) return;
      const id = String(row.id);
      expect(rows.has(id), `id ${id} live twice`).toBe(false);
      rows.set(id, { id: row.id, v: row.v });
    });
  }
  return rows;
}

describe.each([
  ['offset order, v2', undefined, '2'],
  ['order.by, v2', 'v', '2'],
  ['offset order, v3 (deletion vectors)', undefined, '3'],
  ['order.by, v3 (deletion vectors)', 'v', '3'],
])('keyed connector runtime (%s)', (_name, orderBy, formatVersion) => {
  it.each([1, 2, 3])(
    'seed %i: the table equals the replay across restarts and a dropped batch',
    async (seed) => {
      const rng = new Rng(seed * 31 + (orderBy ? 1 : 0));
      const s = stack();
      const keyed = keyedSettings(orderBy, formatVersion);
      const tps = [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ];
      let runtime = s.runtime(keyed);
      await runtime.assign(tps);
      const next = [0, 0];
      const replay = new Map<string, Row>();
      const orderOf = new Map<string, string | undefined>();
      for (let batchNo = 0; batchNo < 8; batchNo++) {
        if (batchNo === 4) {
          runtime = s.runtime(keyed); // a restart: the index is rebuilt from the table
          await runtime.assign(tps);
        }
        const records: KafkaRecord[][] = [[], []];
        for (let i = 0; i < 120; i++) {
          const id = rng.int(40);
          const partition = id % 2;
          const version = String(rng.int(1000)).padStart(4, '0');
          const value = rng.chance(0.15) ? null : { id, v: version };
          records[partition]!.push(change(partition, next[partition]!++, id, value));
        }
        const dropped = batchNo === 2 || batchNo === 6;
        for (const attempt of dropped ? [1, 2] : [2]) {
          for (const run of records) await runtime.processRun(run, 0, run.length);
          if (attempt === 1) {
            runtime.discard();
            continue;
          }
          if (batchNo === 5) {
            // A revoke as the worker does it: released first, then the batch committed; then assigned back.
            runtime.release([tps[1]!]);
            await runtime.commit();
            await runtime.assign([tps[1]!]);
          } else await runtime.commit();
        }
        for (const run of records) {
          for (const record of run) {
            const id = record.key!.toString();
            const value = record.value === null ? null : (JSON.parse(record.value.toString()) as Row);
            const order = orderBy === undefined || value === null ? undefined : (value.v as string);
            if (orderOf.has(id) && !supersedes({ order }, { order: orderOf.get(id) })) continue;
            orderOf.set(id, order);
            if (value === null) replay.delete(id);
            else replay.set(id, { id: BigInt(value.id as number), v: value.v });
          }
        }
      }
      const rows = await tableRows(s);
      expect(new Map([...rows].sort())).toEqual(new Map([...replay].sort()));
      const metadata = (await s.catalog.loadTable(table('k'))).metadata;
      expect(currentSchema(metadata).identifierFieldIds).toEqual([
        currentSchema(metadata).fields.find((f) => f.name === 'id')!.id,
      ]);
      expect(metadata.formatVersion).toBe(Number(formatVersion));
      expect(metadata.snapshots.some((snap) => snap.summary.operation === 'overwrite')).toBe(true);
      const deletes = formatVersion === '3' ? 'added-dvs' : 'added-position-delete-files';
      expect(metadata.snapshots.some((snap) => Number(snap.summary[deletes] ?? 0) > 0)).toBe(true);
      expect(
        metadata.snapshots.every((snap) => (snap.summary['added-equality-deletes'] ?? '0') === '0'),
      ).toBe(true);
    },
  );
});

it('exports inserts, updates and deletes per table and the key index size and rebuilds as Prometheus metrics', async () => {
  const s = stack();
  const metrics = new FloeMetrics({ processMetrics: false });
  const keyed = keyedSettings(undefined);
  const tp = { topic: 't', partition: 0 };
  const make = () =>
    new ConnectorRuntime({ settings: keyed, catalog: s.catalog, io: s.io, log: silentLogger, metrics });
  const first = make();
  await first.assign([tp]);
  const inserts = [1, 2, 3].map((id, i) => change(0, i, id, { id, v: 'a' }));
  await first.processRun(inserts, 0, inserts.length);
  await first.commit();
  const second = make(); // rebuilds partition 0's index: 3 keys
  await second.assign([tp]);
  const more = [
    change(0, 3, 1, { id: 1, v: 'b' }),
    change(0, 4, 2, null),
    change(0, 5, 4, { id: 4, v: 'a' }),
  ];
  await second.processRun(more, 0, more.length);
  await second.commit();
  const text = await metrics.metricsText();
  const labels = 'connector="k",table="r.k"';
  expect(text).toContain(`floe_row_changes_total{${labels},change="insert"} 4`);
  expect(text).toContain(`floe_row_changes_total{${labels},change="update"} 1`);
  expect(text).toContain(`floe_row_changes_total{${labels},change="delete"} 1`);
  expect(text).toContain(`floe_key_index_keys{${labels},index="t:0"} 3`);
  expect(text).toContain(`floe_key_index_rebuild_keys_total{${labels}} 3`);
  expect(text).toMatch(/floe_key_index_rebuild_seconds_total\{connector="k",table="r.k"\} \d/);
});
