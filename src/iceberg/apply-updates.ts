// Commit semantics: checking a commit's requirements against the current table
// metadata and applying its updates, as a REST catalog server does (REST spec:
// TableRequirement, TableUpdate), and the metadata of a new table. Pure: the
// clock comes in as ctx.nowMs.
//
// The metadata log is NOT maintained here: whoever writes the new metadata file
// knows the previous file's location and appends it (spec: "metadata-log").

import { CommitConflictError, ValidationError } from '../errors.ts';
import { stringifyJson } from './json-bigint.ts';
import { PARTITION_FIELD_ID_START, type PartitionSpec, UNPARTITIONED } from './partition-spec.ts';
import { partitionSpecToJson } from './partition-spec-json.ts';
import { typeToJson } from './schema-json.ts';
import { MAIN_BRANCH, type SnapshotRef } from './snapshot.ts';
import { type SortOrder, sortOrderToJson, UNSORTED_ORDER } from './sort-order.ts';
import type { FormatVersion, TableMetadata } from './table-metadata.ts';
import type { TableRequirement, TableUpdate } from './table-update.ts';
import { highestFieldId, indexFieldsById, type Schema } from './types.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Throws CommitConflictError naming the first requirement `base` does not meet (undefined: no table). */
export function checkRequirements(base: TableMetadata | undefined, reqs: readonly TableRequirement[]): void {
  for (const req of reqs) {
    const fail = (why: string): never => {
      throw new CommitConflictError(`requirement ${req.type} failed: ${why}`, { requirement: req.type });
    };
    if (req.type === 'assert-create') {
      if (base !== undefined) fail(`table ${base.location} already exists`);
      continue;
    }
    if (base === undefined) {
      throw new CommitConflictError(`requirement ${req.type} failed: the table does not exist`, {
        requirement: req.type,
      });
    }
    switch (req.type) {
      case 'assert-table-uuid':
        if (base.tableUuid.toLowerCase() !== req.uuid.toLowerCase()) {
          fail(`table uuid is ${base.tableUuid}, expected ${req.uuid}`);
        }
        break;
      case 'assert-ref-snapshot-id': {
        const ref = base.refs[req.ref];
        if (req.snapshotId === null && ref !== undefined) fail(`ref ${req.ref} was created concurrently`);
        if (req.snapshotId !== null && ref === undefined) fail(`ref ${req.ref} is missing`);
        if (req.snapshotId !== null && ref !== undefined && ref.snapshotId !== req.snapshotId) {
          fail(`ref ${req.ref} points at ${ref.snapshotId}, expected ${req.snapshotId}`);
        }
        break;
      }
      case 'assert-last-assigned-field-id':
        if (base.lastColumnId !== req.lastAssignedFieldId) {
          fail(`last column id is ${base.lastColumnId}, expected ${req.lastAssignedFieldId}`);
        }
        break;
      case 'assert-current-schema-id':
        if (base.currentSchemaId !== req.currentSchemaId) {
          fail(`current schema id is ${base.currentSchemaId}, expected ${req.currentSchemaId}`);
        }
        break;
      case 'assert-last-assigned-partition-id':
        if (base.lastPartitionId !== req.lastAssignedPartitionId) {
          fail(`last partition id is ${base.lastPartitionId}, expected ${req.lastAssignedPartitionId}`);
        }
        break;
      case 'assert-default-spec-id':
        if (base.defaultSpecId !== req.defaultSpecId) {
          fail(`default spec id is ${base.defaultSpecId}, expected ${req.defaultSpecId}`);
        }
        break;
      case 'assert-default-sort-order-id':
        if (base.defaultSortOrderId !== req.defaultSortOrderId) {
          fail(`default sort order id is ${base.defaultSortOrderId}, expected ${req.defaultSortOrderId}`);
        }
        break;
    }
  }
}

/** The metadata of a new table whose schema already carries its field ids. */
export function newTableMetadata(args: {
  readonly tableUuid: string;
  readonly location: string;
  readonly schema: Schema;
  readonly spec: PartitionSpec;
  readonly sortOrder: SortOrder;
  readonly properties: Readonly<Record<string, string>>;
  readonly formatVersion: FormatVersion;
  readonly nowMs: number;
}): TableMetadata {
  const fieldIds = indexFieldsById(args.schema.fields);
  const where = `new table at ${args.location}`;
  const spec: PartitionSpec = {
    specId: 0,
    fields: args.spec.fields.map((field, i) => {
      if (!fieldIds.has(field.sourceId)) {
        throw new ValidationError(
          `${where}: partition field ${field.name} has unknown source id ${field.sourceId}`,
        );
      }
      return { ...field, fieldId: PARTITION_FIELD_ID_START + i };
    }),
  };
  for (const field of args.sortOrder.fields) {
    if (!fieldIds.has(field.sourceId)) {
      throw new ValidationError(`${where}: sort field has unknown source id ${field.sourceId}`);
    }
  }
  const sortOrder: SortOrder = { ...args.sortOrder, orderId: args.sortOrder.fields.length === 0 ? 0 : 1 };
  // 'format-version' is a reserved property: it is the metadata's own field.
  const { 'format-version': _reserved, ...properties } = args.properties;
  const metadata: Mutable<TableMetadata> = {
    formatVersion: args.formatVersion,
    tableUuid: args.tableUuid,
    location: args.location.replace(/\/+$/, ''),
    lastSequenceNumber: 0,
    lastUpdatedMs: args.nowMs,
    lastColumnId: highestFieldId(args.schema.fields),
    schemas: [{ ...args.schema, schemaId: 0 }],
    currentSchemaId: 0,
    partitionSpecs: [spec],
    defaultSpecId: 0,
    lastPartitionId: PARTITION_FIELD_ID_START - 1 + spec.fields.length,
    properties,
    currentSnapshotId: null,
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [sortOrder],
    defaultSortOrderId: sortOrder.orderId,
    refs: {},
    statistics: [],
    partitionStatistics: [],
  };
  if (args.formatVersion >= 3) metadata.nextRowId = 0n;
  return metadata;
}

/** The table before its first update: what a create-table commit starts from. */
function emptyMetadata(): Mutable<TableMetadata> {
  return {
    formatVersion: 2,
    tableUuid: '',
    location: '',
    lastSequenceNumber: 0,
    lastUpdatedMs: 0,
    lastColumnId: 0,
    schemas: [],
    currentSchemaId: -1,
    partitionSpecs: [],
    defaultSpecId: -1,
    lastPartitionId: PARTITION_FIELD_ID_START - 1,
    properties: {},
    currentSnapshotId: null,
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [],
    defaultSortOrderId: -1,
    refs: {},
    statistics: [],
    partitionStatistics: [],
  };
}

/**
 * Applies `updates` in order to `base` (undefined: create the table). Ids of
 * added schemas, specs and sort orders are assigned here (an identical existing
 * one is reused), and -1 in a set-current/default update means "the one added
 * last". lastUpdatedMs becomes the added snapshot's timestamp, else ctx.nowMs.
 */
export function applyUpdates(
  base: TableMetadata | undefined,
  updates: readonly TableUpdate[],
  ctx: { readonly nowMs: number },
): TableMetadata {
  if (base !== undefined && updates.length === 0) return base;
  const m: Mutable<TableMetadata> = base === undefined ? emptyMetadata() : { ...base };
  const where = base === undefined ? 'new table' : `table ${base.location}`;
  const fail = (update: TableUpdate, why: string): never => {
    throw new ValidationError(`cannot apply ${update.action} to ${where}: ${why}`);
  };
  let lastAddedSchemaId: number | undefined;
  let lastAddedSpecId: number | undefined;
  let lastAddedSortOrderId: number | undefined;
  let snapshotTimestampMs: number | undefined;
  const lastAdded = (update: TableUpdate, id: number, added: number | undefined, what: string): number => {
    if (id !== -1) return id;
    return added ?? fail(update, `-1 means the last added ${what}, but none was added`);
  };

  for (const update of updates) {
    switch (update.action) {
      case 'assign-uuid':
        m.tableUuid = update.uuid;
        break;
      case 'upgrade-format-version':
        if (base !== undefined && update.formatVersion < m.formatVersion) {
          fail(update, `cannot downgrade from v${m.formatVersion} to v${update.formatVersion}`);
        }
        if (update.formatVersion >= 3 && m.nextRowId === undefined) m.nextRowId = 0n;
        m.formatVersion = update.formatVersion;
        break;
      case 'add-schema': {
        // Never lowered: the given id is advisory (deprecated in the REST spec) and
        // a schema's own ids count even when the given id is below them.
        const lastColumnId = Math.max(
          m.lastColumnId,
          update.lastColumnId ?? 0,
          highestFieldId(update.schema.fields),
        );
        const key = schemaKey(update.schema);
        const same = m.schemas.find((s) => schemaKey(s) === key);
        const schemaId =
          same?.schemaId ??
          nextId(
            m.schemas.map((s) => s.schemaId),
            0,
          );
        if (!same) m.schemas = [...m.schemas, { ...update.schema, schemaId }];
        m.lastColumnId = lastColumnId;
        lastAddedSchemaId = schemaId;
        break;
      }
      case 'set-current-schema': {
        const id = lastAdded(update, update.schemaId, lastAddedSchemaId, 'schema');
        if (!m.schemas.some((s) => s.schemaId === id)) fail(update, `no schema with id ${id}`);
        m.currentSchemaId = id;
        break;
      }
      case 'add-spec': {
        const key = specKey(update.spec);
        const same = m.partitionSpecs.find((s) => specKey(s) === key);
        const specId =
          same?.specId ??
          nextId(
            m.partitionSpecs.map((s) => s.specId),
            0,
          );
        if (!same) m.partitionSpecs = [...m.partitionSpecs, { ...update.spec, specId }];
        for (const field of update.spec.fields)
          m.lastPartitionId = Math.max(m.lastPartitionId, field.fieldId);
        lastAddedSpecId = specId;
        break;
      }
      case 'set-default-spec': {
        const id = lastAdded(update, update.specId, lastAddedSpecId, 'partition spec');
        if (!m.partitionSpecs.some((s) => s.specId === id)) fail(update, `no partition spec with id ${id}`);
        m.defaultSpecId = id;
        break;
      }
      case 'add-sort-order': {
        const key = sortOrderKey(update.sortOrder);
        const same = m.sortOrders.find((o) => sortOrderKey(o) === key);
        // spec: "Sorting": order id 0 is reserved for the unsorted order.
        const orderId =
          same?.orderId ??
          (update.sortOrder.fields.length === 0
            ? 0
            : nextId(
                m.sortOrders.map((o) => o.orderId),
                1,
              ));
        if (!same) m.sortOrders = [...m.sortOrders, { ...update.sortOrder, orderId }];
        lastAddedSortOrderId = orderId;
        break;
      }
      case 'set-default-sort-order': {
        const id = lastAdded(update, update.sortOrderId, lastAddedSortOrderId, 'sort order');
        if (!m.sortOrders.some((o) => o.orderId === id)) fail(update, `no sort order with id ${id}`);
        m.defaultSortOrderId = id;
        break;
      }
      case 'add-snapshot': {
        // v1 has no sequence numbers: a writer's number is not kept (spec: v1 snapshots read as 0)
        const snapshot = m.formatVersion === 1 ? { ...update.snapshot, sequenceNumber: 0 } : update.snapshot;
        if (m.snapshots.some((s) => s.snapshotId === snapshot.snapshotId)) {
          fail(update, `snapshot ${snapshot.snapshotId} already exists`);
        }
        if (m.formatVersion > 1 && snapshot.parentSnapshotId !== undefined) {
          if (snapshot.sequenceNumber <= m.lastSequenceNumber) {
            fail(update, `sequence number ${snapshot.sequenceNumber} is not above ${m.lastSequenceNumber}`);
          }
        }
        if (m.formatVersion >= 3) {
          const next = m.nextRowId ?? 0n;
          if (snapshot.firstRowId === undefined || snapshot.addedRows === undefined) {
            fail(update, `v3 snapshot ${snapshot.snapshotId} needs first-row-id and added-rows`);
          } else if (snapshot.firstRowId < next) {
            fail(update, `first-row-id ${snapshot.firstRowId} is below the table's next-row-id ${next}`);
          } else {
            m.nextRowId = next + snapshot.addedRows;
          }
        }
        m.snapshots = [...m.snapshots, snapshot];
        m.lastSequenceNumber = Math.max(m.lastSequenceNumber, snapshot.sequenceNumber);
        snapshotTimestampMs = snapshot.timestampMs;
        break;
      }
      case 'set-snapshot-ref': {
        const { action: _, refName, ...ref } = update;
        if (!m.snapshots.some((s) => s.snapshotId === ref.snapshotId)) {
          fail(update, `ref ${refName} points at unknown snapshot ${ref.snapshotId}`);
        }
        if (refName === MAIN_BRANCH && ref.type !== 'branch') fail(update, 'main must be a branch');
        const existing = m.refs[refName];
        if (existing !== undefined && sameRef(existing, ref)) break;
        m.refs = { ...m.refs, [refName]: ref };
        if (refName === MAIN_BRANCH) {
          m.currentSnapshotId = ref.snapshotId;
          m.snapshotLog = [
            ...m.snapshotLog,
            { timestampMs: snapshotTimestampMs ?? ctx.nowMs, snapshotId: ref.snapshotId },
          ];
        }
        break;
      }
      case 'remove-snapshots':
        removeSnapshots(m, new Set(update.snapshotIds));
        break;
      case 'remove-snapshot-ref': {
        const { [update.refName]: _removed, ...refs } = m.refs;
        m.refs = refs;
        if (update.refName === MAIN_BRANCH) m.currentSnapshotId = null;
        break;
      }
      case 'set-location':
        m.location = update.location.replace(/\/+$/, '');
        break;
      case 'set-properties':
        m.properties = { ...m.properties, ...update.updates };
        break;
      case 'remove-properties': {
        const properties = { ...m.properties };
        for (const key of update.removals) delete properties[key];
        m.properties = properties;
        break;
      }
    }
  }
  m.lastUpdatedMs = snapshotTimestampMs ?? ctx.nowMs;
  if (base === undefined) completeNewTable(m);
  return m;
}

function removeSnapshots(m: Mutable<TableMetadata>, ids: ReadonlySet<bigint>): void {
  m.snapshots = m.snapshots.filter((s) => !ids.has(s.snapshotId));
  m.refs = Object.fromEntries(Object.entries(m.refs).filter(([, ref]) => !ids.has(ref.snapshotId)));
  if (m.currentSnapshotId !== null && ids.has(m.currentSnapshotId)) m.currentSnapshotId = null;
  m.statistics = m.statistics.filter((s) => !ids.has(s.snapshotId));
  m.partitionStatistics = m.partitionStatistics.filter((s) => !ids.has(s.snapshotId));
  // spec: "snapshot-log": entries before an expired snapshot are removed.
  const remaining = new Set(m.snapshots.map((s) => s.snapshotId));
  let lastExpired = -1;
  m.snapshotLog.forEach((entry, i) => {
    if (!remaining.has(entry.snapshotId)) lastExpired = i;
  });
  m.snapshotLog = m.snapshotLog.slice(lastExpired + 1);
}

/** A create-table commit must leave a usable table; spec and order default to none. */
function completeNewTable(m: Mutable<TableMetadata>): void {
  if (m.tableUuid === '') throw new ValidationError('new table: no assign-uuid update');
  if (m.location === '') throw new ValidationError('new table: no set-location update');
  if (m.currentSchemaId === -1) throw new ValidationError(`new table ${m.location}: no current schema`);
  if (m.partitionSpecs.length === 0) m.partitionSpecs = [UNPARTITIONED];
  if (m.defaultSpecId === -1) m.defaultSpecId = m.partitionSpecs[0]!.specId;
  if (m.sortOrders.length === 0) m.sortOrders = [UNSORTED_ORDER];
  if (m.defaultSortOrderId === -1) m.defaultSortOrderId = m.sortOrders[0]!.orderId;
}

function nextId(ids: readonly number[], first: number): number {
  return ids.length === 0 ? first : Math.max(first - 1, ...ids) + 1;
}

function sameRef(a: SnapshotRef, b: SnapshotRef): boolean {
  return (
    a.snapshotId === b.snapshotId &&
    a.type === b.type &&
    a.minSnapshotsToKeep === b.minSnapshotsToKeep &&
    a.maxSnapshotAgeMs === b.maxSnapshotAgeMs &&
    a.maxRefAgeMs === b.maxRefAgeMs
  );
}

// Identity of schemas, specs and orders regardless of their id, for reuse.
function schemaKey(schema: Schema): string {
  return stringifyJson([typeToJson({ kind: 'struct', fields: schema.fields }), schema.identifierFieldIds]);
}
function specKey(spec: PartitionSpec): string {
  return stringifyJson(partitionSpecToJson({ ...spec, specId: 0 }));
}
function sortOrderKey(order: SortOrder): string {
  return stringifyJson(sortOrderToJson({ ...order, orderId: 0 }));
}
