import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { typeToString } from '../../../src/iceberg/types.ts';
import { InMemorySchemas, wireRecord } from './avro-fixtures.ts';

const schema = { type: 'record', name: 'R', fields: [{ name: 'id', type: 'long' }] };
const source = {
  topic: 'orders',
  partition: 2,
  offset: 77n,
  timestampMs: 1_704_067_200_123,
  key: Buffer.from('k-1'),
  headers: [['trace', Buffer.from([1, 2])]] as Array<[string, Buffer]>,
};

describe('metadata column', () => {
  it('adds a _kafka struct after the source fields', async () => {
    const decoder = createValueDecoder('avro', {
      registry: new InMemorySchemas().addAvro(1, schema),
      metadataColumn: { keyFormat: 'string' },
    });
    const { row, schema: mapped } = await decoder.decode(wireRecord(1, schema, { id: 1n }), source);
    expect(row).toEqual({
      id: 1n,
      _kafka: {
        topic: 'orders',
        partition: 2,
        offset: 77n,
        timestamp: 1_704_067_200_123_000n,
        key: 'k-1',
        headers: new Map([['trace', Buffer.from([1, 2])]]),
      },
    });
    expect(typeToString({ kind: 'struct', fields: mapped.fields })).toBe(
      'struct<1: id: required long, 2: _kafka: optional struct<3: topic: optional string, 4: partition: optional int, ' +
        '5: offset: optional long, 6: timestamp: optional timestamptz, 7: key: optional string, ' +
        '10: headers: optional map<string, binary>>>',
    );
    const again = decoder.decodeSync(wireRecord(1, schema, { id: 2n }), { ...source, key: null });
    expect(again?.schema).toBe(mapped);
    expect((again!.row._kafka as { key: unknown }).key).toBeNull();
  });

  it('keeps binary keys as bytes under a custom name', async () => {
    const decoder = createValueDecoder('json', { metadataColumn: { name: 'meta', keyFormat: 'avro' } });
    const { row, schema: mapped } = await decoder.decode(Buffer.from('{"a":1}'), source);
    expect((row.meta as { key: unknown }).key).toEqual(Buffer.from('k-1'));
    expect(mapped.fields.map((f) => f.name)).toEqual(['a', 'meta']);
  });

  it('refuses a record that already has a field of that name', async () => {
    const decoder = createValueDecoder('json', { metadataColumn: {} });
    await expect(decoder.decode(Buffer.from('{"_kafka":1}'), source)).rejects.toThrow(
      /orders\[2\]@77: the record already has a field named _kafka/,
    );
  });
});
