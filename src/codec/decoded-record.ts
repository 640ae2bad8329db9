// What the codec hands the worker: a row and the schema it was decoded with.
import type { Row, Schema } from '../iceberg/types.ts';
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
   * A table the records go to has this schema (told when partitions are
   * assigned): a decoder that infers its schema continues from the table's
   * columns instead of starting over. Decoders with a fixed schema ignore it.
   */
  followTable?(schema: Schema): void;
}
