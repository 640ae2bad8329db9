// Table changes and commit preconditions, with their JSON as defined by the REST
// catalog spec (open-api/rest-catalog-open-api.yaml: TableUpdate, TableRequirement).

import { ValidationError } from '../errors.ts';
import {
  asArray,
  asObject,
  optionalInt,
  requireInt,
  requireLong,
  requireString,
  stringMap,
} from './json-fields.ts';
import type { PartitionSpec } from './partition-spec.ts';
import { partitionSpecFromJson, partitionSpecToJson } from './partition-spec-json.ts';
import { schemaFromJson, schemaToJson } from './schema-json.ts';
import type { Snapshot, SnapshotRef } from './snapshot.ts';
import { snapshotFromJson, snapshotRefFromJson, snapshotRefToJson, snapshotToJson } from './snapshot-json.ts';
import { type SortOrder, sortOrderFromJson, sortOrderToJson } from './sort-order.ts';
import type { FormatVersion } from './table-metadata.ts';
import { highestFieldId, type Schema } from './types.ts';

export type TableUpdate =
  | { readonly action: 'assign-uuid'; readonly uuid: string }
  | { readonly action: 'upgrade-format-version'; readonly formatVersion: FormatVersion }
  /**
   * lastColumnId: the table's highest assigned field id after this schema. The
   * REST spec deprecates it, but servers before Iceberg 1.8 require it, so the
   * JSON always carries it (the schema's highest field id when absent here).
   */
  | { readonly action: 'add-schema'; readonly schema: Schema; readonly lastColumnId?: number }
  /** schemaId -1 means "the schema added last in this commit". */
  | { readonly action: 'set-current-schema'; readonly schemaId: number }
  | { readonly action: 'add-spec'; readonly spec: PartitionSpec }
  /** specId -1 means "the spec added last in this commit". */
  | { readonly action: 'set-default-spec'; readonly specId: number }
  | { readonly action: 'add-sort-order'; readonly sortOrder: SortOrder }
  /** sortOrderId -1 means "the sort order added last in this commit". */
  | { readonly action: 'set-default-sort-order'; readonly sortOrderId: number }
  | { readonly action: 'add-snapshot'; readonly snapshot: Snapshot }
  | ({ readonly action: 'set-snapshot-ref'; readonly refName: string } & SnapshotRef)
  | { readonly action: 'remove-snapshots'; readonly snapshotIds: readonly bigint[] }
  | { readonly action: 'remove-snapshot-ref'; readonly refName: string }
  | { readonly action: 'set-location'; readonly location: string }
  | { readonly action: 'set-properties'; readonly updates: Readonly<Record<string, string>> }
  | { readonly action: 'remove-properties'; readonly removals: readonly string[] };

export type TableRequirement =
  | { readonly type: 'assert-create' }
  | { readonly type: 'assert-table-uuid'; readonly uuid: string }
  /** snapshotId null: the ref must not exist. */
  | { readonly type: 'assert-ref-snapshot-id'; readonly ref: string; readonly snapshotId: bigint | null }
  | { readonly type: 'assert-last-assigned-field-id'; readonly lastAssignedFieldId: number }
  | { readonly type: 'assert-current-schema-id'; readonly currentSchemaId: number }
  | { readonly type: 'assert-last-assigned-partition-id'; readonly lastAssignedPartitionId: number }
  | { readonly type: 'assert-default-spec-id'; readonly defaultSpecId: number }
  | { readonly type: 'assert-default-sort-order-id'; readonly defaultSortOrderId: number };

export function tableUpdateToJson(update: TableUpdate): Record<string, unknown> {
  const action = update.action;
  switch (update.action) {
    case 'assign-uuid':
      return { action, uuid: update.uuid };
    case 'upgrade-format-version':
      return { action, 'format-version': update.formatVersion };
    case 'add-schema':
      return {
        action,
        schema: schemaToJson(update.schema),
        'last-column-id': update.lastColumnId ?? highestFieldId(update.schema.fields),
      };
    case 'set-current-schema':
      return { action, 'schema-id': update.schemaId };
    case 'add-spec':
      return { action, spec: partitionSpecToJson(update.spec) };
    case 'set-default-spec':
      return { action, 'spec-id': update.specId };
    case 'add-sort-order':
      return { action, 'sort-order': sortOrderToJson(update.sortOrder) };
    case 'set-default-sort-order':
      return { action, 'sort-order-id': update.sortOrderId };
    case 'add-snapshot':
      return { action, snapshot: snapshotToJson(update.snapshot) };
    case 'set-snapshot-ref': {
      const { action: _, refName, ...ref } = update;
      return { action, 'ref-name': refName, ...snapshotRefToJson(ref) };
    }
    case 'remove-snapshots':
      return { action, 'snapshot-ids': [...update.snapshotIds] };
    case 'remove-snapshot-ref':
      return { action, 'ref-name': update.refName };
    case 'set-location':
      return { action, location: update.location };
    case 'set-properties':
      return { action, updates: { ...update.updates } };
    case 'remove-properties':
      return { action, removals: [...update.removals] };
  }
}

export function tableUpdateFromJson(json: unknown): TableUpdate {
  const object = asObject(json, 'table update');
  const action = object.action;
  const where = `table update ${JSON.stringify(action)}`;
  switch (action) {
    case 'assign-uuid':
      return { action, uuid: requireString(object, 'uuid', where) };
    case 'upgrade-format-version': {
      const formatVersion = requireInt(object, 'format-version', where);
      if (formatVersion !== 1 && formatVersion !== 2 && formatVersion !== 3) {
        throw new ValidationError(`${where}: unsupported format-version ${formatVersion}`);
      }
      return { action, formatVersion };
    }
    case 'add-schema': {
      const schema = schemaFromJson(object.schema);
      const lastColumnId = optionalInt(object, 'last-column-id', where);
      return lastColumnId === undefined ? { action, schema } : { action, schema, lastColumnId };
    }
    case 'set-current-schema':
      return { action, schemaId: requireInt(object, 'schema-id', where) };
    case 'add-spec':
      return { action, spec: partitionSpecFromJson(object.spec) };
    case 'set-default-spec':
      return { action, specId: requireInt(object, 'spec-id', where) };
    case 'add-sort-order':
      return { action, sortOrder: sortOrderFromJson(object['sort-order']) };
    case 'set-default-sort-order':
      return { action, sortOrderId: requireInt(object, 'sort-order-id', where) };
    case 'add-snapshot':
      return { action, snapshot: snapshotFromJson(object.snapshot, `snapshot of ${where}`) };
    case 'set-snapshot-ref':
      return {
        action,
        refName: requireString(object, 'ref-name', where),
        ...snapshotRefFromJson(object, where),
      };
    case 'remove-snapshots':
      return {
        action,
        snapshotIds: asArray(object['snapshot-ids'], `'snapshot-ids' of ${where}`).map((id, i) =>
          requireLong({ id }, 'id', `'snapshot-ids'[${i}] of ${where}`),
        ),
      };
    case 'remove-snapshot-ref':
      return { action, refName: requireString(object, 'ref-name', where) };
    case 'set-location':
      return { action, location: requireString(object, 'location', where) };
    case 'set-properties':
      return { action, updates: stringMap(object, 'updates', where) };
    case 'remove-properties':
      return {
        action,
        removals: asArray(object.removals, `'removals' of ${where}`).map((key, i) =>
          requireString({ key }, 'key', `'removals'[${i}] of ${where}`),
        ),
      };
    default:
      throw new ValidationError(`unsupported table update action ${JSON.stringify(action)}`);
  }
}

export function tableRequirementToJson(requirement: TableRequirement): Record<string, unknown> {
  const type = requirement.type;
  switch (requirement.type) {
    case 'assert-create':
      return { type };
    case 'assert-table-uuid':
      return { type, uuid: requirement.uuid };
    case 'assert-ref-snapshot-id':
      // snapshot-id is required and written as null when the ref must not exist.
      return { type, ref: requirement.ref, 'snapshot-id': requirement.snapshotId };
    case 'assert-last-assigned-field-id':
      return { type, 'last-assigned-field-id': requirement.lastAssignedFieldId };
    case 'assert-current-schema-id':
      return { type, 'current-schema-id': requirement.currentSchemaId };
    case 'assert-last-assigned-partition-id':
      return { type, 'last-assigned-partition-id': requirement.lastAssignedPartitionId };
    case 'assert-default-spec-id':
      return { type, 'default-spec-id': requirement.defaultSpecId };
    case 'assert-default-sort-order-id':
      return { type, 'default-sort-order-id': requirement.defaultSortOrderId };
  }
}

export function tableRequirementFromJson(json: unknown): TableRequirement {
  const object = asObject(json, 'table requirement');
  const type = object.type;
  const where = `table requirement ${JSON.stringify(type)}`;
  switch (type) {
    case 'assert-create':
      return { type };
    case 'assert-table-uuid':
      return { type, uuid: requireString(object, 'uuid', where) };
    case 'assert-ref-snapshot-id':
      return {
        type,
        ref: requireString(object, 'ref', where),
        snapshotId: object['snapshot-id'] === null ? null : requireLong(object, 'snapshot-id', where),
      };
    case 'assert-last-assigned-field-id':
      return { type, lastAssignedFieldId: requireInt(object, 'last-assigned-field-id', where) };
    case 'assert-current-schema-id':
      return { type, currentSchemaId: requireInt(object, 'current-schema-id', where) };
    case 'assert-last-assigned-partition-id':
      return { type, lastAssignedPartitionId: requireInt(object, 'last-assigned-partition-id', where) };
    case 'assert-default-spec-id':
      return { type, defaultSpecId: requireInt(object, 'default-spec-id', where) };
    case 'assert-default-sort-order-id':
      return { type, defaultSortOrderId: requireInt(object, 'default-sort-order-id', where) };
    default:
      throw new ValidationError(`unsupported table requirement type ${JSON.stringify(type)}`);
  }
}
