// A connector file (connectors/*.yaml): which topics, how to decode them, which
// table(s) they go to, and how. Every key is documented in docs/configuration.md.
import type { PartitionFieldRequest } from '../iceberg/partition-spec.ts';
import type { Schema } from '../iceberg/types.ts';
import type { ChangeSettings, ConnectorMode } from './connector-mode.ts';

export type KeyFormat = 'none' | 'string' | 'json' | 'avro';
export type ValueFormat = 'avro' | 'json-schema' | 'protobuf' | 'json';
export type ErrorPolicy = 'fail' | 'skip' | 'dlq';

export interface RouteConfig {
  /** Dotted path of the routing field in the record value (`meta.type`). */
  readonly field: string;
  /** Field value (as text) -> table (`ns.table`). */
  readonly tables: Readonly<Record<string, string>>;
  /** Table for records whose field value is not listed (absent: such records are errors, see `errors`). */
  readonly default?: string | undefined;
}

export interface AutoCreateConfig {
  readonly enabled: boolean;
  /** As written: `day(ts)`, `bucket(16, id)`, `region`. */
  readonly partitionBy: readonly string[];
  /** `partitionBy` parsed, for buildPartitionSpec (src/iceberg/partition-spec.ts). */
  readonly partitionFields: readonly PartitionFieldRequest[];
  /** Table properties of created tables. */
  readonly properties: Readonly<Record<string, string>>;
}

export interface ConnectorConfig {
  /** [a-z0-9_-]+; defaults to the file name without extension. */
  readonly name: string;
  /** Absolute path of the connector file, for messages. */
  readonly file: string;
  /** Exactly one of topics and topicPattern is set. */
  readonly topics?: readonly string[] | undefined;
  /** A regular expression (source text) matched against whole topic names. */
  readonly topicPattern?: string | undefined;
  readonly key: { readonly format: KeyFormat };
  /** append (absent: append), upsert or cdc (docs/upsert.md); the keyed modes are refused at load until floe run supports them. */
  readonly mode?: ConnectorMode;
  /** Only in the keyed modes: key fields, cdc format and tombstones, order column. */
  readonly changes?: ChangeSettings;
  readonly value: {
    readonly format: ValueFormat;
    /** Only for format json: the declared schema; absent = inferred from the records. */
    readonly schema?: Schema | undefined;
    /** Only with a declared schema: properties it does not name are dropped (counted), an error, or added as columns. */
    readonly unknownFields?: 'drop' | 'error' | 'add' | undefined;
  };
  /** Exactly one of table and route is set. `namespace.table` (more dots: nested namespaces). */
  readonly table?: string | undefined;
  readonly route?: RouteConfig | undefined;
  readonly autoCreate: AutoCreateConfig;
  readonly schemaEvolution: boolean;
  readonly metadataColumn: false | { readonly name: string };
  readonly commit: {
    readonly intervalMs: number;
    readonly maxRecords: number;
    readonly maxBytes: number;
    /** After a full batch, commit once no record came for this long (0: off). */
    readonly idleMs: number;
  };
  readonly errors: { readonly policy: ErrorPolicy; readonly dlqTopic?: string | undefined };
  /** Background maintenance of the connector's tables (snapshot expiry, ...); on every 10 minutes when absent. */
  readonly maintenance?: { readonly enabled: boolean; readonly intervalMs: number };
}

/** Every table a connector can write to (its table, or its route's tables and default). */
export function connectorTables(connector: ConnectorConfig): string[] {
  if (connector.table !== undefined) return [connector.table];
  if (connector.route === undefined) return [];
  const tables = Object.values(connector.route.tables);
  if (connector.route.default !== undefined) tables.push(connector.route.default);
  return [...new Set(tables)];
}
