// The tables a connector writes: loaded on partition assignment, created on
// first use when auto-create is on (all columns optional, partitioned as the
// connector says), with what each table last recorded for the connector's
// partitions (the fence's `expected`).
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import { AlreadyExistsError, ConfigError, NoSuchNamespaceError, NoSuchTableError } from '../errors.ts';
import { assertWritableFormatVersion } from '../iceberg/format-version.ts';
import { buildPartitionSpec, type PartitionFieldRequest } from '../iceberg/partition-spec.ts';
import type { TableMetadata } from '../iceberg/table-metadata.ts';
import type { IcebergType, NestedField, Schema } from '../iceberg/types.ts';
import type { Logger } from '../log.ts';
import { committedOffsets, getOffset, type OffsetMap, withOffsets } from './commit/table-offsets.ts';
import type { TopicPartition } from './kafka-types.ts';
import { withKeyColumns } from './upsert/key-columns.ts';

export interface TableState {
  readonly id: TableIdentifier;
  readonly name: string;
  metadata: TableMetadata;
  /** What the table records for this connector, as last seen. */
  offsets: OffsetMap;
}

export interface AutoCreate {
  readonly enabled: boolean;
  readonly partitionBy: readonly PartitionFieldRequest[];
  readonly properties: Readonly<Record<string, string>>;
}

export class TableRegistry {
  readonly #catalog: Catalog;
  readonly #connector: string;
  readonly #autoCreate: AutoCreate;
  readonly #log: Logger;
  readonly #tables = new Map<string, TableState>();

  constructor(catalog: Catalog, connector: string, autoCreate: AutoCreate, log: Logger) {
    this.#catalog = catalog;
    this.#connector = connector;
    this.#autoCreate = autoCreate;
    this.#log = log;
  }

  get(id: TableIdentifier): TableState | undefined {
    return this.#tables.get(formatTableIdentifier(id));
  }

  /**
   * Loads (or reloads) a table; undefined when it does not exist yet. With
   * `partitions` (an assignment, a re-seek), a known table takes fresh offsets for
   * those partitions only: the others keep what this worker last saw, which is
   * what its open batch read from.
   */
  async load(id: TableIdentifier, partitions?: readonly TopicPartition[]): Promise<TableState | undefined> {
    try {
      const loaded = await this.#catalog.loadTable(id);
      return this.#remember(id, loaded.metadata, partitions);
    } catch (error) {
      if (error instanceof NoSuchTableError || error instanceof NoSuchNamespaceError) return undefined;
      throw error;
    }
  }

  /**
   * The table, loaded or created from the first record's schema; `keyColumns`
   * (upsert, cdc) become required identifier fields of a created table.
   */
  async open(id: TableIdentifier, recordSchema: Schema, keyColumns?: readonly string[]): Promise<TableState> {
    const existing = this.get(id) ?? (await this.load(id));
    if (existing) return existing;
    const name = formatTableIdentifier(id);
    if (!this.#autoCreate.enabled) {
      throw new ConfigError(
        `table ${name} does not exist and autoCreate is off for connector ${this.#connector}`,
        {
          connector: this.#connector,
          table: name,
        },
      );
    }
    const relaxed = allOptional(recordSchema);
    const schema = keyColumns === undefined ? relaxed : withKeyColumns(relaxed, keyColumns);
    const spec = buildPartitionSpec(schema, this.#autoCreate.partitionBy);
    if (!(await this.#catalog.namespaceExists(id.namespace))) {
      await this.#catalog.createNamespace(id.namespace).catch((error: unknown) => {
        if (!(error instanceof AlreadyExistsError)) throw error;
      });
    }
    try {
      const created = await this.#catalog.createTable(id, {
        schema,
        spec,
        properties: this.#autoCreate.properties,
      });
      this.#log.info('created table', { table: name, connector: this.#connector });
      return this.#remember(id, created.metadata);
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      const raced = await this.load(id);
      if (!raced) throw error;
      return raced;
    }
  }

  /** What each known table records for the connector, as last seen (a copy). */
  offsetsByTable(): Map<string, OffsetMap> {
    return new Map([...this.#tables].map(([name, state]) => [name, withOffsets(state.offsets, [])]));
  }

  /** Forgets a table (dropped): the next use loads it again, or creates it. */
  forget(id: TableIdentifier): void {
    this.#tables.delete(formatTableIdentifier(id));
  }

  /** A claim committed `ranges` (their `end`) and nothing else the table shows is taken as seen. */
  claimed(
    state: TableState,
    metadata: TableMetadata,
    ranges: ReadonlyArray<{ topic: string; partition: number; end: bigint }>,
  ): void {
    state.metadata = metadata;
    state.offsets = withOffsets(
      state.offsets,
      ranges.map(({ topic, partition, end }) => ({ topic, partition, offset: end })),
    );
  }

  /** Records what a commit (or a reload) showed about the table. */
  update(state: TableState, metadata: TableMetadata): void {
    state.metadata = metadata;
    state.offsets = committedOffsets(metadata, this.#connector);
  }

  #remember(
    id: TableIdentifier,
    metadata: TableMetadata,
    partitions?: readonly TopicPartition[],
  ): TableState {
    const name = formatTableIdentifier(id);
    // Every table the registry holds gets floe's commits (offsets at least).
    assertWritableFormatVersion(metadata, name);
    // One state per table, refreshed in place: an open batch holds this object and
    // must see both its own commits and the offsets loaded for partitions assigned
    // mid-batch (their `expected`). A fresh object per load split the two views,
    // and the next commit was fenced as if another worker had moved the offsets.
    const known = this.#tables.get(name);
    if (known && partitions === undefined) {
      this.update(known, metadata);
      return known;
    }
    if (known && partitions !== undefined) {
      // Partitions outside `partitions` keep their old offsets, so the fence still
      // aborts an open batch whose range another worker committed meanwhile.
      const fresh = committedOffsets(metadata, this.#connector);
      const offsets = withOffsets(known.offsets, []);
      for (const { topic, partition } of partitions) {
        const offset = getOffset(fresh, topic, partition);
        if (offset !== undefined)
          offsets.set(topic, (offsets.get(topic) ?? new Map()).set(partition, offset));
        else offsets.get(topic)?.delete(partition);
      }
      known.metadata = metadata;
      known.offsets = offsets;
      return known;
    }
    const state: TableState = { id, name, metadata, offsets: committedOffsets(metadata, this.#connector) };
    this.#tables.set(name, state);
    return state;
  }
}

function allOptional(schema: Schema): Schema {
  const relax = (type: IcebergType): IcebergType => {
    if (type.kind === 'struct') return { kind: 'struct', fields: type.fields.map(relaxField) };
    if (type.kind === 'list') return { ...type, element: relax(type.element) };
    if (type.kind === 'map') return { ...type, value: relax(type.value) };
    return type;
  };
  const relaxField = (field: NestedField): NestedField => ({
    ...field,
    required: false,
    type: relax(field.type),
  });
  return { ...schema, identifierFieldIds: [], fields: schema.fields.map(relaxField) };
}
