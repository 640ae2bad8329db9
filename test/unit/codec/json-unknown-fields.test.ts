// value.unknownFields: what happens to a property a declared JSON schema does not name.
import { describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { RecordError } from '../../../src/errors.ts';
import { type NestedField, primitive, type Schema } from '../../../src/iceberg/types.ts';

const where = { topic: 'orders', partition: 2, offset: 41n };
const field = (id: number, name: string, type: NestedField['type']): NestedField => ({
  id,
  name,
  required: false,
  type,
});
const declared: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    field(1, 'id', primitive('long')),
    field(2, 'meta', { kind: 'struct', fields: [field(3, 'source', primitive('string'))] }),
  ],
};
const value = (object: unknown) => Buffer.from(JSON.stringify(object));

describe('value.unknownFields', () => {
  it('drop (the default) leaves unknown properties out and reports their paths', () => {
    const decoder = createValueDecoder('json', { schema: declared });
    const decoded = decoder.decodeSync(
      value({ id: 1, note: 'x', meta: { source: 'web', ip: '1.2.3.4' } }),
      where,
    );
    expect(decoded?.row).toEqual({ id: 1n, meta: { source: 'web' } });
    expect(decoded?.schema).toBe(declared);
    expect(decoded?.droppedFields).toEqual(['note', 'meta.ip']);
  });

  it('drop reports nothing for a record the schema covers', () => {
    const decoder = createValueDecoder('json', { schema: declared, unknownFields: 'drop' });
    expect(decoder.decodeSync(value({ id: 1 }), where)?.droppedFields).toBeUndefined();
  });

  it('error makes the record a record error naming the field, topic, partition and offset', () => {
    const decoder = createValueDecoder('json', { schema: declared, unknownFields: 'error' });
    let error: unknown;
    try {
      decoder.decodeSync(value({ id: 1, meta: { ip: '1.2.3.4' } }), where);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).message).toBe(
      'orders[2]@41: meta.ip: field is not in value.schema (value.unknownFields: error; drop or add to accept it)',
    );
    expect((error as RecordError).context).toMatchObject({ reason: 'unknown-field', offset: '41' });
  });

  it('add infers top-level properties as new optional columns after the declared ones', () => {
    const decoder = createValueDecoder('json', { schema: declared, unknownFields: 'add' });
    const first = decoder.decodeSync(value({ id: 1, note: 'x', score: 2.5 }), where);
    expect(first?.row).toEqual({ id: 1n, meta: null, note: 'x', score: 2.5 });
    expect(first?.schema.fields.map((f) => [f.id, f.name, f.type])).toEqual([
      [1, 'id', primitive('long')],
      [2, 'meta', declared.fields[1]!.type],
      [4, 'note', primitive('string')],
      [5, 'score', primitive('double')],
    ]);
    expect(first?.droppedFields).toBeUndefined();
    // A later record without them keeps the learned schema (the same object); its row reads them as null.
    const second = decoder.decodeSync(value({ id: 2 }), where);
    expect(second?.schema).toBe(first?.schema);
    expect(second?.row).toEqual({ id: 2n, meta: null });
  });

  it('add drops and reports properties inside a declared struct', () => {
    const decoder = createValueDecoder('json', { schema: declared, unknownFields: 'add' });
    const decoded = decoder.decodeSync(value({ id: 1, meta: { source: 'web', ip: '1.2.3.4' } }), where);
    expect(decoded?.row).toEqual({ id: 1n, meta: { source: 'web' } });
    expect(decoded?.schema).toBe(declared);
    expect(decoded?.droppedFields).toEqual(['meta.ip']);
  });
});
