// Namespaces as the shared catalog tables store them: the levels joined with
// '.' (JdbcCatalog and PyIceberg's SqlCatalog do the same), so a level cannot
// itself contain a dot.
import { ValidationError } from '../../errors.ts';

export function namespaceToSql(namespace: readonly string[]): string {
  if (namespace.length === 0) throw new ValidationError('a namespace needs at least one level');
  for (const level of namespace) {
    if (level === '' || level.includes('.')) {
      throw new ValidationError(
        `namespace level '${level}' of [${namespace.join(', ')}] is empty or contains '.', which the SQL catalog uses as its separator`,
      );
    }
  }
  return namespace.join('.');
}

export function namespaceFromSql(text: string): string[] {
  return text.split('.');
}
