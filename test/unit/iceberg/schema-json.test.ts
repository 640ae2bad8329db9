import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { parseJson } from '../../../src/iceberg/json-bigint.ts';
import { schemaFromJson, schemaToJson, typeFromJson, typeToJson } from '../../../src/iceberg/schema-json.ts';
import type { Schema } from '../../../src/iceberg/types.ts';

const schema: Schema = {
  schemaId: 3,
  identifierFieldIds: [1],
  fields: [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    {
      id: 2,
      name: 'price',
      required: false,
      type: { kind: 'decimal', precision: 38, scale: 10 },
      doc: 'in EUR',
    },
    { id: 3, name: 'hash', required: false, type: { kind: 'fixed', length: 16 } },
    {
      id: 4,
      name: 'location',
      required: false,
      type: {
        kind: 'struct',
        fields: [
          { id: 5, name: 'lat', required: true, type: { kind: 'double' } },
          { id: 6, name: 'at', required: false, type: { kind: 'timestamptz_ns' } },
        ],
      },
    },
    {
      id: 7,
      name: 'tags',
      required: false,
      type: { kind: 'list', elementId: 8, elementRequired: true, element: { kind: 'string' } },
    },
    {
      id: 9,
      name: 'attrs',
      required: true,
      type: {
        kind: 'map',
        keyId: 10,
        key: { kind: 'string' },
        valueId: 11,
        valueRequired: false,
        value: { kind: 'list', elementId: 12, elementRequired: false, element: { kind: 'uuid' } },
      },
    },
  ],
};

describe('schema JSON (spec Appendix C)', () => {
  it('writes the spec representation with canonical type strings', () => {
    const json = schemaToJson(schema) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['type', 'schema-id', 'identifier-field-ids', 'fields']);
    const fields = json.fields as Record<string, unknown>[];
    expect(fields[1]).toEqual({
      id: 2,
      name: 'price',
      required: false,
      type: 'decimal(38,10)',
      doc: 'in EUR',
    });
    expect(fields[2]?.type).toBe('fixed[16]');
    expect(fields[4]?.type).toEqual({
      type: 'list',
      'element-id': 8,
      element: 'string',
      'element-required': true,
    });
    expect(fields[5]?.type).toEqual({
      type: 'map',
      'key-id': 10,
      key: 'string',
      'value-id': 11,
      value: { type: 'list', 'element-id': 12, element: 'uuid', 'element-required': false },
      'value-required': false,
    });
  });

  it('round-trips every type', () => {
    expect(schemaFromJson(schemaToJson(schema))).toEqual(schema);
  });

  it('accepts whitespace inside parameterized types', () => {
    expect(typeFromJson('decimal( 9 , 2 )')).toEqual({ kind: 'decimal', precision: 9, scale: 2 });
    expect(typeFromJson('decimal(12, 2)')).toEqual({ kind: 'decimal', precision: 12, scale: 2 });
    expect(typeFromJson('fixed[ 4 ]')).toEqual({ kind: 'fixed', length: 4 });
  });

  it('defaults a missing schema-id and identifier list (v1)', () => {
    const parsed = schemaFromJson({
      type: 'struct',
      fields: [{ id: 1, name: 'a', required: false, type: 'int' }],
    });
    expect(parsed).toEqual({
      schemaId: 0,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'a', required: false, type: { kind: 'int' } }],
    });
    expect(Object.keys(schemaToJson(parsed) as object)).not.toContain('identifier-field-ids');
  });

  it('keeps initial-default and write-default through a round trip', () => {
    const json = parseJson(
      '{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"n","required":false,"type":"long","initial-default":9007199254740993,"write-default":5}]}',
    );
    expect(schemaToJson(schemaFromJson(json))).toEqual(json);
  });

  it('rejects types floe does not support, naming where', () => {
    expect(() => typeFromJson('variant', 'field x')).toThrow(/unsupported type "variant" at field x/);
    expect(() => typeFromJson('geometry(srid:4326)')).toThrow(ValidationError);
    expect(() => typeFromJson('decimal(39,2)')).toThrow(/precision/);
    expect(() => typeFromJson({ type: 'set', element: 'int' })).toThrow(ValidationError);
    expect(() =>
      schemaFromJson({ type: 'struct', fields: [{ id: 'x', name: 'a', required: true, type: 'int' }] }),
    ).toThrow(/'id' of schema 0.fields\[0\] must be an int/);
  });

  it('serializes primitive types as bare strings', () => {
    expect(typeToJson({ kind: 'timestamptz' })).toBe('timestamptz');
  });
});
