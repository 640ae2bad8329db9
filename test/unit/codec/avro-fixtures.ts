// Test helpers: encode records with avsc (the reference encoder) in the Confluent
// wire format, and an in-memory schema lookup.
import avsc from 'avsc';
import { PayloadError } from '../../../src/codec/payload-error.ts';
import type { RegisteredSchema, SchemaLookup } from '../../../src/codec/schema-lookup.ts';
import { confluentHeader } from '../../../src/codec/wire-format.ts';

// Longs as bigint on the encoding side too, so values beyond 2^53 can be written.
const bigintLong = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (value: bigint | number): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(value));
    return buf;
  },
  fromJSON: (json: unknown): bigint => BigInt(json as string),
  toJSON: (value: bigint): string => value.toString(),
  isValid: (value: unknown): boolean => typeof value === 'bigint' || Number.isSafeInteger(value),
  compare: (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0),
});

/** An avsc encoder for a schema; unions take wrapped values ({ string: 'x' }), logical types raw values. */
export function avroEncoder(schema: unknown): avsc.Type {
  return avsc.Type.forSchema(schema as avsc.Schema, {
    wrapUnions: true,
    typeHook: (s) =>
      s === 'long' || (typeof s === 'object' && (s as { type?: unknown }).type === 'long')
        ? bigintLong
        : undefined,
  });
}

export function wireRecord(schemaId: number, schema: unknown, value: unknown): Buffer {
  return Buffer.concat([confluentHeader(schemaId), avroEncoder(schema).toBuffer(value)]);
}

export class InMemorySchemas implements SchemaLookup {
  readonly schemas = new Map<number, RegisteredSchema>();
  lookups = 0;

  addAvro(id: number, schema: unknown): this {
    this.schemas.set(id, { type: 'AVRO', schema: JSON.stringify(schema) });
    return this;
  }

  addJsonSchema(id: number, schema: unknown): this {
    this.schemas.set(id, { type: 'JSON', schema: JSON.stringify(schema) });
    return this;
  }

  async getSchema(id: number): Promise<RegisteredSchema> {
    this.lookups++;
    const found = this.schemas.get(id);
    if (found === undefined) throw new PayloadError('unknown-schema-id', `unknown schema id ${id}`);
    return found;
  }
}

export const where = { topic: 'orders', partition: 3, offset: 1234n } as const;

/** Big-endian two's complement of an unscaled decimal, minimal length. */
export function decimalBytes(unscaled: bigint, size?: number): Buffer {
  const length = size ?? Math.max(1, Math.ceil((unscaled.toString(2).replace('-', '').length + 1) / 8));
  const out = Buffer.alloc(length);
  let v = BigInt.asUintN(8 * length, unscaled);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
