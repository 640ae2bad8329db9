// Routes of the REST catalog API (spec: rest-catalog-open-api.yaml, "paths" and
// the `prefix`/`namespace` parameters). A multi-level namespace travels as one
// path segment: levels joined by the unit separator 0x1F (or the server's
// `namespace-separator`), then percent-encoded, e.g. `a%1Fb`.
import { ValidationError } from '../../errors.ts';
import type { TableIdentifier } from '../catalog.ts';

export const DEFAULT_NAMESPACE_SEPARATOR = '\u001f';

export class RestPaths {
  readonly #prefix: string;
  readonly #separator: string;

  /** `prefix` comes from the merged catalog config; `separator` is already URL-decoded. */
  constructor(prefix: string | undefined, separator: string = DEFAULT_NAMESPACE_SEPARATOR) {
    const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.#prefix = trimmed === '' ? '' : `${trimmed}/`;
    this.#separator = separator;
  }

  static config(): string {
    return 'v1/config';
  }

  namespaces(): string {
    return `v1/${this.#prefix}namespaces`;
  }

  namespace(namespace: readonly string[]): string {
    return `${this.namespaces()}/${this.encodeNamespace(namespace)}`;
  }

  tables(namespace: readonly string[]): string {
    return `${this.namespace(namespace)}/tables`;
  }

  table(identifier: TableIdentifier): string {
    return `${this.tables(identifier.namespace)}/${encodeURIComponent(identifier.name)}`;
  }

  renameTable(): string {
    return `v1/${this.#prefix}tables/rename`;
  }

  commitTransaction(): string {
    return `v1/${this.#prefix}transactions/commit`;
  }

  /** The value of a `parent` query parameter or a path segment, before percent-encoding of the query. */
  joinNamespace(namespace: readonly string[]): string {
    if (namespace.length === 0) throw new ValidationError('a namespace needs at least one level');
    for (const level of namespace) {
      if (level === '' || level.includes(this.#separator)) {
        throw new ValidationError(
          `namespace level '${level}' of [${namespace.join(', ')}] is empty or contains the namespace separator`,
        );
      }
    }
    return namespace.join(this.#separator);
  }

  encodeNamespace(namespace: readonly string[]): string {
    return encodeURIComponent(this.joinNamespace(namespace));
  }
}
