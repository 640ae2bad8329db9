// The codec against the real schema registry (Apicurio, Confluent API): schemas
// registered and records encoded by @kafkajs/confluent-schema-registry (the
// reference producer-side serializer), decoded by floe.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../src/codec/record-decoder.ts';
import { SchemaRegistryClient } from '../../src/codec/schema-registry-client.ts';
import { RecordError } from '../../src/errors.ts';
import { type Schema, typeToString } from '../../src/iceberg/types.ts';
import { services, uniqueName } from '../support/services.ts';

const show = (schema: Schema) => typeToString({ kind: 'struct', fields: schema.fields });
const where = (offset: number) => ({ topic: 'orders', partition: 0, offset: BigInt(offset) });

const status = { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] };
const v1Fields = [
  { name: 'id', type: 'int' },
  { name: 'name', type: 'string' },
  { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
  { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
  { name: 'status', type: status },
];
const v1 = { type: 'record', name: 'Order', namespace: 'floe.test', fields: v1Fields };
const v2 = { ...v1, fields: [...v1Fields, { name: 'note', type: ['null', 'string'], default: null }] };
const address = {
  type: 'record',
  name: 'Address',
  fields: [
    { name: 'city', type: 'string' },
    { name: 'zip', type: ['null', 'string'], default: null },
  ],
};
const v3 = {
  ...v1,
  fields: [
    { name: 'id', type: 'long' },
    ...v2.fields.slice(1),
    { name: 'shipping', type: ['null', address], default: null },
  ],
};

describe('codec against the schema registry', () => {
  // ajv without ajv-formats would refuse `format: date-time`; formats are the codec's business.
  const producer = new SchemaRegistry(
    { host: services.registryUrl },
    { [SchemaType.JSON]: { validateFormats: false } },
  );
  const registry = new SchemaRegistryClient({ url: services.registryUrl });

  it('decodes three versions of an Avro subject, each with its own schema', async () => {
    const subject = `${uniqueName('codec')}-value`;
    const ids: number[] = [];
    for (const version of [v1, v2, v3]) {
      ids.push(
        (await producer.register({ type: SchemaType.AVRO, schema: JSON.stringify(version) }, { subject })).id,
      );
    }
    expect(new Set(ids).size).toBe(3);

    const amount = Buffer.from([0x30, 0x39]); // 12345 -> 123.45
    const base = { name: 'widget', amount, ts: 1_704_067_200_123, status: 'PAID' };
    const payloads = [
      await producer.encode(ids[0]!, { ...base, id: 1 }),
      await producer.encode(ids[1]!, { ...base, id: 2, note: 'fragile' }),
      await producer.encode(ids[2]!, {
        ...base,
        id: 2 ** 40,
        note: null,
        shipping: { city: 'Lyon', zip: '69001' },
      }),
      await producer.encode(ids[2]!, { ...base, id: 4, note: 'n', shipping: null }),
    ];

    const decoder = createValueDecoder('avro', { registry });
    const decoded = [];
    for (const [i, payload] of payloads.entries()) decoded.push(await decoder.decode(payload, where(i)));

    const common = { name: 'widget', amount: 12345n, ts: 1_704_067_200_123_000n, status: 'PAID' };
    expect(decoded.map((d) => d.row)).toEqual([
      { ...common, id: 1 },
      { ...common, id: 2, note: 'fragile' },
      { ...common, id: 2n ** 40n, note: null, shipping: { city: 'Lyon', zip: '69001' } },
      { ...common, id: 4n, note: 'n', shipping: null },
    ]);
    const v1Shape =
      '1: id: required int, 2: name: required string, 3: amount: required decimal(10,2), ' +
      '4: ts: required timestamptz, 5: status: required string';
    expect(show(decoded[0]!.schema)).toBe(`struct<${v1Shape}>`);
    expect(show(decoded[1]!.schema)).toBe(`struct<${v1Shape}, 6: note: optional string>`);
    expect(show(decoded[2]!.schema)).toBe(
      `struct<${v1Shape.replace('id: required int', 'id: required long')}, 6: note: optional string, ` +
        '7: shipping: optional struct<8: city: required string, 9: zip: optional string>>',
    );
    expect(decoded[3]!.schema).toBe(decoded[2]!.schema);
    // cached now: no await needed
    expect(decoder.decodeSync(payloads[0]!, where(9))?.row).toEqual({ ...common, id: 1 });
  });

  it('decodes a JSON Schema subject', async () => {
    const subject = `${uniqueName('codec-json')}-value`;
    const jsonSchema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        id: { type: 'integer' },
        at: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { type: 'string' } },
        price: { type: ['number', 'null'] },
      },
      required: ['id', 'at'],
    };
    const { id } = await producer.register(
      { type: SchemaType.JSON, schema: JSON.stringify(jsonSchema) },
      { subject },
    );
    const payload = await producer.encode(id, {
      id: 7,
      at: '2024-01-01T00:00:00.5Z',
      tags: ['a', 'b'],
      price: null,
    });
    const decoded = await createValueDecoder('json-schema', { registry }).decode(payload, where(0));
    expect(decoded.row).toEqual({ id: 7n, at: 1_704_067_200_500_000n, tags: ['a', 'b'], price: null });
    expect(show(decoded.schema)).toBe(
      'struct<1: id: required long, 2: at: required timestamptz, 3: tags: optional list<string>, 5: price: optional double>',
    );
  });

  it('reports an id the registry does not know as an unknown schema id', async () => {
    const payload = Buffer.from([0, 0x3b, 0x9a, 0xc9, 0xff, 0]); // id 999999999
    const error = await createValueDecoder('avro', { registry })
      .decode(payload, where(5))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).message).toBe(
      'orders[0]@5: unknown schema id 999999999 in the Confluent wire-format header',
    );
  });
});
