// Request and response bodies of the REST catalog routes floe uses (spec:
// rest-catalog-open-api.yaml, components/schemas: CreateNamespaceRequest,
// ListNamespacesResponse, ListTablesResponse, CreateTableRequest,
// LoadTableResult, CommitTableRequest, CommitTableResponse, CommitTransactionRequest,
// RenameTableRequest).
import { stringifyJson } from '../../iceberg/json-bigint.ts';
import { asArray, asObject, optionalString, requireString, stringMap } from '../../iceberg/json-fields.ts';
import { partitionSpecToJson } from '../../iceberg/partition-spec-json.ts';
import { schemaToJson } from '../../iceberg/schema-json.ts';
import { sortOrderToJson } from '../../iceberg/sort-order.ts';
import type { TableMetadata } from '../../iceberg/table-metadata.ts';
import { parseTableMetadata } from '../../iceberg/table-metadata-json.ts';
import {
  type TableRequirement,
  type TableUpdate,
  tableRequirementToJson,
  tableUpdateToJson,
} from '../../iceberg/table-update.ts';
import type { CreateTableArgs, TableCommit, TableIdentifier } from '../catalog.ts';

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken: string | undefined;
}

export interface LoadTableResult {
  readonly metadataLocation: string;
  readonly metadata: TableMetadata;
  readonly config: Record<string, string>;
}

export function createNamespaceRequest(
  namespace: readonly string[],
  properties: Readonly<Record<string, string>>,
): unknown {
  return { namespace: [...namespace], properties: { ...properties } };
}

export function parseListNamespacesResponse(json: unknown): Page<string[]> {
  const where = 'REST ListNamespacesResponse';
  const object = asObject(json, where);
  const items = asArray(object.namespaces ?? [], `'namespaces' of ${where}`).map((ns, i) =>
    asArray(ns, `namespaces[${i}] of ${where}`).map((level) => String(level)),
  );
  return { items, nextPageToken: optionalString(object, 'next-page-token', where) };
}

export function parseListTablesResponse(json: unknown): Page<TableIdentifier> {
  const where = 'REST ListTablesResponse';
  const object = asObject(json, where);
  const items = asArray(object.identifiers ?? [], `'identifiers' of ${where}`).map((entry, i) =>
    tableIdentifierFromJson(entry, `identifiers[${i}] of ${where}`),
  );
  return { items, nextPageToken: optionalString(object, 'next-page-token', where) };
}

export function tableIdentifierToJson(identifier: TableIdentifier): unknown {
  return { namespace: [...identifier.namespace], name: identifier.name };
}

function tableIdentifierFromJson(json: unknown, where: string): TableIdentifier {
  const object = asObject(json, where);
  const namespace = asArray(object.namespace, `'namespace' of ${where}`).map((level) => String(level));
  return { namespace, name: requireString(object, 'name', where) };
}

export function createTableRequest(name: string, args: CreateTableArgs): unknown {
  return {
    name,
    ...(args.location !== undefined ? { location: args.location } : {}),
    schema: schemaToJson(args.schema),
    ...(args.spec !== undefined ? { 'partition-spec': partitionSpecToJson(args.spec) } : {}),
    ...(args.sortOrder !== undefined ? { 'write-order': sortOrderToJson(args.sortOrder) } : {}),
    'stage-create': false,
    properties: { ...(args.properties ?? {}) },
  };
}

/** LoadTableResult (create, load) and CommitTableResponse (commit, no `config`) share this shape. */
export function parseLoadTableResult(json: unknown, what: string): LoadTableResult {
  const where = `REST ${what} response`;
  const object = asObject(json, where);
  const metadataLocation = requireString(object, 'metadata-location', where);
  // The metadata object is the table metadata file's JSON; it was parsed
  // bigint-safe, so writing it back out and reading it with the file parser is exact.
  const metadata = parseTableMetadata(stringifyJson(asObject(object.metadata, `'metadata' of ${where}`)));
  return { metadataLocation, metadata, config: stringMap(object, 'config', where) };
}

export function commitTableRequest(
  identifier: TableIdentifier,
  requirements: readonly TableRequirement[],
  updates: readonly TableUpdate[],
): unknown {
  return {
    identifier: tableIdentifierToJson(identifier),
    requirements: requirements.map(tableRequirementToJson),
    updates: updates.map(tableUpdateToJson),
  };
}

/** CommitTransactionRequest: one CommitTableRequest per table, each with its identifier. */
export function commitTransactionRequest(commits: readonly TableCommit[]): unknown {
  return {
    'table-changes': commits.map((c) => commitTableRequest(c.identifier, c.requirements, c.updates)),
  };
}

export function renameTableRequest(from: TableIdentifier, to: TableIdentifier): unknown {
  return { source: tableIdentifierToJson(from), destination: tableIdentifierToJson(to) };
}
