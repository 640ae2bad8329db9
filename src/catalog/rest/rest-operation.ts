// The REST catalog calls floe makes, as names: error mapping and retry policy
// depend on which call failed (a 409 means "exists" on create, "not empty" on a
// namespace drop and "conflict" on a commit).

export type RestOperation =
  | 'get-config'
  | 'list-namespaces'
  | 'create-namespace'
  | 'namespace-exists'
  | 'drop-namespace'
  | 'list-tables'
  | 'create-table'
  | 'load-table'
  | 'table-exists'
  | 'commit-table'
  | 'commit-transaction'
  | 'drop-table'
  | 'rename-table';

/** How a failed call may be repeated. */
export type RetryClass =
  /** Reads: repeat on any transient failure. */
  | 'read'
  /** Mutations: repeat only when the request surely was not applied (or the server dedupes by Idempotency-Key). */
  | 'mutation'
  /** Commits: never repeated here; an uncertain outcome goes to the caller as CommitStateUnknownError. */
  | 'commit';

export function retryClassOf(operation: RestOperation): RetryClass {
  switch (operation) {
    case 'get-config':
    case 'list-namespaces':
    case 'namespace-exists':
    case 'list-tables':
    case 'load-table':
    case 'table-exists':
      return 'read';
    case 'commit-table':
    case 'commit-transaction':
      return 'commit';
    default:
      return 'mutation';
  }
}

/** A commit: 409 is a conflict, and any uncertain outcome is CommitStateUnknownError. */
export function isCommitOperation(operation: RestOperation): boolean {
  return retryClassOf(operation) === 'commit';
}

export function isNamespaceOperation(operation: RestOperation): boolean {
  return (
    operation === 'list-namespaces' ||
    operation === 'create-namespace' ||
    operation === 'namespace-exists' ||
    operation === 'drop-namespace' ||
    operation === 'list-tables'
  );
}
