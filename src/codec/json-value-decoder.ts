// Plain JSON values (no registry): converted to a schema declared in the connector
// file, or to a schema inferred from the values and widened as they arrive.
import type { Schema } from '../iceberg/types.ts';
import { DeclaredJsonSchema, type UnknownFieldsMode } from './declared-json-schema.ts';
import type { DecodedRecord, RecordDecoder, RecordSource } from './decoded-record.ts';
import { InferredJsonSchema } from './json-inference.ts';
import { parseJsonExact } from './json-number.ts';
import { PayloadError, toRecordError } from './payload-error.ts';
import { asBuffer } from './registry-value-decoder.ts';
import { CONFLUENT_MAGIC_BYTE } from './wire-format.ts';

export class JsonValueDecoder implements RecordDecoder {
  readonly #toRecord: (value: unknown) => DecodedRecord;
  readonly #follow: (table: Schema) => void;

  /** With `declared`, values are converted to it (`unknownFields` says what happens to other properties); without, the schema is inferred. */
  constructor(declared?: Schema, unknownFields?: UnknownFieldsMode) {
    if (declared === undefined) {
      const inferred = new InferredJsonSchema();
      this.#toRecord = (value) => inferred.convert(value);
      this.#follow = (table) => inferred.follow(table);
    } else {
      const schema = new DeclaredJsonSchema(declared, unknownFields);
      this.#toRecord = (value) => schema.convert(value);
      this.#follow = (table) => schema.follow(table);
    }
  }

  followTable(schema: Schema): void {
    this.#follow(schema);
  }

  decodeSync(value: Uint8Array | null, where: RecordSource): DecodedRecord {
    try {
      const bytes = asBuffer(value);
      if (bytes.length > 0 && bytes[0] === CONFLUENT_MAGIC_BYTE) {
        throw new PayloadError(
          'malformed',
          'the value starts with a Confluent wire-format header; use value.format json-schema (or avro) for registry-encoded values',
        );
      }
      return this.#toRecord(parseJsonExact(bytes.toString('utf8')));
    } catch (error) {
      throw toRecordError(where, error);
    }
  }

  decode(value: Uint8Array | null, where: RecordSource): Promise<DecodedRecord> {
    try {
      return Promise.resolve(this.decodeSync(value, where));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
