// What a keyed connector (mode upsert or cdc, docs/upsert.md) needs beyond an
// append connector, decoders built: how a record becomes a change event, how
// its Kafka key is decoded, the key and order columns, and where the key index
// lives on local disk. The CLI builds it from the connector file
// (cli/keyed-settings.ts); the runtime reads records through it
// (keyed-run-writer.ts).
import type { DebeziumEvent } from '../../codec/debezium-envelope.ts';
/** A Kafka record as the decoders see it. */
export interface KeyedRecordInput {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
}

export interface KeyedConnector {
  readonly mode: 'upsert' | 'cdc';
  /** The connector file, for messages. */
  readonly file: string;
  /** key.fields: value fields forming the key; absent: the Kafka key. */
  readonly keyFields?: readonly string[] | undefined;
  /** order.by: a version or event-time column; an older change arriving later loses. */
  readonly orderBy?: string | undefined;
  /** cdc.tombstones (upsert mode: a null value always deletes). */
  readonly tombstones: 'ignore' | 'delete';
  /**
   * The record as a change event: upsert mode gives `upsert` (the decoded
   * value) or `tombstone` (a null value); cdc mode the Debezium event.
   */
  event(record: KeyedRecordInput): DebeziumEvent | Promise<DebeziumEvent>;
  /** The decoded Kafka key (a record's fields or a primitive; null when the record has none), or its promise. */
  key(record: KeyedRecordInput): unknown;
  /** The folder of the worker's key index store (LMDB); scratch, rebuilt from the tables. */
  readonly indexDir: string;
}
