import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { readAvroContainer, writeAvroContainer } from '../../../src/iceberg/avro-container.ts';

const sync = Uint8Array.from({ length: 16 }, (_, i) => i * 7 + 3);
const schema = {
  type: 'record',
  name: 'sample',
  fields: [
    { name: 'id', type: 'long', 'field-id': 1 },
    { name: 'name', type: ['null', 'string'], default: null, 'field-id': 2 },
    { name: 'blob', type: 'bytes', 'field-id': 3 },
    { name: 'count', type: 'int', 'field-id': 4 },
  ],
};
const records = [
  { id: 2n ** 62n + 12345n, name: 'first', blob: Buffer.from([1, 2, 3]), count: 7 },
  { id: -(2n ** 63n), name: null, blob: Buffer.alloc(0), count: -1 },
  { id: 2n ** 63n - 1n, name: 'x'.repeat(500), blob: Buffer.from('abc'), count: 0 },
];

describe('Avro object container files', () => {
  it('writes the magic, the header metadata and the sync marker', () => {
    const bytes = writeAvroContainer({
      schema,
      records,
      metadata: { 'format-version': '2' },
      syncMarker: sync,
    });
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x4f, 0x62, 0x6a, 0x01]);
    expect(Array.from(bytes.subarray(bytes.length - 16))).toEqual(Array.from(sync));
    const read = readAvroContainer(bytes);
    expect(read.metadata['format-version']).toBe('2');
    expect(read.metadata['avro.codec']).toBe('null');
    expect(read.schema).toEqual(schema);
  });

  it.each(['null', 'deflate'] as const)('round-trips 64-bit longs exactly with codec %s', (codec) => {
    const bytes = writeAvroContainer({ schema, records, codec, syncMarker: sync, recordsPerBlock: 2 });
    const read = readAvroContainer(bytes);
    expect(read.codec).toBe(codec);
    expect(read.records.map((r) => ({ ...(r as object) }))).toEqual(records);
  });

  it('deflate output is smaller for repetitive records', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ ...records[2], id: BigInt(i) }));
    const plain = writeAvroContainer({ schema, records: many, syncMarker: sync });
    const deflated = writeAvroContainer({ schema, records: many, codec: 'deflate', syncMarker: sync });
    expect(deflated.length).toBeLessThan(plain.length / 5);
    expect(readAvroContainer(deflated).records).toHaveLength(200);
  });

  it('writes a header-only file for no records', () => {
    const read = readAvroContainer(writeAvroContainer({ schema, records: [], syncMarker: sync }));
    expect(read.records).toEqual([]);
  });

  it('rejects a bad sync marker, reserved keys, invalid records and corrupt files', () => {
    expect(() => writeAvroContainer({ schema, records, syncMarker: new Uint8Array(8) })).toThrow(
      ValidationError,
    );
    expect(() =>
      writeAvroContainer({ schema, records, metadata: { 'avro.codec': 'snappy' }, syncMarker: sync }),
    ).toThrow(/reserved/);
    expect(() =>
      writeAvroContainer({ schema, records: [{ ...records[0], id: 2n ** 64n }], syncMarker: sync }),
    ).toThrow(/record 0 .* at id/);
    const bytes = writeAvroContainer({ schema, records, syncMarker: sync });
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(() => readAvroContainer(corrupt)).toThrow(/sync marker/);
    expect(() => readAvroContainer(bytes.subarray(0, bytes.length - 5))).toThrow(ValidationError);
    expect(() => readAvroContainer(new TextEncoder().encode('PAR1'))).toThrow(/magic/);
  });
});
