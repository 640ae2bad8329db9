import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { confluentHeader, readSchemaId } from '../../../src/codec/wire-format.ts';
import { FloeError, RecordError } from '../../../src/errors.ts';
import { InMemorySchemas, where, wireRecord } from './avro-fixtures.ts';

const schema = { type: 'record', name: 'R', fields: [{ name: 'id', type: 'long' }] };

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('resolved'),
    (error: unknown) => error as FloeError,
  );

describe('Confluent wire format', () => {
  it('reads the big-endian schema id after the magic byte', () => {
    expect(readSchemaId(confluentHeader(0x01020304))).toBe(0x01020304);
    expect(readSchemaId(confluentHeader(2 ** 31 + 5))).toBe(2 ** 31 + 5);
  });

  it('rejects other first bytes and short values with the record coordinates', async () => {
    const decoder = createValueDecoder('avro', { registry: new InMemorySchemas() });
    const notWire = await rejection(decoder.decode(Buffer.from('{"id":1}'), where));
    expect(notWire).toBeInstanceOf(RecordError);
    expect(notWire.message).toBe(
      'orders[3]@1234: not the Confluent wire format (first byte 0x7b, expected 0x00)',
    );
    expect(notWire.context.reason).toBe('malformed');
    const short = await rejection(decoder.decode(Buffer.from([0, 0]), where));
    expect(short.message).toMatch(/not the Confluent wire format \(2 bytes/);
    const tombstone = await rejection(decoder.decode(null, where));
    expect(tombstone.message).toMatch(/tombstone/);
  });
});

describe('registry-backed decoding', () => {
  it('names an unknown schema id', async () => {
    const decoder = createValueDecoder('avro', { registry: new InMemorySchemas() });
    const error = await rejection(decoder.decode(wireRecord(99, schema, { id: 1n }), where));
    expect(error).toBeInstanceOf(RecordError);
    expect(error.message).toBe('orders[3]@1234: unknown schema id 99 in the Confluent wire-format header');
    expect(error.context).toEqual({
      topic: 'orders',
      partition: 3,
      offset: '1234',
      reason: 'unknown-schema-id',
    });
  });

  it('looks a schema id up once, then decodes synchronously with the same schema object', async () => {
    const registry = new InMemorySchemas().addAvro(5, schema);
    const decoder = createValueDecoder('avro', { registry });
    const payload = wireRecord(5, schema, { id: 42n });
    expect(decoder.decodeSync(payload, where)).toBeUndefined();
    const [first, second] = await Promise.all([
      decoder.decode(payload, where),
      decoder.decode(payload, where),
    ]);
    const third = decoder.decodeSync(wireRecord(5, schema, { id: 43n }), where);
    expect(third?.row).toEqual({ id: 43n });
    expect(first.schema).toBe(second.schema);
    expect(third?.schema).toBe(first.schema);
    await decoder.decode(payload, where);
    expect(registry.lookups).toBe(1);
  });

  it('gives each schema id its own schema', async () => {
    const v2 = {
      ...schema,
      fields: [...schema.fields, { name: 'note', type: ['null', 'string'], default: null }],
    };
    const decoder = createValueDecoder('avro', {
      registry: new InMemorySchemas().addAvro(1, schema).addAvro(2, v2),
    });
    const a = await decoder.decode(wireRecord(1, schema, { id: 1n }), where);
    const b = await decoder.decode(wireRecord(2, v2, { id: 2n, note: { string: 'n' } }), where);
    expect(a.schema.fields.map((f) => f.name)).toEqual(['id']);
    expect(b.schema.fields.map((f) => f.name)).toEqual(['id', 'note']);
    expect(b.row).toEqual({ id: 2n, note: 'n' });
  });

  it('rejects a schema of another type than the connector format, every time without refetching', async () => {
    const registry = new InMemorySchemas().addJsonSchema(3, { type: 'object', properties: {} });
    const decoder = createValueDecoder('avro', { registry });
    const payload = Buffer.concat([confluentHeader(3), Buffer.from('{}')]);
    const error = await rejection(decoder.decode(payload, where));
    expect(error.message).toBe(
      'orders[3]@1234: schema id 3: it is a JSON schema, but value.format avro reads AVRO schemas',
    );
    expect(error.context.reason).toBe('incompatible');
    expect(() => decoder.decodeSync(payload, where)).toThrow(RecordError);
    expect(registry.lookups).toBe(1);
  });

  it('lets a registry outage through as a non-record error (the record is not at fault)', async () => {
    const decoder = createValueDecoder('avro', {
      registry: { getSchema: () => Promise.reject(new FloeError('schema registry did not answer')) },
    });
    const error = await rejection(decoder.decode(wireRecord(1, schema, { id: 1n }), where));
    expect(error).not.toBeInstanceOf(RecordError);
    expect(error.message).toBe('schema registry did not answer');
  });

  it('decodes JSON Schema values from the registry', async () => {
    const jsonSchema = {
      type: 'object',
      properties: { id: { type: 'integer' }, at: { type: 'string', format: 'date-time' } },
      required: ['id'],
    };
    const decoder = createValueDecoder('json-schema', {
      registry: new InMemorySchemas().addJsonSchema(8, jsonSchema),
    });
    const payload = Buffer.concat([
      confluentHeader(8),
      Buffer.from('{"id": 9007199254740993, "at": "2024-01-01T00:00:00.000001Z"}'),
    ]);
    const { row, schema: mapped } = await decoder.decode(payload, where);
    expect(row).toEqual({ id: 9007199254740993n, at: 1_704_067_200_000_001n });
    expect(mapped.fields.map((f) => [f.name, f.required, f.type.kind])).toEqual([
      ['id', true, 'long'],
      ['at', false, 'timestamptz'],
    ]);
  });

  it('needs a registry for registry formats', () => {
    expect(() => createValueDecoder('avro')).toThrow(/value.format avro needs schemaRegistry.url/);
  });
});
