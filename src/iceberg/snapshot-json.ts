// spec: Appendix C, "Table Metadata and Snapshots": snapshot and snapshot-ref
// JSON, shared by table metadata files and REST catalog updates.

import { ValidationError } from '../errors.ts';
import {
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
import type { Snapshot, SnapshotRef } from './snapshot.ts';
import type { FormatVersion } from './table-metadata.ts';

const SNAPSHOT_KEYS: ReadonlySet<string> = new Set([
  'snapshot-id',
  'parent-snapshot-id',
  'sequence-number',
  'timestamp-ms',
  'manifest-list',
  'summary',
  'schema-id',
  'first-row-id',
  'added-rows',
]);

/** `formatVersion`: the table's, when known; v1 snapshots never carry a sequence number. */
export function snapshotToJson(snapshot: Snapshot, formatVersion?: FormatVersion): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  // Like the reference implementation, sequence number 0 (v1) is left out.
  if (snapshot.sequenceNumber > 0 && formatVersion !== 1) json['sequence-number'] = snapshot.sequenceNumber;
  json['snapshot-id'] = snapshot.snapshotId;
  if (snapshot.parentSnapshotId !== undefined) json['parent-snapshot-id'] = snapshot.parentSnapshotId;
  json['timestamp-ms'] = snapshot.timestampMs;
  if (Object.keys(snapshot.summary).length > 0) {
    const { operation, ...rest } = snapshot.summary;
    json.summary = operation === undefined ? rest : { operation, ...rest };
  }
  json['manifest-list'] = snapshot.manifestList;
  if (snapshot.schemaId !== undefined) json['schema-id'] = snapshot.schemaId;
  if (snapshot.firstRowId !== undefined) json['first-row-id'] = snapshot.firstRowId;
  if (snapshot.addedRows !== undefined) json['added-rows'] = snapshot.addedRows;
  return withUnknownKeys(json, snapshot.extraFields);
}

export function snapshotFromJson(json: unknown, where = 'snapshot'): Snapshot {
  const object = asObject(json, where);
  const snapshotId = requireLong(object, 'snapshot-id', where);
  const at = `snapshot ${snapshotId}`;
  if (object['manifest-list'] === undefined && object.manifests !== undefined) {
    throw new ValidationError(`${at} embeds a 'manifests' list (v1); only 'manifest-list' is supported`);
  }
  const snapshot: { -readonly [K in keyof Snapshot]: Snapshot[K] } = {
    snapshotId,
    sequenceNumber: optionalInt(object, 'sequence-number', at) ?? 0,
    timestampMs: requireInt(object, 'timestamp-ms', at),
    manifestList: requireString(object, 'manifest-list', at),
    summary: stringMap(object, 'summary', at),
  };
  const parent = optionalLong(object, 'parent-snapshot-id', at);
  if (parent !== undefined) snapshot.parentSnapshotId = parent;
  const schemaId = optionalInt(object, 'schema-id', at);
  if (schemaId !== undefined) snapshot.schemaId = schemaId;
  const firstRowId = optionalLong(object, 'first-row-id', at);
  if (firstRowId !== undefined) snapshot.firstRowId = firstRowId;
  const addedRows = optionalLong(object, 'added-rows', at);
  if (addedRows !== undefined) snapshot.addedRows = addedRows;
  const extraFields = unknownKeys(object, SNAPSHOT_KEYS);
  if (extraFields !== undefined) snapshot.extraFields = extraFields;
  return snapshot;
}

const REF_KEYS: ReadonlySet<string> = new Set([
  'snapshot-id',
  'type',
  'min-snapshots-to-keep',
  'max-snapshot-age-ms',
  'max-ref-age-ms',
]);

export function snapshotRefToJson(ref: SnapshotRef): Record<string, unknown> {
  const json: Record<string, unknown> = { 'snapshot-id': ref.snapshotId, type: ref.type };
  if (ref.minSnapshotsToKeep !== undefined) json['min-snapshots-to-keep'] = ref.minSnapshotsToKeep;
  if (ref.maxSnapshotAgeMs !== undefined) json['max-snapshot-age-ms'] = ref.maxSnapshotAgeMs;
  if (ref.maxRefAgeMs !== undefined) json['max-ref-age-ms'] = ref.maxRefAgeMs;
  return withUnknownKeys(json, ref.extraFields);
}

/** Reads the ref's own keys from `object`; other keys are the caller's business (REST updates embed refs). */
export function snapshotRefFromJson(object: JsonObject, where: string): SnapshotRef {
  const type = object.type;
  if (type !== 'branch' && type !== 'tag') {
    throw new ValidationError(`'type' of ${where} must be "branch" or "tag", got ${JSON.stringify(type)}`);
  }
  const ref: { -readonly [K in keyof SnapshotRef]: SnapshotRef[K] } = {
    snapshotId: requireLong(object, 'snapshot-id', where),
    type,
  };
  const minSnapshotsToKeep = optionalInt(object, 'min-snapshots-to-keep', where);
  if (minSnapshotsToKeep !== undefined) ref.minSnapshotsToKeep = minSnapshotsToKeep;
  const maxSnapshotAgeMs = optionalInt(object, 'max-snapshot-age-ms', where);
  if (maxSnapshotAgeMs !== undefined) ref.maxSnapshotAgeMs = maxSnapshotAgeMs;
  const maxRefAgeMs = optionalInt(object, 'max-ref-age-ms', where);
  if (maxRefAgeMs !== undefined) ref.maxRefAgeMs = maxRefAgeMs;
  return ref;
}

export function snapshotRefFromMetadataJson(json: unknown, where: string): SnapshotRef {
  const object = asObject(json, where);
  const ref = snapshotRefFromJson(object, where);
  const extraFields = unknownKeys(object, REF_KEYS);
  return extraFields === undefined ? ref : { ...ref, extraFields };
}
