// The keyed part of a connector's settings (mode upsert or cdc, docs/upsert.md):
// how a record becomes a change event (cdc: the Debezium decoder for the value
// format; upsert: the connector's value decoder, a null value a tombstone that
// deletes), the Kafka key decoder, and where the key index lives on disk.

import { DebeziumDecoder } from '../codec/debezium-decoder.ts';
import type { DebeziumEvent } from '../codec/debezium-envelope.ts';
import type { SchemaLookup } from '../codec/schema-lookup.ts';
import type { ConnectorConfig } from '../config/connector-config.ts';
import { ConfigError } from '../errors.ts';
import type { Schema } from '../iceberg/types.ts';
import type { DecodedRecord, RecordConverter } from '../worker/connector-settings.ts';
import { KafkaKeyDecoder } from '../worker/upsert/kafka-key-decoder.ts';
import type { KeyedConnector, KeyedRecordInput } from '../worker/upsert/keyed-connector.ts';

const TOMBSTONE: DebeziumEvent = { kind: 'tombstone' };

/** Undefined in append mode. `dataDir`: the worker's data folder (the key index goes to `key-index/` there). */
export function keyedConnector(
  connector: ConnectorConfig,
  registry: SchemaLookup | undefined,
  dataDir: string,
  converter: RecordConverter,
): KeyedConnector | undefined {
  const mode = connector.mode ?? 'append';
  if (mode === 'append') return undefined;
  const changes = connector.changes ?? {};
  const keys =
    connector.key.format === 'none' ? undefined : new KafkaKeyDecoder(connector.key.format, registry);
  const debezium = mode === 'cdc' ? debeziumDecoder(connector, registry) : undefined;
  const keyed: KeyedConnector = {
    mode,
    file: connector.file,
    keyFields: changes.keyFields,
    orderBy: changes.orderBy,
    tombstones: changes.cdc?.tombstones ?? 'delete',
    event:
      debezium === undefined
        ? upsertEvents(converter)
        : (record) => debezium.decodeSync(record.value, record) ?? debezium.decode(record.value, record),
    key: (record) => {
      if (keys === undefined) return null;
      const key = keys.decodeSync(record.key, record);
      return key === undefined ? keys.decode(record.key, record) : key;
    },
    indexDir: `${dataDir}/key-index`,
  };
  if (debezium !== undefined) followers.set(keyed, (schema) => debezium.followTable(schema));
  return keyed;
}

const followers = new WeakMap<KeyedConnector, (schema: Schema) => void>();

/**
 * The connector's record converter, telling a cdc connector's Debezium decoder
 * too the schemas of the tables it writes (loaded at assignment): a column a
 * table holds with Debezium's carrier type keeps it (docs/upsert.md, "Debezium").
 */
export function keyedConverter(
  converter: RecordConverter,
  keyed: KeyedConnector | undefined,
): RecordConverter {
  const follow = keyed === undefined ? undefined : followers.get(keyed);
  if (follow === undefined) return converter;
  return {
    convert: (record) => converter.convert(record),
    followTable: (schema) => {
      converter.followTable?.(schema);
      follow(schema);
    },
  };
}

function debeziumDecoder(connector: ConnectorConfig, registry: SchemaLookup | undefined): DebeziumDecoder {
  const format = connector.value.format;
  if (format !== 'avro' && format !== 'json') {
    throw new ConfigError(
      `${connector.file}: value.format ${format} is not a Debezium encoding; cdc.format debezium reads avro (through the schema registry) or json`,
      { file: connector.file, key: 'value.format' },
    );
  }
  if (format === 'avro' && registry === undefined) {
    throw new ConfigError(
      `${connector.file}: value.format avro needs schemaRegistry.url in the worker file`,
      {
        file: connector.file,
        key: 'value.format',
      },
    );
  }
  return new DebeziumDecoder(format, registry);
}

function upsertEvents(converter: RecordConverter) {
  const event = (decoded: DecodedRecord): DebeziumEvent => ({
    kind: 'upsert',
    op: 'u',
    row: decoded.row,
    schema: decoded.schema,
    source: null,
  });
  return (record: KeyedRecordInput): DebeziumEvent | Promise<DebeziumEvent> => {
    if (record.value === null) return TOMBSTONE;
    const converted = converter.convert(record);
    return converted instanceof Promise ? converted.then(event) : event(converted);
  };
}
