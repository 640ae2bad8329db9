// An e2e record shape as the worker decodes it, for the benchmarks that time one
// layer (decode-into-columns, encode-pipeline, zstd-columns): its records in the
// Confluent wire format (schema id 1) and a value decoder whose registry knows
// only that schema, with the Iceberg schema it maps to.
import { createValueDecoder, type RecordDecoder } from '../../src/codec/record-decoder.ts';
import { confluentHeader } from '../../src/codec/wire-format.ts';
import type { Schema } from '../../src/iceberg/types.ts';
import type { RecordShape } from './record-shapes.ts';

export interface ShapeDecoding {
  /** Record i of the shape, header included. */
  readonly payloads: Buffer[];
  readonly decoder: RecordDecoder;
  /** The Iceberg schema of the shape's Avro schema (what a table of it starts with). */
  readonly schema: Schema;
}

export const BENCH_SOURCE = { topic: 'bench', partition: 0, offset: 0n };

export async function shapeDecoding(shape: RecordShape, count: number): Promise<ShapeDecoding> {
  const header = confluentHeader(1);
  const payloads = Array.from({ length: count }, (_, i) => Buffer.concat([header, shape.encode(i)]));
  const decoder = createValueDecoder('avro', {
    registry: {
      getSchema: async () => ({ type: 'AVRO', schema: JSON.stringify(shape.schema), references: [] }),
    },
  });
  const { schema } = await decoder.decode(payloads[0]!, BENCH_SOURCE);
  return { payloads, decoder, schema };
}
