// Table identifiers as text: `db.events` or `a.b.events` (namespace levels and
// the table name joined by dots), for configs, logs and error messages.
import { ValidationError } from '../errors.ts';
import type { TableIdentifier } from './catalog.ts';

export function tableIdentifier(namespace: readonly string[], name: string): TableIdentifier {
  if (namespace.length === 0) throw new ValidationError(`table '${name}' needs a namespace`);
  if (namespace.some((level) => level === '')) {
    throw new ValidationError(`namespace of table '${name}' has an empty level: [${namespace.join(', ')}]`);
  }
  if (name === '') throw new ValidationError(`table name in namespace '${namespace.join('.')}' is empty`);
  return { namespace: [...namespace], name };
}

/** `a.b.events` -> namespace [a, b], name events. */
export function parseTableIdentifier(text: string): TableIdentifier {
  const parts = text.split('.');
  if (parts.length < 2) {
    throw new ValidationError(`table identifier '${text}' must be <namespace>.<table>, e.g. db.events`);
  }
  return tableIdentifier(parts.slice(0, -1), parts[parts.length - 1] as string);
}

export function formatTableIdentifier(identifier: TableIdentifier): string {
  return [...identifier.namespace, identifier.name].join('.');
}

export function sameTableIdentifier(a: TableIdentifier, b: TableIdentifier): boolean {
  return (
    a.name === b.name &&
    a.namespace.length === b.namespace.length &&
    a.namespace.every((level, i) => level === b.namespace[i])
  );
}

/** A multi-table commit names each table once: two changes to one table would race each other. */
export function assertDistinctTables(
  commits: readonly { readonly identifier: TableIdentifier }[],
  where: string,
): void {
  const seen = new Set<string>();
  for (const { identifier } of commits) {
    const key = JSON.stringify([identifier.namespace, identifier.name]);
    if (seen.has(key)) {
      throw new ValidationError(
        `${where}: table ${formatTableIdentifier(identifier)} appears twice in one multi-table commit`,
        { table: formatTableIdentifier(identifier) },
      );
    }
    seen.add(key);
  }
}
