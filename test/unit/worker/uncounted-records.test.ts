// Nothing a connector reads vanishes uncounted: a tombstone (null value) in an
// append-only table and a property a declared schema does not name are metered
// and logged (issue 12).
import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { primitive, type Schema } from '../../../src/iceberg/types.ts';
import type { Logger } from '../../../src/log.ts';
import { ConnectorRuntime } from '../../../src/worker/connector-runtime.ts';
import type { KafkaRecord } from '../../../src/worker/kafka-types.ts';
import { noMetrics, type WorkerMetrics } from '../../../src/worker/worker-metrics.ts';
import { record, settings, stack, table } from '../../support/in-process-connector.ts';

const declared: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [{ id: 1, name: 'id', required: true, type: primitive('long') }],
};

function recording() {
  const counts: string[] = [];
  const lines: { level: string; message: string }[] = [];
  const metrics: WorkerMetrics = {
    ...noMetrics,
    recordsSkipped: (_c, topic, reason, n) => void counts.push(`skipped ${topic} ${reason} ${n}`),
    fieldsDropped: (_c, topic, reason, n) => void counts.push(`dropped ${topic} ${reason} ${n}`),
  };
  const log: Logger = {
    debug: (message) => void lines.push({ level: 'debug', message }),
    info: () => {},
    warn: (message) => void lines.push({ level: 'warn', message }),
    error: () => {},
    child: () => log,
  };
  return { counts, lines, metrics, log };
}

function runtimeWith(
  metrics: WorkerMetrics,
  log: Logger,
  unknownFields: 'drop' | 'add' = 'drop',
  s = stack(),
): ConnectorRuntime {
  const decoder = createValueDecoder('json', { schema: declared, unknownFields });
  const converter = {
    convert: (r: KafkaRecord) => decoder.decodeSync(r.value, r) ?? decoder.decode(r.value, r),
  };
  return new ConnectorRuntime({
    settings: { ...settings('c', { kind: 'single', table: table('t') }), converter },
    catalog: s.catalog,
    io: s.io,
    log,
    metrics,
  });
}

const tombstone = (offset: number): KafkaRecord => ({ ...record(0, offset, {}), value: null, sizeBytes: 0 });

describe('records and fields that are not written', () => {
  it('counts tombstones by reason and logs them once per run at debug level', async () => {
    const { counts, lines, metrics, log } = recording();
    const runtime = runtimeWith(metrics, log);
    await runtime.assign([{ topic: 't', partition: 0 }]);
    const records = [record(0, 0, { id: 1 }), tombstone(1), tombstone(2), record(0, 3, { id: 2 })];
    expect(await runtime.processRun(records, 0, records.length)).toBe(4);
    expect(counts).toEqual(['skipped t tombstone 2']);
    expect(lines.filter((l) => l.message.includes('tombstone'))).toEqual([
      { level: 'debug', message: 'tombstones skipped (null values; the table is append-only)' },
    ]);
  });

  it('counts properties the declared schema does not name and warns once per field', async () => {
    const { counts, lines, metrics, log } = recording();
    const runtime = runtimeWith(metrics, log);
    await runtime.assign([{ topic: 't', partition: 0 }]);
    const records = [0, 1, 2].map((i) => record(0, i, { id: i, note: 'x' }));
    await runtime.processRun(records, 0, records.length);
    expect(counts).toEqual(['dropped t unknown-field 3']);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      't: field "note" is not in value.schema and is dropped (value.unknownFields: error refuses such records, add adds top-level fields as columns)',
    ]);
  });

  it('adds unknown top-level properties as table columns under value.unknownFields: add', async () => {
    const { counts, metrics, log } = recording();
    const s = stack();
    const runtime = runtimeWith(metrics, log, 'add', s);
    await runtime.assign([{ topic: 't', partition: 0 }]);
    const records = [record(0, 0, { id: 1 }), record(0, 1, { id: 2, note: 'x' })];
    await runtime.processRun(records, 0, records.length);
    await runtime.commit();
    const metadata = (await s.catalog.loadTable(table('t'))).metadata;
    const current = metadata.schemas.find((schema) => schema.schemaId === metadata.currentSchemaId);
    expect(current?.fields.map((f) => f.name)).toEqual(['id', 'note']);
    expect(await s.rows(table('t'))).toBe(2);
    expect(counts).toEqual([]);
  });
});
