// A table's columns as schemaless JSON inference holds them, for a worker that
// continues from an existing table (InferredJsonSchema.follow): the types
// inference can make (boolean, long, double, string, date, timestamp,
// timestamptz, structs and lists of them), every column optional; columns of
// other types (decimal, map, uuid, ...) are left out, to the table's own schema
// evolution. Types are built with id 0; the caller numbers them.
import type { IcebergType, NestedField } from '../iceberg/types.ts';
import { primitive } from '../iceberg/types.ts';
import type { InferredTemporal } from './iso-temporal.ts';

/** `inferred` with the table's columns (of inferable types) taking precedence; the same array when nothing changes. */
export function followFields(
  inferred: readonly NestedField[],
  table: readonly NestedField[],
): readonly NestedField[] {
  let changed = false;
  const merged = inferred.map((field) => {
    const column = table.find((candidate) => candidate.name === field.name);
    const type = column === undefined ? undefined : followType(field.type, column.type);
    if (type === undefined || type === field.type) return field;
    changed = true;
    return { ...field, type };
  });
  for (const column of table) {
    if (inferred.some((field) => field.name === column.name)) continue;
    const type = followType(undefined, column.type);
    if (type === undefined) continue;
    changed = true;
    merged.push({ id: 0, name: column.name, required: false, type });
  }
  return changed ? merged : inferred;
}

/** The table's type as inference would hold it (`current` when equal), or undefined when inference cannot hold it. */
function followType(current: IcebergType | undefined, table: IcebergType): IcebergType | undefined {
  if (table.kind === 'struct') {
    const fields = followFields(current?.kind === 'struct' ? current.fields : [], table.fields);
    if (current?.kind === 'struct' && fields === current.fields) return current;
    return fields.length === 0 ? undefined : { kind: 'struct', fields };
  }
  if (table.kind === 'list') {
    const element = followType(current?.kind === 'list' ? current.element : undefined, table.element);
    if (element === undefined) return undefined;
    if (current?.kind === 'list' && element === current.element) return current;
    return { kind: 'list', elementId: 0, elementRequired: false, element };
  }
  if (!INFERABLE.has(table.kind)) return undefined;
  return current?.kind === table.kind ? current : primitive(table.kind as InferableKind);
}

type InferableKind = 'boolean' | 'long' | 'double' | 'string' | InferredTemporal;
const INFERABLE: ReadonlySet<string> = new Set<InferableKind>([
  'boolean',
  'long',
  'double',
  'string',
  'date',
  'timestamp',
  'timestamptz',
]);
