// Schema evolution of Protobuf values: a field a new version adds becomes a column
// (union by name keeps every existing column's id), a renumbered field is refused
// naming the record and the field, a type change that Iceberg cannot promote is
// refused by schema evolution naming the column.
import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { SchemaRegistryClient } from '../../../src/codec/schema-registry-client.ts';
import { RecordError } from '../../../src/errors.ts';
import { IncompatibleSchemaError, unionByName } from '../../../src/iceberg/schema-evolution.ts';
import { highestFieldId, type Schema, typeToString } from '../../../src/iceberg/types.ts';
import { InMemorySchemas, where } from './avro-fixtures.ts';
import { encoderRoot, protobufSchema, protoRecord } from './protobuf-fixtures.ts';

const shape = (schema: Schema) => typeToString({ kind: 'struct', fields: schema.fields });

const V1 = `syntax = "proto3"; package shop;
message Order { int64 id = 1; Customer customer = 2; }
message Customer { string email = 1; }`;
// a field inside the nested message
const V2 = `syntax = "proto3"; package shop;
message Order { int64 id = 1; Customer customer = 2; }
message Customer { string email = 1; string phone = 2; }`;
// a oneof and a Timestamp
const V3 = `syntax = "proto3"; package shop;
import "google/protobuf/timestamp.proto";
message Order {
  int64 id = 1; Customer customer = 2;
  oneof payment { string card = 3; int64 voucher = 4; }
  google.protobuf.Timestamp at = 5;
}
message Customer { string email = 1; string phone = 2; }`;
const RENUMBERED = V2.replace('string email = 1', 'string email = 3');
const REUSED = V2.replace('string phone = 2', 'string mobile = 2');
const RETYPED = V1.replace('int64 id = 1', 'string id = 1');

function decoderOf(versions: Record<number, string>) {
  const schemas = new InMemorySchemas();
  for (const [id, text] of Object.entries(versions)) schemas.schemas.set(Number(id), protobufSchema(text));
  return createValueDecoder('protobuf', { registry: schemas });
}

describe('Protobuf schema evolution', () => {
  it('adds a column for a field a version adds, inside a nested message, a oneof and a Timestamp; ids of old columns stay', async () => {
    const decoder = decoderOf({ 1: V1, 2: V2, 3: V3 });
    const v1 = await decoder.decode(
      protoRecord(1, encoderRoot(V1), 'shop.Order', { id: 1, customer: { email: 'a' } }),
      where,
    );
    const v2 = await decoder.decode(
      protoRecord(2, encoderRoot(V2), 'shop.Order', { id: 2, customer: { email: 'b', phone: '555' } }),
      where,
    );
    const v3 = await decoder.decode(
      protoRecord(3, encoderRoot(V3), 'shop.Order', {
        id: 3,
        customer: { email: 'c' },
        voucher: 9,
        at: { seconds: 1, nanos: 2000 },
      }),
      where,
    );
    expect(v1.row).toEqual({ id: 1n, customer: { email: 'a' } });
    expect(v2.row).toEqual({ id: 2n, customer: { email: 'b', phone: '555' } });
    expect(v3.row).toEqual({
      id: 3n,
      customer: { email: 'c', phone: '' },
      payment: { tag: 4, card: null, voucher: 9n },
      at: 1_000_002n,
    });

    // The table starts as version 1; each later version is folded in by name, as the sink does.
    let table = v1.schema;
    let lastColumnId = highestFieldId(table.fields);
    const changes: string[] = [];
    for (const version of [v2.schema, v3.schema]) {
      const union = unionByName(table, version, lastColumnId);
      table = union.schema;
      lastColumnId = union.lastColumnId;
      changes.push(...union.changes);
    }
    expect(shape(table)).toBe(
      'struct<1: id: optional long, 2: customer: optional struct<3: email: optional string, 4: phone: optional string>, ' +
        '5: payment: optional struct<6: tag: optional int, 7: card: optional string, 8: voucher: optional long>, ' +
        '9: at: optional timestamptz>',
    );
    expect(changes).toEqual([
      'added optional column customer.phone (id 4): string',
      'added optional column payment (id 5): struct<tag: int, card: string, voucher: long>',
      'added optional column at (id 9): timestamptz',
    ]);
  });

  it('refuses a field that changed its number, naming the record, the field and both schema ids', async () => {
    const decoder = decoderOf({ 1: V1, 4: RENUMBERED });
    await decoder.decode(protoRecord(1, encoderRoot(V1), 'shop.Order', { id: 1 }), where);
    const record = protoRecord(4, encoderRoot(RENUMBERED), 'shop.Order', { id: 2, customer: { email: 'x' } });
    const error = await decoder.decode(record, where).then(
      () => expect.fail('decoded'),
      (e: unknown) => e as RecordError,
    );
    expect(error).toBeInstanceOf(RecordError);
    expect(error.message).toBe(
      'orders[3]@1234: field shop.Customer.email has number 3 in schema id 4, but 1 in schema id 1: ' +
        "a renumbered Protobuf field is refused (its column would take another field's values)",
    );
    expect(error.context).toMatchObject({
      topic: 'orders',
      partition: 3,
      offset: '1234',
      reason: 'incompatible',
    });
    // Version 1 records still decode.
    expect(
      (await decoder.decode(protoRecord(1, encoderRoot(V1), 'shop.Order', { id: 5 }), where)).row.id,
    ).toBe(5n);
  });

  it('refuses a renumbered field after a restart too, by the versions the registry holds before it', async () => {
    const schemas = new InMemorySchemas();
    schemas.schemas.set(4, protobufSchema(RENUMBERED));
    const lookup = Object.assign(schemas, {
      getEarlierVersions: async (id: number) =>
        id === 4 ? [{ subject: 'orders-value', version: 1, schema: protobufSchema(V1) }] : [],
    });
    // A fresh decoder that never decoded version 1, as after a restart.
    const decoder = createValueDecoder('protobuf', { registry: lookup });
    const record = protoRecord(4, encoderRoot(RENUMBERED), 'shop.Order', { id: 2, customer: { email: 'x' } });
    const error = await decoder.decode(record, where).then(
      () => expect.fail('decoded'),
      (e: unknown) => e as RecordError,
    );
    expect(error.message).toBe(
      'orders[3]@1234: field shop.Customer.email has number 3 in schema id 4, but 1 in subject orders-value version 1: ' +
        "a renumbered Protobuf field is refused (its column would take another field's values)",
    );
  });

  it('decodes when the registry cannot list the subjects of a schema id', async () => {
    const fetchFn = (async (input: string | URL | Request) => {
      const path = String(input).replace('http://registry', '');
      if (path === '/schemas/ids/4') {
        return new Response(JSON.stringify({ schema: RENUMBERED, schemaType: 'PROTOBUF' }), { status: 200 });
      }
      return new Response('{"error_code":40403}', { status: 404 });
    }) as typeof fetch;
    const registry = new SchemaRegistryClient({ url: 'http://registry', fetch: fetchFn });
    expect(await registry.getEarlierVersions(4)).toEqual([]);
    const decoder = createValueDecoder('protobuf', { registry });
    const record = protoRecord(4, encoderRoot(RENUMBERED), 'shop.Order', { id: 2, customer: { email: 'x' } });
    expect((await decoder.decode(record, where)).row).toEqual({
      id: 2n,
      customer: { email: 'x', phone: '' },
    });
  });

  it('refuses a field number that another field took', async () => {
    const decoder = decoderOf({ 2: V2, 5: REUSED });
    await decoder.decode(protoRecord(2, encoderRoot(V2), 'shop.Order', { id: 1 }), where);
    const error = await decoder
      .decode(protoRecord(5, encoderRoot(REUSED), 'shop.Order', { id: 2 }), where)
      .then(
        () => expect.fail('decoded'),
        (e: unknown) => e as RecordError,
      );
    expect(error.message).toMatch(
      /^orders\[3\]@1234: field number 2 of shop.Customer is mobile in schema id 5, but phone in schema id 2: /,
    );
  });

  it('leaves a type change to schema evolution, which refuses what Iceberg cannot promote', async () => {
    const decoder = decoderOf({ 1: V1, 6: RETYPED });
    const v1 = await decoder.decode(protoRecord(1, encoderRoot(V1), 'shop.Order', { id: 1 }), where);
    const retyped = await decoder.decode(
      protoRecord(6, encoderRoot(RETYPED), 'shop.Order', { id: 'one' }),
      where,
    );
    expect(retyped.row).toEqual({ id: 'one', customer: null });
    expect(() => unionByName(v1.schema, retyped.schema, highestFieldId(v1.schema.fields))).toThrow(
      IncompatibleSchemaError,
    );
    expect(() => unionByName(v1.schema, retyped.schema, highestFieldId(v1.schema.fields))).toThrow(/\bid\b/);
  });
});
