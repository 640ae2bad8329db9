// The Debezium change-event envelope (cdc.format: debezium), read from a
// decoded value: `op` c (create), r (snapshot read), u (update) carry the new
// row in `after`; d (delete) the old one in `before` (under Postgres' default
// replica identity only its key columns are real, the others hold defaults);
// t (truncate) neither. `source` holds where the change came from (ts_ms, lsn,
// txId, ...). The table's schema is the `after` struct's, not the envelope's.
// A Kafka record with a null value is a tombstone (Debezium sends one after
// each delete, for log compaction).
import type { NestedField, Row, Schema } from '../iceberg/types.ts';
import { primitive } from '../iceberg/types.ts';
import { PayloadError } from './payload-error.ts';

export type DebeziumEvent =
  | {
      readonly kind: 'upsert';
      readonly op: 'c' | 'r' | 'u';
      /** The `after` row, in the table's schema. */
      readonly row: Row;
      readonly schema: Schema;
      readonly source: Row | null;
    }
  | {
      readonly kind: 'delete';
      /** The `before` row (its key columns at least); null when the connector sent none. */
      readonly row: Row | null;
      readonly schema: Schema;
      readonly source: Row | null;
    }
  | { readonly kind: 'truncate'; readonly source: Row | null }
  | { readonly kind: 'tombstone' };

const tableSchemas = new WeakMap<Schema, Schema>();

/**
 * The event an envelope row holds. `envelope` is the row's schema; the same
 * envelope schema object gives the same table schema object (decoders detect a
 * schema change by reference). Throws PayloadError for a value that is not a
 * Debezium envelope.
 */
export function readEnvelope(row: Row, envelope: Schema): DebeziumEvent {
  const op = row.op;
  if (typeof op !== 'string') {
    throw new PayloadError(
      'incompatible',
      'the value is not a Debezium change event (no op field; cdc.format debezium expects the envelope, not an unwrapped row)',
    );
  }
  const source = (row.source ?? null) as Row | null;
  switch (op) {
    case 'c':
    case 'r':
    case 'u': {
      const after = row.after;
      if (after === null || after === undefined)
        throw new PayloadError('incompatible', `a Debezium ${op} event without an after row`);
      return { kind: 'upsert', op, row: after as Row, schema: tableSchema(envelope), source };
    }
    case 'd':
      return {
        kind: 'delete',
        row: (row.before ?? null) as Row | null,
        schema: tableSchema(envelope),
        source,
      };
    case 't':
      return { kind: 'truncate', source };
    default:
      throw new PayloadError('incompatible', `Debezium op "${op}" is not a table change (c, r, u, d, t)`);
  }
}

/** The `after` struct of an envelope schema as a table schema. */
export function tableSchema(envelope: Schema): Schema {
  let schema = tableSchemas.get(envelope);
  if (schema === undefined) {
    const after =
      envelope.fields.find((field) => field.name === 'after') ??
      envelope.fields.find((f) => f.name === 'before');
    if (after === undefined || after.type.kind !== 'struct') {
      throw new PayloadError('incompatible', 'the Debezium envelope schema has no after (or before) struct');
    }
    schema = { schemaId: envelope.schemaId, identifierFieldIds: [], fields: after.type.fields };
    tableSchemas.set(envelope, schema);
  }
  return schema;
}

/** The optional change-metadata column (like `_kafka`, docs/upsert.md): op, source time, LSN, transaction. */
export function changeMetadataField(name: string, lastId: number): NestedField {
  let id = lastId;
  const structId = ++id;
  const field = (fieldName: string, type: NestedField['type']): NestedField => ({
    id: ++id,
    name: fieldName,
    required: false,
    type,
  });
  return {
    id: structId,
    name,
    required: false,
    type: {
      kind: 'struct',
      fields: [
        field('op', primitive('string')),
        field('source_ts', primitive('timestamptz')),
        field('lsn', primitive('long')),
        field('tx_id', primitive('long')),
      ],
    },
  };
}

/** The change-metadata value of an event's op and `source` (fields the source lacks are null). */
export function changeMetadataValue(op: string, source: Row | null): Row {
  const long = (value: unknown): bigint | null =>
    typeof value === 'bigint'
      ? value
      : typeof value === 'number' && Number.isInteger(value)
        ? BigInt(value)
        : null;
  const tsMs = long(source?.ts_ms);
  return {
    op,
    source_ts: tsMs === null ? null : tsMs * 1000n,
    lsn: long(source?.lsn),
    tx_id: long(source?.txId),
  };
}
