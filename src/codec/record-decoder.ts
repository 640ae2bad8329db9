// The codec's entry point for the worker: a RecordDecoder for a connector's
// value.format. Avro, JSON Schema and Protobuf values come in the Confluent wire
// format with their writer schema in the registry; plain JSON uses a declared or
// inferred schema.
import { ConfigError } from '../errors.ts';
import type { Schema } from '../iceberg/types.ts';
import { compileAvroDecoder } from './avro-decoder.ts';
import { parseAvroSchema } from './avro-schema.ts';
import type { UnknownFieldsMode } from './declared-json-schema.ts';
import type { RecordDecoder } from './decoded-record.ts';
import { compileJsonSchemaDecoder } from './json-schema-decoder.ts';
import { JsonValueDecoder } from './json-value-decoder.ts';
import { MetadataColumnDecoder, type MetadataColumnOptions } from './metadata-column.ts';
import { protobufFormat } from './protobuf-format.ts';
import { type RegistryFormat, RegistryValueDecoder } from './registry-value-decoder.ts';
import type { RegisteredSchema, SchemaLookup } from './schema-lookup.ts';

export type { DecodedRecord, RecordDecoder, RecordSource } from './decoded-record.ts';

export type ValueFormat = 'avro' | 'json-schema' | 'protobuf' | 'json';

export interface ValueDecoderOptions {
  /** Where writer schemas come from; required for avro, json-schema and protobuf. */
  readonly registry?: SchemaLookup;
  /** For json: the declared schema; without it the schema is inferred from the values. */
  readonly schema?: Schema;
  /** For json with a declared schema: what happens to properties it does not name (default drop). */
  readonly unknownFields?: UnknownFieldsMode;
  /** Adds the Kafka metadata column to every row (see metadata-column.ts). */
  readonly metadataColumn?: false | MetadataColumnOptions;
}

// `satisfies`, so that callers see each format's own compiled type.
export const AVRO_FORMAT = {
  schemaType: 'AVRO',
  name: 'avro',
  compile: (registered: RegisteredSchema) =>
    compileAvroDecoder(
      parseAvroSchema(
        registered.schema,
        (registered.references ?? []).map((r) => r.schema),
      ),
    ),
} satisfies RegistryFormat;

export const JSON_SCHEMA_FORMAT = {
  schemaType: 'JSON',
  name: 'json-schema',
  compile: (registered: RegisteredSchema) => compileJsonSchemaDecoder(registered.schema),
} satisfies RegistryFormat;

export function createValueDecoder(format: ValueFormat, options: ValueDecoderOptions = {}): RecordDecoder {
  const decoder = baseDecoder(format, options);
  return options.metadataColumn ? new MetadataColumnDecoder(decoder, options.metadataColumn) : decoder;
}

function baseDecoder(format: ValueFormat, options: ValueDecoderOptions): RecordDecoder {
  if (format === 'json') return new JsonValueDecoder(options.schema, options.unknownFields);
  if (options.schema !== undefined) {
    throw new ConfigError(
      `value.schema applies to value.format json only (the ${format} schema comes from the registry)`,
    );
  }
  if (options.registry === undefined) {
    throw new ConfigError(`value.format ${format} needs schemaRegistry.url in the worker file`);
  }
  return new RegistryValueDecoder(options.registry, registryFormat(format));
}

function registryFormat(format: Exclude<ValueFormat, 'json'>): RegistryFormat {
  if (format === 'avro') return AVRO_FORMAT;
  if (format === 'json-schema') return JSON_SCHEMA_FORMAT;
  return protobufFormat(); // one per decoder: it remembers the field numbers it has seen
}
