// JSON payloads described by a JSON Schema from the registry: the schema becomes an
// Iceberg schema once per schema id, each payload (the JSON text after the
// Confluent header) is parsed with exact numbers and converted to that schema.
import type { Row, Schema } from '../iceberg/types.ts';
import { parseJsonExact } from './json-number.ts';
import { jsonSchemaToIceberg } from './json-schema-to-iceberg.ts';
import { compileJsonConverter } from './json-value-converter.ts';
import { PayloadError } from './payload-error.ts';

export interface CompiledJsonSchema {
  readonly schema: Schema;
  /** Decodes the JSON text in bytes[start..]; throws PayloadError. */
  decode(bytes: Buffer, start: number): Row;
}

export function compileJsonSchemaDecoder(schemaText: string): CompiledJsonSchema {
  let document: unknown;
  try {
    document = JSON.parse(schemaText);
  } catch (error) {
    throw new PayloadError('incompatible', `invalid JSON Schema text: ${(error as Error).message}`);
  }
  const schema = jsonSchemaToIceberg(document);
  const convert = compileJsonConverter(schema);
  return {
    schema,
    decode: (bytes, start) => convert(parseJsonExact(bytes.toString('utf8', start))),
  };
}
