import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { parseJson, stringifyJson } from '../../../src/iceberg/json-bigint.ts';
import {
  type TableRequirement,
  type TableUpdate,
  tableRequirementFromJson,
  tableRequirementToJson,
  tableUpdateFromJson,
  tableUpdateToJson,
} from '../../../src/iceberg/table-update.ts';

const updates: TableUpdate[] = [
  { action: 'assign-uuid', uuid: 'u' },
  { action: 'upgrade-format-version', formatVersion: 3 },
  {
    action: 'add-schema',
    schema: {
      schemaId: 1,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'a', required: true, type: { kind: 'int' } }],
    },
    lastColumnId: 1,
  },
  { action: 'set-current-schema', schemaId: -1 },
  {
    action: 'add-spec',
    spec: {
      specId: 1,
      fields: [{ sourceId: 1, fieldId: 1000, name: 'a_b', transform: { kind: 'bucket', numBuckets: 4 } }],
    },
  },
  { action: 'set-default-spec', specId: -1 },
  {
    action: 'add-sort-order',
    sortOrder: {
      orderId: 1,
      fields: [{ sourceId: 1, transform: { kind: 'identity' }, direction: 'desc', nullOrder: 'nulls-last' }],
    },
  },
  { action: 'set-default-sort-order', sortOrderId: -1 },
  {
    action: 'add-snapshot',
    snapshot: {
      snapshotId: 4038257664511396235n,
      parentSnapshotId: 863050110371407617n,
      sequenceNumber: 2,
      timestampMs: 1795667677923,
      manifestList: 's3://b/snap.avro',
      summary: { operation: 'append', 'added-records': '3' },
      schemaId: 0,
    },
  },
  {
    action: 'set-snapshot-ref',
    refName: 'main',
    type: 'branch',
    snapshotId: 4038257664511396235n,
    maxRefAgeMs: 10,
  },
  { action: 'remove-snapshots', snapshotIds: [863050110371407617n, 1n] },
  { action: 'remove-snapshot-ref', refName: 'tag' },
  { action: 'set-location', location: 's3://b/t' },
  { action: 'set-properties', updates: { a: '1' } },
  { action: 'remove-properties', removals: ['b'] },
];

describe('TableUpdate JSON (REST spec)', () => {
  it.each(updates.map((u) => [u.action, u] as const))('%s round-trips through text', (_action, update) => {
    const text = stringifyJson(tableUpdateToJson(update));
    expect(tableUpdateFromJson(parseJson(text))).toEqual(update);
  });

  it('writes the spec field names', () => {
    expect(stringifyJson(tableUpdateToJson(updates[9]!))).toBe(
      '{"action":"set-snapshot-ref","ref-name":"main","snapshot-id":4038257664511396235,"type":"branch","max-ref-age-ms":10}',
    );
    expect(tableUpdateToJson(updates[1]!)).toEqual({ action: 'upgrade-format-version', 'format-version': 3 });
  });

  it('always writes add-schema last-column-id (servers before Iceberg 1.8 require it)', () => {
    const schema = {
      schemaId: 2,
      identifierFieldIds: [],
      fields: [
        { id: 3, name: 'a', required: true, type: { kind: 'int' } },
        {
          id: 7,
          name: 'tags',
          required: false,
          type: { kind: 'list', elementId: 9, elementRequired: false, element: { kind: 'string' } },
        },
      ],
    } as const;
    // absent in the model: the schema's highest field id, nested ids included
    expect(tableUpdateToJson({ action: 'add-schema', schema })['last-column-id']).toBe(9);
    // given: sent as given
    expect(tableUpdateToJson({ action: 'add-schema', schema, lastColumnId: 12 })['last-column-id']).toBe(12);
    expect(
      tableUpdateFromJson(parseJson(stringifyJson(tableUpdateToJson({ action: 'add-schema', schema })))),
    ).toEqual({ action: 'add-schema', schema, lastColumnId: 9 });
    // a server that leaves it out (it is optional in the spec) is read as absent
    const { 'last-column-id': _dropped, ...without } = tableUpdateToJson({ action: 'add-schema', schema });
    expect(tableUpdateFromJson(without)).toEqual({ action: 'add-schema', schema });
  });

  it('rejects actions floe does not support', () => {
    expect(() => tableUpdateFromJson({ action: 'set-statistics', statistics: {} })).toThrow(ValidationError);
    expect(() => tableUpdateFromJson({ action: 'set-location' })).toThrow(/'location'/);
  });
});

describe('TableRequirement JSON (REST spec)', () => {
  const requirements: TableRequirement[] = [
    { type: 'assert-create' },
    { type: 'assert-table-uuid', uuid: 'u' },
    { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 9007199254740993n },
    { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null },
    { type: 'assert-last-assigned-field-id', lastAssignedFieldId: 4 },
    { type: 'assert-current-schema-id', currentSchemaId: 0 },
    { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 1000 },
    { type: 'assert-default-spec-id', defaultSpecId: 0 },
    { type: 'assert-default-sort-order-id', defaultSortOrderId: 0 },
  ];

  it.each(requirements.map((r) => [r.type, r] as const))(
    '%s round-trips through text',
    (_type, requirement) => {
      const text = stringifyJson(tableRequirementToJson(requirement));
      expect(tableRequirementFromJson(parseJson(text))).toEqual(requirement);
    },
  );

  it('writes a null snapshot-id explicitly (the ref must not exist)', () => {
    expect(stringifyJson(tableRequirementToJson(requirements[3]!))).toBe(
      '{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}',
    );
  });

  it('writes assert-last-assigned-field-id with the spec key', () => {
    expect(tableRequirementToJson({ type: 'assert-last-assigned-field-id', lastAssignedFieldId: 4 })).toEqual(
      {
        type: 'assert-last-assigned-field-id',
        'last-assigned-field-id': 4,
      },
    );
    expect(() => tableRequirementFromJson({ type: 'assert-last-assigned-field-id' })).toThrow(
      /'last-assigned-field-id'/,
    );
  });

  it('rejects unknown requirement types', () => {
    expect(() => tableRequirementFromJson({ type: 'assert-view-uuid', uuid: 'u' })).toThrow(ValidationError);
  });
});
