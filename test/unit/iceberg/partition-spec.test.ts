import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import type { PartitionSpec } from '../../../src/iceberg/partition-spec.ts';
import { buildPartitionSpec, partitionType } from '../../../src/iceberg/partition-spec.ts';
import type { Schema } from '../../../src/iceberg/types.ts';
import { decimal, primitive } from '../../../src/iceberg/types.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'name', required: false, type: primitive('string') },
    { id: 3, name: 'ts', required: false, type: primitive('timestamptz') },
    { id: 4, name: 'amount', required: false, type: decimal(9, 2) },
    {
      id: 5,
      name: 'payload',
      required: false,
      type: { kind: 'struct', fields: [{ id: 6, name: 'day', required: false, type: primitive('date') }] },
    },
    {
      id: 7,
      name: 'tags',
      required: false,
      type: { kind: 'list', elementId: 8, elementRequired: false, element: primitive('string') },
    },
  ],
};

describe('buildPartitionSpec', () => {
  it('assigns ids from 1000 and the default names', () => {
    const spec = buildPartitionSpec(schema, [
      { source: 'ts', transform: { kind: 'day' } },
      { source: 'id', transform: { kind: 'bucket', numBuckets: 16 } },
      { source: 'name', transform: { kind: 'truncate', width: 4 } },
      { source: 'name', transform: { kind: 'identity' } },
      { source: 'payload.day', transform: { kind: 'month' } },
      { source: 3, transform: { kind: 'hour' }, name: 'hourly' },
    ]);
    expect(spec).toEqual({
      specId: 0,
      fields: [
        { sourceId: 3, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } },
        { sourceId: 1, fieldId: 1001, name: 'id_bucket', transform: { kind: 'bucket', numBuckets: 16 } },
        { sourceId: 2, fieldId: 1002, name: 'name_trunc', transform: { kind: 'truncate', width: 4 } },
        { sourceId: 2, fieldId: 1003, name: 'name', transform: { kind: 'identity' } },
        { sourceId: 6, fieldId: 1004, name: 'payload.day_month', transform: { kind: 'month' } },
        { sourceId: 3, fieldId: 1005, name: 'hourly', transform: { kind: 'hour' } },
      ],
    });
  });

  it('continues from the last assigned partition id', () => {
    const spec = buildPartitionSpec(schema, [{ source: 'ts', transform: { kind: 'year' } }], {
      specId: 2,
      lastPartitionId: 1004,
    });
    expect(spec).toEqual({
      specId: 2,
      fields: [{ sourceId: 3, fieldId: 1005, name: 'ts_year', transform: { kind: 'year' } }],
    });
  });

  it('refuses what the spec does not allow', () => {
    const cases: [Parameters<typeof buildPartitionSpec>[1], RegExp][] = [
      [[{ source: 'nope', transform: { kind: 'identity' } }], /no such column/],
      [[{ source: 'tags', transform: { kind: 'identity' } }], /not a primitive/],
      [[{ source: 8, transform: { kind: 'identity' } }], /not a column outside lists and maps/],
      [[{ source: 'tags.element', transform: { kind: 'identity' } }], /no such column/],
      [[{ source: 'payload', transform: { kind: 'identity' } }], /not a primitive/],
      [[{ source: 'name', transform: { kind: 'hour' } }], /cannot apply to type string/],
      [[{ source: 'id', transform: { kind: 'bucket', numBuckets: 0 } }], /positive integer/],
      [[{ source: 'id', transform: { kind: 'unknown', name: 'zorder' } }], /cannot apply/],
      [
        [{ source: 'id', transform: { kind: 'bucket', numBuckets: 4 }, name: 'name' }],
        /conflicts with a schema column/,
      ],
      [
        [
          { source: 'id', transform: { kind: 'bucket', numBuckets: 4 } },
          { source: 'name', transform: { kind: 'identity' }, name: 'id_bucket' },
        ],
        /used twice/,
      ],
      [
        [
          { source: 'ts', transform: { kind: 'day' } },
          { source: 'ts', transform: { kind: 'day' }, name: 'again' },
        ],
        /same transform/,
      ],
    ];
    for (const [requests, message] of cases) {
      expect(() => buildPartitionSpec(schema, requests)).toThrow(ValidationError);
      expect(() => buildPartitionSpec(schema, requests)).toThrow(message);
    }
  });
});

describe('partitionType', () => {
  it('has one optional field per partition field, typed by the transform result', () => {
    const spec: PartitionSpec = buildPartitionSpec(schema, [
      { source: 'ts', transform: { kind: 'day' } },
      { source: 'id', transform: { kind: 'bucket', numBuckets: 8 } },
      { source: 'amount', transform: { kind: 'truncate', width: 10 } },
      { source: 'name', transform: { kind: 'void' } },
    ]);
    expect(partitionType(spec, schema)).toEqual({
      kind: 'struct',
      fields: [
        { id: 1000, name: 'ts_day', required: false, type: primitive('date') },
        { id: 1001, name: 'id_bucket', required: false, type: primitive('int') },
        { id: 1002, name: 'amount_trunc', required: false, type: decimal(9, 2) },
        { id: 1003, name: 'name_null', required: false, type: primitive('string') },
      ],
    });
  });
});
