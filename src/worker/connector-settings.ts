// What the worker needs to know about one connector, already validated and
// with its decoders built (cli.ts maps the config files onto this).

import type { TableIdentifier } from '../catalog/catalog.ts';
import type { DirectRecord } from '../codec/decoded-record.ts';
import { ConfigError } from '../errors.ts';
import type { Row, Schema } from '../iceberg/types.ts';
import type { AutoCreate } from './table-registry.ts';
import type { KeyedConnector } from './upsert/keyed-connector.ts';

export interface RecordLocation {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export interface DecodedRecord {
  readonly row: Row;
  /** The record's source schema as an Iceberg schema; ids provisional, matched by name. */
  readonly schema: Schema;
  /** Properties a declared schema does not name, left out of the row; counted and logged. */
  readonly droppedFields?: readonly string[];
}

/** Kafka record -> row; throws RecordError (context: topic, partition, offset, reason) for bad input. */
export interface RecordConverter {
  convert(record: {
    topic: string;
    partition: number;
    offset: bigint;
    timestampMs: number;
    key: Buffer | null;
    value: Buffer | null;
    headers: ReadonlyArray<readonly [string, Buffer]>;
  }): DecodedRecord | Promise<DecodedRecord>;
  /** A table of the connector has this schema (loaded at assignment): an inferring decoder continues from it. */
  followTable?(schema: Schema): void;
  /**
   * The record for writing straight into a table's columns (no row), when its
   * format can and its schema is cached; undefined: convert it. Throws nothing.
   */
  direct?(record: { value: Buffer | null }): DirectRecord | undefined;
}

export type TableRoute =
  | { readonly kind: 'single'; readonly table: TableIdentifier }
  | {
      readonly kind: 'field';
      /** Dotted path into the row. */
      readonly field: string;
      readonly tables: ReadonlyMap<string, TableIdentifier>;
      readonly fallback?: TableIdentifier;
    };

export type ErrorPolicy =
  | { readonly kind: 'fail' }
  | { readonly kind: 'skip' }
  | { readonly kind: 'dlq'; readonly topic: string };

export interface ConnectorSettings {
  readonly name: string;
  readonly topics: readonly string[] | RegExp;
  readonly route: TableRoute;
  readonly autoCreate: AutoCreate;
  readonly schemaEvolution: boolean;
  readonly commit: {
    readonly intervalMs: number;
    readonly maxRecords: number;
    readonly maxBytes: number;
    /** After a full batch, commit once no record came for this long (0: off). */
    readonly idleMs: number;
  };
  readonly errors: ErrorPolicy;
  readonly converter: RecordConverter;
  /** mode upsert or cdc (docs/upsert.md); absent in append mode. */
  readonly keyed?: KeyedConnector;
}

export function connectorTopics(settings: ConnectorSettings, topic: string): boolean {
  return Array.isArray(settings.topics)
    ? settings.topics.includes(topic)
    : (settings.topics as RegExp).test(topic);
}

/**
 * The one connector consuming `topic`. Two topicPatterns can only be compared
 * on real topic names, so their overlap is refused here, when the group hands
 * the topic out, rather than when the files are loaded.
 */
export function topicOwner<T extends { readonly settings: ConnectorSettings }>(
  connectors: readonly T[],
  topic: string,
): T | undefined {
  const owners = connectors.filter((c) => connectorTopics(c.settings, topic));
  if (owners.length > 1) {
    const names = owners.map((c) => c.settings.name).join(' and ');
    throw new ConfigError(
      `topic "${topic}" matches connectors ${names}; a topic belongs to one connector: narrow their topicPattern`,
      { topic },
    );
  }
  return owners[0];
}

/** Every table a connector can write, known before any record arrives. */
export function routeTables(route: TableRoute): TableIdentifier[] {
  if (route.kind === 'single') return [route.table];
  return [...route.tables.values(), ...(route.fallback ? [route.fallback] : [])];
}
