// Invariants of one table's metadata, independent of Kafka: the file is
// consistent (refs, snapshot log, metadata log, sequence numbers, ids it
// references) and field ids are never reused (one id names one column path with
// one type, or a promotion of it, across every schema; no two columns of a
// schema share an id; no column disappears, as nobody in the simulation drops one).

import type { TableMetadata } from '../../src/iceberg/table-metadata.ts';
import { isPromotionAllowed } from '../../src/iceberg/type-promotion.ts';
import type { IcebergType, NestedField } from '../../src/iceberg/types.ts';
import { isPrimitive, typeToString } from '../../src/iceberg/types.ts';
import type { Violation } from './violation.ts';

/** Iceberg's reference implementation tolerates clocks this far apart (TableMetadata.ONE_MINUTE). */
const CLOCK_SLACK_MS = 60_000;

export function metadataViolations(table: string, m: TableMetadata): Violation[] {
  const out: Violation[] = [];
  const bad = (detail: string) => out.push({ invariant: 'metadata-valid', detail: `${table}: ${detail}` });
  const byId = new Map(m.snapshots.map((s) => [s.snapshotId, s]));
  for (const [name, ref] of Object.entries(m.refs)) {
    if (!byId.has(ref.snapshotId)) bad(`ref ${name} points at missing snapshot ${ref.snapshotId}`);
  }
  const main = m.refs.main?.snapshotId ?? null;
  if (main !== m.currentSnapshotId) bad(`current-snapshot-id ${m.currentSnapshotId} but main is ${main}`);
  let lastTs = Number.NEGATIVE_INFINITY;
  for (const entry of m.snapshotLog) {
    if (!byId.has(entry.snapshotId)) bad(`snapshot-log names missing snapshot ${entry.snapshotId}`);
    if (entry.timestampMs < lastTs - CLOCK_SLACK_MS) bad('snapshot-log timestamps go backwards');
    lastTs = entry.timestampMs;
  }
  const lastLogged = m.snapshotLog.at(-1)?.snapshotId ?? null;
  if (m.currentSnapshotId !== null && lastLogged !== m.currentSnapshotId)
    bad(`snapshot-log ends at ${lastLogged}, current snapshot is ${m.currentSnapshotId}`);
  lastTs = Number.NEGATIVE_INFINITY;
  for (const entry of m.metadataLog) {
    if (entry.timestampMs < lastTs - CLOCK_SLACK_MS) bad('metadata-log timestamps go backwards');
    lastTs = entry.timestampMs;
  }
  const schemaIds = new Set(m.schemas.map((s) => s.schemaId));
  if (!schemaIds.has(m.currentSchemaId)) bad(`current schema ${m.currentSchemaId} does not exist`);
  if (!m.partitionSpecs.some((s) => s.specId === m.defaultSpecId))
    bad(`default spec ${m.defaultSpecId} does not exist`);
  for (const s of m.snapshots) {
    if (s.schemaId !== undefined && !schemaIds.has(s.schemaId))
      bad(`snapshot ${s.snapshotId} names missing schema ${s.schemaId}`);
    if (s.sequenceNumber > m.lastSequenceNumber)
      bad(`snapshot ${s.snapshotId} has sequence number ${s.sequenceNumber} > last ${m.lastSequenceNumber}`);
    if (s.parentSnapshotId === undefined) continue;
    // a parent snapshot expiry removed stays named (as Java leaves it)
    const parent = byId.get(s.parentSnapshotId);
    if (parent !== undefined && parent.sequenceNumber >= s.sequenceNumber)
      bad(
        `snapshot ${s.snapshotId} sequence ${s.sequenceNumber} not above its parent's ${parent.sequenceNumber}`,
      );
  }
  return out;
}

interface Column {
  readonly path: string;
  readonly type: IcebergType;
  readonly schemaId: number;
}

function columns(
  fields: readonly NestedField[],
  prefix: string,
  into: Array<{ id: number } & Omit<Column, 'schemaId'>>,
): void {
  for (const field of fields) {
    const path = prefix + field.name;
    into.push({ id: field.id, path, type: field.type });
    nested(field.type, path, into);
  }
}

function nested(
  type: IcebergType,
  path: string,
  into: Array<{ id: number } & Omit<Column, 'schemaId'>>,
): void {
  if (type.kind === 'struct') columns(type.fields, `${path}.`, into);
  else if (type.kind === 'list') {
    into.push({ id: type.elementId, path: `${path}.element`, type: type.element });
    nested(type.element, `${path}.element`, into);
  } else if (type.kind === 'map') {
    into.push({ id: type.keyId, path: `${path}.key`, type: type.key });
    into.push({ id: type.valueId, path: `${path}.value`, type: type.value });
    nested(type.value, `${path}.value`, into);
  }
}

function compatible(before: IcebergType, after: IcebergType): boolean {
  if (isPrimitive(before) && isPrimitive(after)) return isPromotionAllowed(before, after);
  return before.kind === after.kind;
}

export function fieldIdViolations(table: string, m: TableMetadata): Violation[] {
  const out: Violation[] = [];
  const bad = (detail: string) => out.push({ invariant: 'field-ids', detail: `${table}: ${detail}` });
  const seen = new Map<number, Column>();
  let highest = 0;
  for (const schema of m.schemas) {
    const found: Array<{ id: number } & Omit<Column, 'schemaId'>> = [];
    columns(schema.fields, '', found);
    const inSchema = new Map<number, string>();
    for (const c of found) {
      highest = Math.max(highest, c.id);
      const twin = inSchema.get(c.id);
      if (twin !== undefined)
        bad(`schema ${schema.schemaId}: columns ${twin} and ${c.path} share id ${c.id}`);
      inSchema.set(c.id, c.path);
      const first = seen.get(c.id);
      if (first === undefined) seen.set(c.id, { path: c.path, type: c.type, schemaId: schema.schemaId });
      else if (first.path !== c.path)
        bad(
          `id ${c.id} is ${first.path} in schema ${first.schemaId} but ${c.path} in schema ${schema.schemaId}`,
        );
      else if (!compatible(first.type, c.type))
        bad(
          `id ${c.id} (${c.path}) is ${typeToString(first.type)} in schema ${first.schemaId} but ${typeToString(c.type)} in schema ${schema.schemaId}`,
        );
    }
  }
  if (m.lastColumnId < highest) bad(`last-column-id ${m.lastColumnId} is below id ${highest}`);
  const current = m.schemas.find((s) => s.schemaId === m.currentSchemaId);
  if (current) {
    const live: Array<{ id: number } & Omit<Column, 'schemaId'>> = [];
    columns(current.fields, '', live);
    const liveIds = new Set(live.map((c) => c.id));
    for (const [id, c] of seen) {
      if (!liveIds.has(id))
        bad(
          `column ${c.path} (id ${id}, schema ${c.schemaId}) vanished from the current schema ${current.schemaId}`,
        );
    }
  }
  return out;
}
