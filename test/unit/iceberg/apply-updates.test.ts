import { describe, expect, it } from 'vitest';
import { CommitConflictError, ValidationError } from '../../../src/errors.ts';
import { applyUpdates, checkRequirements, newTableMetadata } from '../../../src/iceberg/apply-updates.ts';
import type { PartitionSpec } from '../../../src/iceberg/partition-spec.ts';
import type { Snapshot } from '../../../src/iceberg/snapshot.ts';
import type { SortOrder } from '../../../src/iceberg/sort-order.ts';
import { ancestors, branchHead, currentSchema, defaultSpec } from '../../../src/iceberg/table-metadata.ts';
import { parseTableMetadata, serializeTableMetadata } from '../../../src/iceberg/table-metadata-json.ts';
import type { TableUpdate } from '../../../src/iceberg/table-update.ts';
import type { Schema } from '../../../src/iceberg/types.ts';

const schema: Schema = {
  schemaId: 5,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    {
      id: 2,
      name: 'tags',
      required: false,
      type: { kind: 'list', elementId: 3, elementRequired: false, element: { kind: 'string' } },
    },
    { id: 4, name: 'ts', required: false, type: { kind: 'timestamptz' } },
  ],
};
const spec: PartitionSpec = {
  specId: 9,
  fields: [{ sourceId: 4, fieldId: 1, name: 'ts_day', transform: { kind: 'day' } }],
};
const sorted: SortOrder = {
  orderId: 7,
  fields: [{ sourceId: 1, transform: { kind: 'identity' }, direction: 'asc', nullOrder: 'nulls-first' }],
};

const created = newTableMetadata({
  tableUuid: '7a7d2fb8-f62c-421e-b49e-b3f1edfcf02c',
  location: 's3://b/wh/db/t/',
  schema,
  spec,
  sortOrder: sorted,
  properties: { 'format-version': '2', owner: 'floe' },
  formatVersion: 2,
  nowMs: 1_000,
});

const snapshot = (id: bigint, sequenceNumber: number, parent?: bigint): Snapshot => ({
  snapshotId: id,
  ...(parent === undefined ? {} : { parentSnapshotId: parent }),
  sequenceNumber,
  timestampMs: 2_000 + sequenceNumber,
  manifestList: `s3://b/wh/db/t/metadata/snap-${id}.avro`,
  summary: { operation: 'append' },
  schemaId: 0,
});
const append = (s: Snapshot): TableUpdate[] => [
  { action: 'add-snapshot', snapshot: s },
  { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: s.snapshotId },
];

describe('newTableMetadata', () => {
  it('assigns the spec ids of a new table', () => {
    expect(created.lastColumnId).toBe(4);
    expect(created.schemas).toEqual([{ ...schema, schemaId: 0 }]);
    expect(created.partitionSpecs).toEqual([{ specId: 0, fields: [{ ...spec.fields[0], fieldId: 1000 }] }]);
    expect(created.lastPartitionId).toBe(1000);
    expect(created.sortOrders).toEqual([{ ...sorted, orderId: 1 }]);
    expect(created.defaultSortOrderId).toBe(1);
    expect(created.location).toBe('s3://b/wh/db/t');
    expect(created.properties).toEqual({ owner: 'floe' });
    expect(created.currentSnapshotId).toBeNull();
    expect(created.lastUpdatedMs).toBe(1_000);
  });

  it('uses order 0 when unsorted, 999 as last partition id when unpartitioned, and row ids for v3', () => {
    const m = newTableMetadata({
      tableUuid: 'u',
      location: 'file:///t',
      schema,
      spec: { specId: 0, fields: [] },
      sortOrder: { orderId: 0, fields: [] },
      properties: {},
      formatVersion: 3,
      nowMs: 1,
    });
    expect([m.defaultSortOrderId, m.lastPartitionId, m.nextRowId]).toEqual([0, 999, 0n]);
    expect(parseTableMetadata(serializeTableMetadata(m))).toEqual(m);
  });

  it('rejects a spec over a column the schema lacks', () => {
    const bad = {
      specId: 0,
      fields: [{ sourceId: 42, fieldId: 1000, name: 'x', transform: { kind: 'identity' } }],
    };
    expect(() => newTableMetadata({ ...createdArgs(), spec: bad as PartitionSpec })).toThrow(
      /unknown source id 42/,
    );
  });
});

function createdArgs() {
  return {
    tableUuid: 'u',
    location: 'file:///t',
    schema,
    spec,
    sortOrder: sorted,
    properties: {},
    formatVersion: 2 as const,
    nowMs: 1,
  };
}

describe('applyUpdates', () => {
  it('adds snapshots, moves main and logs only ref moves', () => {
    const one = applyUpdates(created, append(snapshot(9007199254740993n, 1)), { nowMs: 5_000 });
    expect(one.currentSnapshotId).toBe(9007199254740993n);
    expect(one.lastSequenceNumber).toBe(1);
    expect(one.lastUpdatedMs).toBe(2_001);
    expect(one.snapshotLog).toEqual([{ timestampMs: 2_001, snapshotId: 9007199254740993n }]);
    expect(one.refs.main).toEqual({ type: 'branch', snapshotId: 9007199254740993n });

    // a snapshot staged without a ref move: no log entry, current unchanged
    const staged = applyUpdates(
      one,
      [{ action: 'add-snapshot', snapshot: snapshot(7n, 2, 9007199254740993n) }],
      {
        nowMs: 6_000,
      },
    );
    expect(staged.currentSnapshotId).toBe(9007199254740993n);
    expect(staged.snapshotLog).toHaveLength(1);
    expect(staged.lastSequenceNumber).toBe(2);

    const two = applyUpdates(
      staged,
      [{ action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: 7n }],
      { nowMs: 7_000 },
    );
    expect(two.snapshotLog.at(-1)).toEqual({ timestampMs: 7_000, snapshotId: 7n });
    expect(two.lastUpdatedMs).toBe(7_000);
    expect(branchHead(two)?.snapshotId).toBe(7n);
    expect(ancestors(two, 7n).map((s) => s.snapshotId)).toEqual([7n, 9007199254740993n]);
    // the base is untouched
    expect(created.snapshots).toEqual([]);
  });

  it('rejects a duplicate snapshot id, a stale sequence number and a ref to nothing', () => {
    const one = applyUpdates(created, append(snapshot(1n, 1)), { nowMs: 0 });
    expect(() => applyUpdates(one, append(snapshot(1n, 2)), { nowMs: 0 })).toThrow(/already exists/);
    expect(() => applyUpdates(one, append(snapshot(2n, 1, 1n)), { nowMs: 0 })).toThrow(/sequence number 1/);
    expect(() =>
      applyUpdates(one, [{ action: 'set-snapshot-ref', refName: 'b', type: 'branch', snapshotId: 3n }], {
        nowMs: 0,
      }),
    ).toThrow(ValidationError);
  });

  it('adds a schema and resolves set-current-schema -1 to it', () => {
    const evolved: Schema = {
      ...schema,
      fields: [...schema.fields, { id: 5, name: 'extra', required: false, type: { kind: 'int' } }],
    };
    const m = applyUpdates(
      created,
      [
        { action: 'add-schema', schema: evolved },
        { action: 'set-current-schema', schemaId: -1 },
      ],
      { nowMs: 9 },
    );
    expect(m.schemas.map((s) => s.schemaId)).toEqual([0, 1]);
    expect(m.currentSchemaId).toBe(1);
    expect(m.lastColumnId).toBe(5);
    expect(currentSchema(m).fields.at(-1)?.name).toBe('extra');
    // adding an identical schema again reuses its id
    const again = applyUpdates(
      m,
      [
        { action: 'add-schema', schema: { ...schema, schemaId: 99 } },
        { action: 'set-current-schema', schemaId: -1 },
      ],
      { nowMs: 9 },
    );
    expect(again.schemas).toHaveLength(2);
    expect(again.currentSchemaId).toBe(0);
    expect(() =>
      applyUpdates(created, [{ action: 'set-current-schema', schemaId: -1 }], { nowMs: 0 }),
    ).toThrow(/none was added/);
  });

  describe("add-schema last-column-id: the max of the table's, the given one and the schema's ids", () => {
    const wider: Schema = {
      ...schema,
      fields: [...schema.fields, { id: 6, name: 'extra', required: false, type: { kind: 'int' } }],
    };
    it.each([
      ["absent: the schema's highest id", wider, undefined, 6],
      [
        'absent, schema below the table: unchanged',
        { ...schema, fields: schema.fields.slice(0, 1) },
        undefined,
        4,
      ],
      ['given above everything: taken', wider, 10, 10],
      ["given below the table's: never lowered", schema, 2, 4],
      ["given below the schema's ids: the schema wins", wider, 5, 6],
    ] as const)('%s', (_case, added, given, expected) => {
      const update: TableUpdate =
        given === undefined
          ? { action: 'add-schema', schema: added }
          : { action: 'add-schema', schema: added, lastColumnId: given };
      expect(applyUpdates(created, [update], { nowMs: 0 }).lastColumnId).toBe(expected);
    });

    it('is what assert-last-assigned-field-id checks afterwards', () => {
      const m = applyUpdates(created, [{ action: 'add-schema', schema: wider, lastColumnId: 8 }], {
        nowMs: 0,
      });
      expect(() =>
        checkRequirements(m, [{ type: 'assert-last-assigned-field-id', lastAssignedFieldId: 8 }]),
      ).not.toThrow();
      expect(() =>
        checkRequirements(m, [{ type: 'assert-last-assigned-field-id', lastAssignedFieldId: 4 }]),
      ).toThrow(CommitConflictError);
      expect(() =>
        checkRequirements(created, [{ type: 'assert-last-assigned-field-id', lastAssignedFieldId: 8 }]),
      ).toThrow(/last column id is 4, expected 8/);
    });
  });

  it('adds specs and sort orders with -1 defaults', () => {
    const newSpec: PartitionSpec = {
      specId: 0,
      fields: [
        ...defaultSpec(created).fields,
        { sourceId: 1, fieldId: 1001, name: 'id', transform: { kind: 'identity' } },
      ],
    };
    const m = applyUpdates(
      created,
      [
        { action: 'add-spec', spec: newSpec },
        { action: 'set-default-spec', specId: -1 },
        { action: 'add-sort-order', sortOrder: { orderId: 0, fields: [] } },
        { action: 'set-default-sort-order', sortOrderId: -1 },
      ],
      { nowMs: 0 },
    );
    expect(m.partitionSpecs.map((s) => s.specId)).toEqual([0, 1]);
    expect(m.defaultSpecId).toBe(1);
    expect(m.lastPartitionId).toBe(1001);
    expect(m.sortOrders.map((o) => o.orderId)).toEqual([1, 0]);
    expect(m.defaultSortOrderId).toBe(0);
  });

  it('sets and removes properties, location and uuid', () => {
    const m = applyUpdates(
      created,
      [
        { action: 'set-properties', updates: { a: '1', owner: 'x' } },
        { action: 'remove-properties', removals: ['a', 'missing'] },
        { action: 'set-location', location: 's3://other/' },
        { action: 'assign-uuid', uuid: 'new-uuid' },
      ],
      { nowMs: 42 },
    );
    expect(m.properties).toEqual({ owner: 'x' });
    expect(m.location).toBe('s3://other');
    expect(m.tableUuid).toBe('new-uuid');
    expect(m.lastUpdatedMs).toBe(42);
  });

  it('removes snapshots with their refs and earlier log entries', () => {
    let m = applyUpdates(created, append(snapshot(1n, 1)), { nowMs: 0 });
    m = applyUpdates(m, append(snapshot(2n, 2, 1n)), { nowMs: 0 });
    m = applyUpdates(m, [{ action: 'set-snapshot-ref', refName: 'old', type: 'tag', snapshotId: 1n }], {
      nowMs: 0,
    });
    const expired = applyUpdates(m, [{ action: 'remove-snapshots', snapshotIds: [1n] }], { nowMs: 0 });
    expect(expired.snapshots.map((s) => s.snapshotId)).toEqual([2n]);
    expect(Object.keys(expired.refs)).toEqual(['main']);
    expect(expired.snapshotLog.map((e) => e.snapshotId)).toEqual([2n]);
    expect(ancestors(expired, 2n).map((s) => s.snapshotId)).toEqual([2n]);
    const unreffed = applyUpdates(expired, [{ action: 'remove-snapshot-ref', refName: 'main' }], {
      nowMs: 0,
    });
    expect(unreffed.currentSnapshotId).toBeNull();
  });

  it('upgrades the format version but never downgrades', () => {
    const v3 = applyUpdates(created, [{ action: 'upgrade-format-version', formatVersion: 3 }], { nowMs: 0 });
    expect([v3.formatVersion, v3.nextRowId]).toEqual([3, 0n]);
    expect(() =>
      applyUpdates(v3, [{ action: 'upgrade-format-version', formatVersion: 2 }], { nowMs: 0 }),
    ).toThrow(/downgrade/);
    const lineage: Snapshot = { ...snapshot(1n, 1), firstRowId: 0n, addedRows: 10n };
    const appended = applyUpdates(v3, append(lineage), { nowMs: 0 });
    expect(appended.nextRowId).toBe(10n);
    expect(() => applyUpdates(v3, append(snapshot(1n, 1)), { nowMs: 0 })).toThrow(/first-row-id/);
  });

  it('creates a table from updates alone, like a REST create', () => {
    const m = applyUpdates(
      undefined,
      [
        { action: 'assign-uuid', uuid: 'u-1' },
        { action: 'upgrade-format-version', formatVersion: 2 },
        { action: 'add-schema', schema },
        { action: 'set-current-schema', schemaId: -1 },
        { action: 'set-location', location: 's3://b/t' },
      ],
      { nowMs: 11 },
    );
    expect(m.schemas.map((s) => s.schemaId)).toEqual([0]);
    expect(m.partitionSpecs).toEqual([{ specId: 0, fields: [] }]);
    expect(m.sortOrders).toEqual([{ orderId: 0, fields: [] }]);
    expect(m.lastColumnId).toBe(4);
    expect(parseTableMetadata(serializeTableMetadata(m))).toEqual(m);
    expect(() => applyUpdates(undefined, [{ action: 'assign-uuid', uuid: 'u' }], { nowMs: 0 })).toThrow(
      /set-location/,
    );
  });
});

describe('checkRequirements', () => {
  const one = applyUpdates(created, append(snapshot(5n, 1)), { nowMs: 0 });

  it('passes when every requirement holds', () => {
    expect(() =>
      checkRequirements(one, [
        { type: 'assert-table-uuid', uuid: '7A7D2FB8-F62C-421E-B49E-B3F1EDFCF02C' },
        { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 5n },
        { type: 'assert-ref-snapshot-id', ref: 'other', snapshotId: null },
        { type: 'assert-last-assigned-field-id', lastAssignedFieldId: 4 },
        { type: 'assert-current-schema-id', currentSchemaId: 0 },
        { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 1000 },
        { type: 'assert-default-spec-id', defaultSpecId: 0 },
        { type: 'assert-default-sort-order-id', defaultSortOrderId: 1 },
      ]),
    ).not.toThrow();
    expect(() => checkRequirements(undefined, [{ type: 'assert-create' }])).not.toThrow();
  });

  it.each([
    [{ type: 'assert-create' } as const, /assert-create failed: table s3:\/\/b\/wh\/db\/t already exists/],
    [{ type: 'assert-table-uuid', uuid: 'x' } as const, /assert-table-uuid failed/],
    [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 4n } as const, /points at 5, expected 4/],
    [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null } as const, /created concurrently/],
    [{ type: 'assert-ref-snapshot-id', ref: 'dev', snapshotId: 5n } as const, /ref dev is missing/],
    [{ type: 'assert-last-assigned-field-id', lastAssignedFieldId: 3 } as const, /last column id is 4/],
    [{ type: 'assert-current-schema-id', currentSchemaId: 1 } as const, /current schema id is 0/],
    [
      { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 999 } as const,
      /last partition id/,
    ],
    [{ type: 'assert-default-spec-id', defaultSpecId: 1 } as const, /default spec id/],
    [{ type: 'assert-default-sort-order-id', defaultSortOrderId: 0 } as const, /default sort order id/],
  ])('fails %o with a CommitConflictError', (requirement, message) => {
    expect(() => checkRequirements(one, [requirement])).toThrow(CommitConflictError);
    expect(() => checkRequirements(one, [requirement])).toThrow(message);
  });

  it('fails every non-create requirement when the table does not exist', () => {
    expect(() =>
      checkRequirements(undefined, [{ type: 'assert-current-schema-id', currentSchemaId: 0 }]),
    ).toThrow(/does not exist/);
  });
});
