// What the codec hands the worker: a row and the schema it was decoded with.
import type { Row, Schema } from '../iceberg/types.ts';
import type { ColumnFill } from './avro-column-decoder.ts';
import type { RecordCoordinates } from './payload-error.ts';

/**
 * A decoded record. `schema` is the record's source schema as an Iceberg schema
 * (provisional field ids; the sink matches by name). Decoders return the SAME
 * schema object for every record of the same source schema (schema id, inferred
 * state), so callers may detect a schema change by reference.
 */
export interface DecodedRecord {
  readonly row: Row;
  readonly schema: Schema;
  /** Properties a declared schema does not name, left out of the row (value.unknownFields: drop). */
  readonly droppedFields?: readonly string[];
}

/** A Kafka record as far as decoding needs it (the worker's KafkaRecord satisfies it). */
export interface RecordSource extends RecordCoordinates {
  readonly timestampMs?: number;
  readonly key?: Uint8Array | null;
  readonly headers?: ReadonlyArray<readonly [string, Uint8Array]>;
}

/**
 * A record that can be written straight into a table's columns, without a row
 * (Avro: avro-column-decoder.ts). Valid until the decoder's next call.
 */
export interface DirectRecord {
  /** The record's source schema, the same object DecodedRecord.schema would be. */
  readonly schema: Schema;
  /**
   * What appends this record to the columns of a table of schema `table` (field
   * order); undefined when the record cannot be written that way (decode a row).
   * Throws PayloadError for a bad payload (without Kafka coordinates).
   */
  fillFor(table: Schema): ColumnFill | undefined;
}

export interface RecordDecoder {
  /** Decodes a record value; fails with RecordError (context: topic, partition, offset, reason). */
  decode(value: Uint8Array | null, where: RecordSource): Promise<DecodedRecord>;
  /**
   * The fast path: decodes without awaiting when everything needed is cached (the
   * schema id has been seen); returns undefined when `decode` must be awaited instead.
   * Throws the same RecordErrors as `decode`.
   */
  decodeSync(value: Uint8Array | null, where: RecordSource): DecodedRecord | undefined;
  /**
   * The fastest path: the record as a DirectRecord when its schema is cached and
   * the format supports it, else undefined (use decodeSync/decode). Throws
   * nothing: a bad record is reported by decodeSync or by its fill.
   */
  directSync?(value: Uint8Array | null): DirectRecord | undefined;
  /**
   * A table the records go to has this schema (told when partitions are
   * assigned): a decoder that infers its schema continues from the table's
   * columns instead of starting over. Decoders with a fixed schema ignore it.
   */
  followTable?(schema: Schema): void;
}
