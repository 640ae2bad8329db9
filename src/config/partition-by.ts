// autoCreate.partitionBy entries, written the way SQL engines write them:
//   region | identity(region) | year(ts) | month(ts) | day(ts) | hour(ts)
//   bucket(16, id) | truncate(4, name)
// Source columns are dotted paths through structs (payload.ts). Whether the
// column exists and the transform fits its type is checked when the table is created.
import type { PartitionFieldRequest } from '../iceberg/partition-spec.ts';
import { parseTransform } from '../iceberg/transforms.ts';

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const CALL = /^([A-Za-z_]+)\s*\(\s*(?:(\d+)\s*,\s*)?([^,()\s]+)\s*\)$/;
const WITH_WIDTH: ReadonlySet<string> = new Set(['bucket', 'truncate']);
const WITHOUT_WIDTH: ReadonlySet<string> = new Set(['identity', 'year', 'month', 'day', 'hour']);

export const PARTITION_FORMS =
  'column, identity(col), year(col), month(col), day(col), hour(col), bucket(N, col), truncate(W, col)';

export type PartitionParse =
  | { readonly ok: true; readonly request: PartitionFieldRequest }
  | { readonly ok: false; readonly message: string };

export function parsePartitionField(text: string): PartitionParse {
  const trimmed = text.trim();
  if (COLUMN.test(trimmed))
    return { ok: true, request: { source: trimmed, transform: { kind: 'identity' } } };
  const call = CALL.exec(trimmed);
  if (call === null && unbalanced(trimmed))
    return {
      ok: false,
      message: `"${text}" is not a partition field: a comma inside [ ... ] splits an entry; quote it ('bucket(16, id)') or write one entry per line`,
    };
  if (call === null)
    return { ok: false, message: `"${text}" is not a partition field (forms: ${PARTITION_FORMS})` };
  const name = (call[1] as string).toLowerCase();
  const width = call[2];
  const column = call[3] as string;
  if (!COLUMN.test(column)) return { ok: false, message: `"${column}" in "${text}" is not a column name` };
  if (WITH_WIDTH.has(name)) {
    if (width === undefined)
      return { ok: false, message: `${name} needs a number first: ${name}(N, ${column})` };
    if (Number(width) <= 0)
      return { ok: false, message: `${name} needs a number greater than 0 (got ${width})` };
    return { ok: true, request: { source: column, transform: parseTransform(`${name}[${width}]`) } };
  }
  if (WITHOUT_WIDTH.has(name)) {
    if (width !== undefined) return { ok: false, message: `${name} takes only a column: ${name}(${column})` };
    return { ok: true, request: { source: column, transform: parseTransform(name) } };
  }
  return { ok: false, message: `unknown transform "${call[1]}" (forms: ${PARTITION_FORMS})` };
}

/** A piece of a call YAML split at a comma: `bucket(16` or `id)`. */
function unbalanced(text: string): boolean {
  return text.split('(').length !== text.split(')').length;
}
