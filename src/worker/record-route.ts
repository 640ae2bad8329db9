// Which table a decoded record goes to: the connector's single table, or the
// table named by the value of a (dotted) field of the row, else the fallback
// table; a record that matches no table is a RecordError for the error policy.
// A keyed delete without the field (a tombstone, a Debezium `before` holding
// only the key) goes to every table of the route: only the one holding its key
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
 * The tables a keyed delete, truncate or tombstone applies to: the routed
 * table when its row names one, else every table of the route (a key absent
 * from a table is a no-op there).
 */
export function deleteTargets(route: TableRoute, row: Row | null, record: RecordLocation): TableIdentifier[] {
  if (route.kind === 'single') return [route.table];
  if (row !== null && fieldValue(row, route.field) != null) return [routeRecord(route, row, record)];
  const all = [...route.tables.values(), ...(route.fallback ? [route.fallback] : [])];
  const seen = new Set<string>();
  return all.filter((id) => {
    const name = formatTableIdentifier(id);
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}

/** The value at a dotted path of a row (undefined where a level is missing). */
function fieldValue(row: Row, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split('.')) value = value == null ? undefined : (value as Row)[part];
  return value;
}
