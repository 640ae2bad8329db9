// Which table a decoded record goes to: the connector's single table, or the
// table named by the value of a (dotted) field of the row, else the fallback
// table; a record that matches no table is a RecordError for the error policy.
// A keyed delete whose row names a table of the route goes there; one that
// names none (a tombstone has no row; under the default replica identity a
// Debezium `before` holds the key and, for NOT NULL columns, their types'
// defaults) goes to every table of the route: only the one holding its key
// has a row to delete (deleteTargets).
import type { TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import { RecordError } from '../errors.ts';
import type { Row } from '../iceberg/types.ts';
import type { RecordLocation, TableRoute } from './connector-settings.ts';

export function routeRecord(route: TableRoute, row: Row, record: RecordLocation): TableIdentifier {
  if (route.kind === 'single') return route.table;
  const value = fieldValue(row, route.field);
  const table = value == null ? undefined : route.tables.get(String(value));
  if (table) return table;
  if (route.fallback) return route.fallback;
  throw new RecordError(
    `${record.topic}[${record.partition}]@${record.offset}: no table for ${route.field} = ${JSON.stringify(value ?? null)}`,
    {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset.toString(),
      reason: 'unroutable',
    },
  );
}

/**
 * The tables a keyed delete, truncate or tombstone applies to: the table its
 * row names, else every table of the route, the fallback included (a key
 * absent from a table is a no-op there). A row naming a table is trusted: two
 * topics of one route may hold the same key in different tables. A fanned-out
 * delete is a `probe`: where another partition holds its key, that key is not
 * this record's and the delete is a no-op (change-collapse.ts).
 */
export function deleteTargets(
  route: TableRoute,
  row: Row | null,
): { readonly tables: TableIdentifier[]; readonly probe: boolean } {
  if (route.kind === 'single') return { tables: [route.table], probe: false };
  const value = row === null ? undefined : fieldValue(row, route.field);
  const named = value == null ? undefined : route.tables.get(String(value));
  if (named !== undefined) return { tables: [named], probe: false };
  const all = [...route.tables.values(), ...(route.fallback ? [route.fallback] : [])];
  const seen = new Set<string>();
  const tables = all.filter((id) => {
    const name = formatTableIdentifier(id);
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
  return { tables, probe: true };
}

/** The value at a dotted path of a row (undefined where a level is missing). */
function fieldValue(row: Row, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split('.')) value = value == null ? undefined : (value as Row)[part];
  return value;
}
