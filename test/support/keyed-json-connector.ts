// A keyed upsert connector over JSON values for in-process tests (with
// in-process-connector.ts): the key column is `id`, a null value is a
// tombstone that deletes, the Kafka key is the id as text; and its records.
import type { DebeziumEvent } from '../../src/codec/debezium-envelope.ts';
import type { Row } from '../../src/iceberg/types.ts';
import type { DecodedRecord } from '../../src/worker/connector-settings.ts';
import type { KafkaRecord } from '../../src/worker/kafka-types.ts';
import type { KeyedConnector } from '../../src/worker/upsert/keyed-connector.ts';
import { jsonConverter } from './in-process-connector.ts';

/** `mode: upsert` keyed by `id`, as connector file `file` would load it; its key index under `indexDir`. */
export function jsonUpsertConnector(file: string, indexDir: string): KeyedConnector {
  return {
    mode: 'upsert',
    file,
    keyFields: ['id'],
    tombstones: 'delete',
    event: (record): DebeziumEvent => {
      if (record.value === null) return { kind: 'tombstone' };
      const decoded = jsonConverter.convert(record) as DecodedRecord;
      return { kind: 'upsert', op: 'u', row: decoded.row, schema: decoded.schema, source: null };
    },
    key: (record) => record.key?.toString() ?? null,
    indexDir,
  };
}

/** A change of key `id` at `offset` of t[0]: the JSON value, or a tombstone for null. */
export function keyedChange(offset: number, id: number, value: Row | null, partition = 0): KafkaRecord {
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
