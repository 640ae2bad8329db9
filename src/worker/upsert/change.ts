// A keyed change: what one record of an upsert or CDC connector does to its
// table (docs/upsert.md). Records become changes (upsert-record.ts for the
// upsert mode, codec/debezium-*.ts for cdc), a batch's changes collapse to the
// last per key (change-collapse.ts), and the key index turns the survivors into
// position deletes and rows to write.
import type { Row } from '../../iceberg/types.ts';

export interface ChangeLocation {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** An `order.by` value: a version number, an event time (micros), a decimal's unscaled value, a date, or text. */
export type OrderValue = bigint | number | string;

export type Change =
  | {
      readonly kind: 'upsert';
      /** The canonical key (change-key.ts). */
      readonly key: string;
      /** The row to write; it holds the key columns. */
      readonly row: Row;
      readonly order?: OrderValue | undefined;
      readonly location: ChangeLocation;
      /**
       * Set by the collapse when the key was deleted earlier in the batch: the
       * row replaces nothing, so it is not ordered against the table's row.
       */
      readonly afterDelete?: boolean;
    }
  | {
      readonly kind: 'delete';
      readonly key: string;
      readonly order?: OrderValue | undefined;
      readonly location: ChangeLocation;
      /**
       * Sent to every table of a route because its row names none (a tombstone,
       * record-route.ts): a delete where its own partition holds the key, a
       * no-op where it finds no row or another partition holds it (change-collapse.ts).
       */
      readonly probe?: boolean;
    }
  | {
      /** Every row of the topic goes (a Debezium `t` event); changes after it in its partition apply afterwards. */
      readonly kind: 'truncate';
      readonly location: ChangeLocation;
    };

export type KeyedChange = Extract<Change, { key: string }>;

/** Orders two order values of one column; mixed kinds compare as numbers when both are numeric. */
export function compareOrder(a: OrderValue, b: OrderValue): number {
  if (typeof a === 'string' || typeof b === 'string') {
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether `later` (read after `earlier`, in the same Kafka partition) replaces
 * it. By offset unless both carry an order value: then the larger order wins,
 * and on a tie the later offset. A change without an order value (a Kafka
 * tombstone has none) is ordered by its offset alone.
 */
export function supersedes(
  later: { readonly order?: OrderValue | undefined },
  earlier: { readonly order?: OrderValue | undefined },
): boolean {
  if (later.order === undefined || earlier.order === undefined) return true;
  return compareOrder(later.order, earlier.order) >= 0;
}

/** `orders[3]@1234`, as every record error message starts. */
export function describeLocation(location: ChangeLocation): string {
  return `${location.topic}[${location.partition}]@${location.offset}`;
}
