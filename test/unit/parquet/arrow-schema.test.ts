import { type DataType, type Field, Type } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decimal, fixed, primitive, type Schema } from '../../../src/iceberg/types.ts';
import { FIELD_ID_METADATA_KEY, icebergSchemaToArrow } from '../../../src/parquet/arrow-schema.ts';
import { ALL_TYPES_SCHEMA } from './all-types-fixture.ts';

interface Described {
  name: string;
  id: string | undefined;
  nullable: boolean;
  type: string;
  children?: Described[];
}

function describeField(field: Field): Described {
  const children = (field.type as DataType).children as Field[] | null | undefined;
  return {
    name: field.name,
    id: field.metadata.get(FIELD_ID_METADATA_KEY),
    nullable: field.nullable,
    type: String(field.type),
    ...(children && children.length > 0 ? { children: children.map(describeField) } : {}),
  };
}

describe('icebergSchemaToArrow', () => {
  it('maps every primitive type', () => {
    const arrow = icebergSchemaToArrow(ALL_TYPES_SCHEMA);
    const typeOf = (name: string) => arrow.fields.find((f) => f.name === name)?.type as DataType;
    expect(typeOf('b').typeId).toBe(Type.Bool);
    expect(String(typeOf('i'))).toBe('Int32');
    expect(String(typeOf('l'))).toBe('Int64');
    expect(String(typeOf('f'))).toBe('Float32');
    expect(String(typeOf('d'))).toBe('Float64');
    expect(typeOf('dec38')).toMatchObject({ typeId: Type.Decimal, precision: 38, scale: 10, bitWidth: 128 });
    expect(typeOf('dt')).toMatchObject({ typeId: Type.Date, unit: 0 /* DAY */ });
    expect(typeOf('t')).toMatchObject({ typeId: Type.Time, unit: 2 /* MICROSECOND */, bitWidth: 64 });
    expect(typeOf('ts')).toMatchObject({ typeId: Type.Timestamp, unit: 2, timezone: undefined });
    expect(typeOf('tstz')).toMatchObject({ typeId: Type.Timestamp, unit: 2, timezone: 'UTC' });
    expect(typeOf('tsns')).toMatchObject({ typeId: Type.Timestamp, unit: 3, timezone: undefined });
    expect(typeOf('tstzns')).toMatchObject({ typeId: Type.Timestamp, unit: 3, timezone: 'UTC' });
    expect(typeOf('s').typeId).toBe(Type.Utf8);
    expect(typeOf('u')).toMatchObject({ typeId: Type.FixedSizeBinary, byteWidth: 16 });
    expect(typeOf('fx')).toMatchObject({ typeId: Type.FixedSizeBinary, byteWidth: 4 });
    expect(typeOf('bin').typeId).toBe(Type.Binary);
  });

  it('puts the field id on every field, nested ones included, with Iceberg container names', () => {
    const arrow = icebergSchemaToArrow(ALL_TYPES_SCHEMA);
    const byName = Object.fromEntries(arrow.fields.map((f) => [f.name, describeField(f)]));
    expect(byName.id).toMatchObject({ id: '1', nullable: false });
    expect(byName.st).toMatchObject({
      id: '20',
      nullable: true,
      children: [
        { name: 'a', id: '21', nullable: false },
        { name: 'b', id: '22', nullable: true },
        { name: 'inner', id: '23', children: [{ name: 'x', id: '24' }] },
      ],
    });
    expect(byName.ls).toMatchObject({ id: '25', children: [{ name: 'element', id: '26', nullable: true }] });
    expect(byName.mp).toMatchObject({
      id: '27',
      children: [
        {
          name: 'key_value',
          nullable: false,
          children: [
            { name: 'key', id: '28', nullable: false },
            { name: 'value', id: '29', nullable: true, children: [{ name: 'q', id: '30' }] },
          ],
        },
      ],
    });
    expect(byName.ll).toMatchObject({
      id: '31',
      children: [{ name: 'element', id: '32', nullable: false, children: [{ name: 'element', id: '33' }] }],
    });
  });

  it('rejects a decimal precision Decimal128 cannot hold', () => {
    const schema: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'x', required: false, type: decimal(39, 0) }],
    };
    expect(() => icebergSchemaToArrow(schema)).toThrow(/decimal precision must be 1..38/);
  });

  it('keeps field order and nullability from the Iceberg schema', () => {
    const schema: Schema = {
      schemaId: 3,
      identifierFieldIds: [],
      fields: [
        { id: 9, name: 'z', required: true, type: fixed(2) },
        { id: 4, name: 'a', required: false, type: primitive('string') },
      ],
    };
    expect(icebergSchemaToArrow(schema).fields.map((f) => [f.name, f.nullable])).toEqual([
      ['z', false],
      ['a', true],
    ]);
  });
});
