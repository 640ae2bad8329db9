// spec: Appendix C, "Table Metadata and Snapshots": table metadata files.
// Reads v1, v2 and v3; writes the model's format version with the keys, in the
// order, of the reference implementation, so a file we wrote re-serializes to
// the same bytes. Keys floe does not model are kept and written back last.

import { ValidationError } from '../errors.ts';
import { parseJson, stringifyJson } from './json-bigint.ts';
import {
  asArray,
  asObject,
  type JsonObject,
  optionalInt,
  optionalLong,
  requireInt,
  requireLong,
  requireString,
  stringMap,
  unknownKeys,
  withUnknownKeys,
} from './json-fields.ts';
import { PARTITION_FIELD_ID_START, type PartitionSpec } from './partition-spec.ts';
import { partitionFieldsToJson, partitionSpecFromJson, partitionSpecToJson } from './partition-spec-json.ts';
import { schemaFromJson, schemaToJson } from './schema-json.ts';
import { MAIN_BRANCH, type SnapshotRef } from './snapshot.ts';
import {
  snapshotFromJson,
  snapshotRefFromMetadataJson,
  snapshotRefToJson,
  snapshotToJson,
} from './snapshot-json.ts';
import { sortOrderFromJson, sortOrderToJson, UNSORTED_ORDER } from './sort-order.ts';
import {
  currentSchema,
  defaultSpec,
  type FormatVersion,
  type StatisticsFileRef,
  type TableMetadata,
} from './table-metadata.ts';
import type { Schema } from './types.ts';

const METADATA_KEYS: ReadonlySet<string> = new Set([
  'format-version',
  'table-uuid',
  'location',
  'last-sequence-number',
  'last-updated-ms',
  'last-column-id',
  'schema',
  'schemas',
  'current-schema-id',
  'partition-spec',
  'partition-specs',
  'default-spec-id',
  'last-partition-id',
  'properties',
  'current-snapshot-id',
  'next-row-id',
  'snapshots',
  'snapshot-log',
  'metadata-log',
  'sort-orders',
  'default-sort-order-id',
  'refs',
  'statistics',
  'partition-statistics',
  'encryption-keys',
]);

export function parseTableMetadata(text: string): TableMetadata {
  const object = asObject(parseJson(text), 'table metadata');
  const version = requireInt(object, 'format-version', 'table metadata');
  if (version !== 1 && version !== 2 && version !== 3) {
    throw new ValidationError(`unsupported table metadata format-version ${version}; floe reads 1, 2 and 3`);
  }
  const formatVersion: FormatVersion = version;
  const location = requireString(object, 'location', 'table metadata');
  const where = `table metadata of ${location}`;
  const keys = asArray(object['encryption-keys'] ?? [], `'encryption-keys' of ${where}`);
  if (keys.length > 0)
    throw new ValidationError(`${where} uses table encryption, which floe does not support`);

  const { schemas, currentSchemaId } = readSchemas(object, formatVersion, where);
  const { partitionSpecs, defaultSpecId } = readSpecs(object, formatVersion, where);
  const sortOrders =
    object['sort-orders'] === undefined
      ? [UNSORTED_ORDER]
      : asArray(object['sort-orders'], `'sort-orders' of ${where}`).map((o) => sortOrderFromJson(o));
  const snapshots = asArray(object.snapshots ?? [], `'snapshots' of ${where}`).map((s, i) => {
    const snapshot = snapshotFromJson(s, `snapshots[${i}] of ${where}`);
    // v1 has no sequence numbers (spec: they read as 0); one a writer left in is dropped
    return formatVersion === 1 ? { ...snapshot, sequenceNumber: 0 } : snapshot;
  });
  const currentId = optionalLong(object, 'current-snapshot-id', where);
  const currentSnapshotId = currentId === undefined || currentId === -1n ? null : currentId;

  const metadata: { -readonly [K in keyof TableMetadata]: TableMetadata[K] } = {
    formatVersion,
    tableUuid: requireString(object, 'table-uuid', where),
    location,
    lastSequenceNumber: formatVersion === 1 ? 0 : requireInt(object, 'last-sequence-number', where),
    lastUpdatedMs: requireInt(object, 'last-updated-ms', where),
    lastColumnId: requireInt(object, 'last-column-id', where),
    schemas,
    currentSchemaId,
    partitionSpecs,
    defaultSpecId,
    lastPartitionId:
      optionalInt(object, 'last-partition-id', where) ?? highestPartitionFieldId(partitionSpecs),
    properties: stringMap(object, 'properties', where),
    currentSnapshotId,
    snapshots,
    snapshotLog: asArray(object['snapshot-log'] ?? [], `'snapshot-log' of ${where}`).map((entry, i) => {
      const at = `snapshot-log[${i}] of ${where}`;
      const e = asObject(entry, at);
      return {
        timestampMs: requireInt(e, 'timestamp-ms', at),
        snapshotId: requireLong(e, 'snapshot-id', at),
      };
    }),
    metadataLog: asArray(object['metadata-log'] ?? [], `'metadata-log' of ${where}`).map((entry, i) => {
      const at = `metadata-log[${i}] of ${where}`;
      const e = asObject(entry, at);
      return {
        timestampMs: requireInt(e, 'timestamp-ms', at),
        metadataFile: requireString(e, 'metadata-file', at),
      };
    }),
    sortOrders,
    defaultSortOrderId:
      object['default-sort-order-id'] === undefined && formatVersion === 1
        ? sortOrders[0]!.orderId
        : requireInt(object, 'default-sort-order-id', where),
    refs: readRefs(object, currentSnapshotId, where),
    statistics: readStatistics(object, 'statistics', where),
    partitionStatistics: readStatistics(object, 'partition-statistics', where),
  };
  if (formatVersion >= 3) metadata.nextRowId = requireLong(object, 'next-row-id', where);
  const extraFields = unknownKeys(object, METADATA_KEYS);
  if (extraFields !== undefined) metadata.extraFields = extraFields;
  validateReferences(metadata, where);
  return metadata;
}

export function serializeTableMetadata(metadata: TableMetadata): string {
  const v1 = metadata.formatVersion === 1;
  const json: Record<string, unknown> = {
    'format-version': metadata.formatVersion,
    'table-uuid': metadata.tableUuid,
    location: metadata.location,
  };
  if (!v1) json['last-sequence-number'] = metadata.lastSequenceNumber;
  json['last-updated-ms'] = metadata.lastUpdatedMs;
  json['last-column-id'] = metadata.lastColumnId;
  // v1 readers know only the deprecated single 'schema' / 'partition-spec' keys.
  if (v1) json.schema = schemaToJson(currentSchema(metadata));
  json['current-schema-id'] = metadata.currentSchemaId;
  json.schemas = metadata.schemas.map(schemaToJson);
  if (v1) json['partition-spec'] = partitionFieldsToJson(defaultSpec(metadata).fields);
  json['default-spec-id'] = metadata.defaultSpecId;
  json['partition-specs'] = metadata.partitionSpecs.map((spec) => partitionSpecToJson(spec));
  json['last-partition-id'] = metadata.lastPartitionId;
  json['default-sort-order-id'] = metadata.defaultSortOrderId;
  json['sort-orders'] = metadata.sortOrders.map((order) => sortOrderToJson(order));
  json.properties = { ...metadata.properties };
  // v1 and v2 readers expect -1 for "no current snapshot"; v3 writes null.
  json['current-snapshot-id'] = metadata.currentSnapshotId ?? (metadata.formatVersion >= 3 ? null : -1);
  if (metadata.formatVersion >= 3) {
    if (metadata.nextRowId === undefined) {
      throw new ValidationError(`v3 table metadata of ${metadata.location} needs nextRowId`);
    }
    json['next-row-id'] = metadata.nextRowId;
  }
  json.refs = Object.fromEntries(
    Object.entries(metadata.refs).map(([name, ref]) => [name, snapshotRefToJson(ref)]),
  );
  json.snapshots = metadata.snapshots.map((s) => snapshotToJson(s, metadata.formatVersion));
  json.statistics = metadata.statistics.map((s) => s.json);
  json['partition-statistics'] = metadata.partitionStatistics.map((s) => s.json);
  json['snapshot-log'] = metadata.snapshotLog.map((e) => ({
    'timestamp-ms': e.timestampMs,
    'snapshot-id': e.snapshotId,
  }));
  json['metadata-log'] = metadata.metadataLog.map((e) => ({
    'timestamp-ms': e.timestampMs,
    'metadata-file': e.metadataFile,
  }));
  return stringifyJson(withUnknownKeys(json, metadata.extraFields));
}

function readSchemas(
  object: JsonObject,
  formatVersion: FormatVersion,
  where: string,
): { schemas: Schema[]; currentSchemaId: number } {
  if (object.schemas !== undefined) {
    const schemas = asArray(object.schemas, `'schemas' of ${where}`).map(schemaFromJson);
    const fallback = object.schema === undefined ? undefined : schemaFromJson(object.schema).schemaId;
    const currentSchemaId =
      formatVersion === 1
        ? (optionalInt(object, 'current-schema-id', where) ?? fallback ?? schemas[0]?.schemaId ?? 0)
        : requireInt(object, 'current-schema-id', where);
    return { schemas, currentSchemaId };
  }
  if (formatVersion !== 1 || object.schema === undefined) {
    throw new ValidationError(`${where} has no 'schemas'`);
  }
  const schema = schemaFromJson(object.schema);
  return { schemas: [schema], currentSchemaId: schema.schemaId };
}

function readSpecs(
  object: JsonObject,
  formatVersion: FormatVersion,
  where: string,
): { partitionSpecs: PartitionSpec[]; defaultSpecId: number } {
  if (object['partition-specs'] !== undefined) {
    const partitionSpecs = asArray(object['partition-specs'], `'partition-specs' of ${where}`).map((spec) =>
      partitionSpecFromJson(spec),
    );
    const defaultSpecId =
      formatVersion === 1
        ? (optionalInt(object, 'default-spec-id', where) ?? partitionSpecs[0]?.specId ?? 0)
        : requireInt(object, 'default-spec-id', where);
    return { partitionSpecs, defaultSpecId };
  }
  if (formatVersion !== 1 || object['partition-spec'] === undefined) {
    throw new ValidationError(`${where} has no 'partition-specs'`);
  }
  // v1 fields without field ids get them from 1000 on, as the reference implementation did.
  const fields = asArray(object['partition-spec'], `'partition-spec' of ${where}`);
  return { partitionSpecs: [partitionSpecFromJson(fields)], defaultSpecId: 0 };
}

function readRefs(
  object: JsonObject,
  currentSnapshotId: bigint | null,
  where: string,
): Record<string, SnapshotRef> {
  const refs: Record<string, SnapshotRef> = {};
  if (object.refs !== undefined && object.refs !== null) {
    for (const [name, ref] of Object.entries(asObject(object.refs, `'refs' of ${where}`))) {
      refs[name] = snapshotRefFromMetadataJson(ref, `ref ${name} of ${where}`);
    }
  }
  // spec: "There is always a main branch reference pointing to the current-snapshot-id".
  const main = refs[MAIN_BRANCH];
  if (main === undefined && currentSnapshotId !== null) {
    refs[MAIN_BRANCH] = { snapshotId: currentSnapshotId, type: 'branch' };
  } else if (main !== undefined && main.snapshotId !== currentSnapshotId) {
    throw new ValidationError(
      `${where}: main branch points at ${main.snapshotId} but current-snapshot-id is ${currentSnapshotId}`,
    );
  }
  return refs;
}

function readStatistics(object: JsonObject, key: string, where: string): StatisticsFileRef[] {
  return asArray(object[key] ?? [], `'${key}' of ${where}`).map((entry, i) => {
    const json = asObject(entry, `${key}[${i}] of ${where}`);
    return { snapshotId: requireLong(json, 'snapshot-id', `${key}[${i}] of ${where}`), json };
  });
}

function validateReferences(metadata: TableMetadata, where: string): void {
  currentSchema(metadata);
  defaultSpec(metadata);
  if (!metadata.sortOrders.some((o) => o.orderId === metadata.defaultSortOrderId)) {
    throw new ValidationError(
      `${where}: default-sort-order-id ${metadata.defaultSortOrderId} is not in sort-orders`,
    );
  }
  const ids = new Set(metadata.snapshots.map((s) => s.snapshotId));
  for (const [name, ref] of Object.entries(metadata.refs)) {
    if (!ids.has(ref.snapshotId)) {
      throw new ValidationError(
        `${where}: ref ${name} points at snapshot ${ref.snapshotId}, which is not in snapshots`,
      );
    }
  }
}

function highestPartitionFieldId(specs: readonly PartitionSpec[]): number {
  let highest = PARTITION_FIELD_ID_START - 1;
  for (const spec of specs) for (const field of spec.fields) highest = Math.max(highest, field.fieldId);
  return highest;
}
