// One Kafka record of a keyed connector -> a Change (change.ts). In upsert mode
// the decoded value is the row and a null value deletes the key; in cdc mode a
// Debezium event says what happens (codec/debezium-envelope.ts). The key comes
// from `key.fields` of the row (of `before` for a delete), else from the Kafka
// key. Failures are RecordErrors naming topic, partition and offset, for the
// connector's error policy.
import type { DebeziumEvent } from '../../codec/debezium-envelope.ts';
import { describeCoordinates } from '../../codec/payload-error.ts';
import { RecordError } from '../../errors.ts';
import type { Row } from '../../iceberg/types.ts';
import type { Change, ChangeLocation, OrderValue } from './change.ts';
import type { KeyEncoder } from './change-key.ts';

export interface ChangeRules {
  readonly keys: KeyEncoder;
  /** key.fields is set: the key is read from the row, else from the Kafka key. */
  readonly keyFromValue: boolean;
  /** order.by: the column whose value orders upserts. */
  readonly orderBy?: string | undefined;
  /** cdc.tombstones. */
  readonly tombstones: 'ignore' | 'delete';
}

/** The decoded Kafka key (a record's fields, or a primitive), or undefined when the record has none. */
export type KafkaKey = () => unknown;

/** Upsert mode: `row` is the decoded value, null for a tombstone (which deletes the key). */
export function upsertChange(
  row: Row | null,
  kafkaKey: KafkaKey,
  at: ChangeLocation,
  rules: ChangeRules,
): Change {
  return attempt(at, () => {
    if (row === null) return { kind: 'delete', key: keyOfKafka(kafkaKey, rules), location: at };
    return {
      kind: 'upsert',
      key: keyOf(row, kafkaKey, rules),
      row,
      order: orderOf(row, rules),
      location: at,
    };
  });
}

/**
 * cdc mode. Deletes carry no order value: Debezium's `before` holds only the
 * key columns under Postgres' default replica identity, and Debezium emits a
 * key's changes in commit order, so a delete is ordered by its offset.
 */
export function cdcChange(
  event: DebeziumEvent,
  kafkaKey: KafkaKey,
  at: ChangeLocation,
  rules: ChangeRules,
): Change | undefined {
  return attempt(at, () => {
    switch (event.kind) {
      case 'upsert':
        return {
          kind: 'upsert',
          key: keyOf(event.row, kafkaKey, rules),
          row: event.row,
          order: orderOf(event.row, rules),
          location: at,
        };
      case 'delete': {
        const key =
          event.row !== null && rules.keyFromValue
            ? rules.keys.fromRow(event.row)
            : keyOfKafka(kafkaKey, rules, event.row);
        return { kind: 'delete', key, location: at };
      }
      case 'truncate':
        return { kind: 'truncate', location: at };
      case 'tombstone':
        return rules.tombstones === 'delete'
          ? { kind: 'delete', key: keyOfKafka(kafkaKey, rules), location: at }
          : undefined;
    }
  });
}

function keyOf(row: Row, kafkaKey: KafkaKey, rules: ChangeRules): string {
  return rules.keyFromValue ? rules.keys.fromRow(row) : keyOfKafka(kafkaKey, rules);
}

function keyOfKafka(kafkaKey: KafkaKey, rules: ChangeRules, fallback?: Row | null): string {
  const key = kafkaKey();
  if (key === undefined || key === null) {
    if (fallback !== undefined && fallback !== null) return rules.keys.fromRow(fallback);
    throw new RecordError('the record has no Kafka key and its key cannot be read from the value');
  }
  return rules.keys.fromKafkaKey(key);
}

function orderOf(row: Row, rules: ChangeRules): OrderValue | undefined {
  const column = rules.orderBy;
  if (column === undefined) return undefined;
  if (!(column in row)) throw new RecordError(`the value has no order.by column ${column}`);
  const value = row[column];
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string') return value;
  if (value === null || value === undefined) throw new RecordError(`order.by column ${column} is null`);
  throw new RecordError(`order.by column ${column} is not a number, time or text`);
}

function attempt<T>(at: ChangeLocation, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (!(error instanceof Error) || !['RecordError', 'ValidationError'].includes(error.name)) throw error;
    throw new RecordError(
      `${describeCoordinates(at)}: ${error.message}`,
      { topic: at.topic, partition: at.partition, offset: at.offset.toString(), reason: 'key' },
      { cause: error },
    );
  }
}
