// The writing half of a keyed connector's batch (mode upsert or cdc,
// docs/upsert.md): a record becomes a change event (the decoded value or a
// null value in upsert mode, the Debezium envelope in cdc mode), is routed to
// its table, skipped when the table already records its offset, and becomes a
// change of its key, collapsed into the table's KeyedTableWriter. Tables are
// opened (loaded, or created with the key columns as identifier fields) and
// each partition's key index made ready on first use. The commit
// (commit/commit-batch.ts) then writes the rows and the position deletes.
import type { Catalog, TableIdentifier } from '../../catalog/catalog.ts';
import { formatTableIdentifier } from '../../catalog/table-identifier.ts';
import type { DebeziumEvent } from '../../codec/debezium-envelope.ts';
import { ConfigError, RecordError } from '../../errors.ts';
import { currentSchema } from '../../iceberg/table-metadata.ts';
import type { Row, Schema } from '../../iceberg/types.ts';
import type { FileIO } from '../../io/file-io.ts';
import type { Logger } from '../../log.ts';
import type { ConnectorBatch, TableBatch } from '../commit/connector-batch.ts';
import { getOffset } from '../commit/table-offsets.ts';
import type { ConnectorSettings } from '../connector-settings.ts';
import type { KafkaRecord, TopicPartition } from '../kafka-types.ts';
import { partitionKey } from '../kafka-types.ts';
import { deleteTargets, routeRecord } from '../record-route.ts';
import type { RunTally } from '../run-tally.ts';
import type { TableRegistry, TableState } from '../table-registry.ts';
import type { WorkerMetrics } from '../worker-metrics.ts';
import type { Change } from './change.ts';
import { type KeyColumn, KeyEncoder, PRIMITIVE_KEY_COLUMN } from './change-key.ts';
import { fileAttribution } from './file-attribution.ts';
import { KeyedSchemas, kafkaKeyColumns, tableKeyColumns } from './key-columns.ts';
import type { KeyedConnector } from './keyed-connector.ts';
import { KeyedIndexes } from './keyed-indexes.ts';
import { KeyedTableWriter } from './keyed-table-writer.ts';
import { type ChangeRules, cdcChange, upsertChange } from './record-change.ts';
import { tableLiveFiles } from './table-live-files.ts';

export interface KeyedBatchDeps {
  readonly settings: ConnectorSettings;
  readonly catalog: Catalog;
  readonly keyed: KeyedConnector;
  readonly registry: TableRegistry;
  readonly io: FileIO;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  readonly maxFileBytes?: number | undefined;
}

interface KeyedTable {
  readonly state: TableState;
  readonly keys: readonly KeyColumn[];
  readonly rules: ChangeRules;
  readonly shapes: KeyedSchemas;
  /** The key is a primitive Kafka key held in `_key` (added to every row). */
  readonly primitiveKey: boolean;
}

export class KeyedBatchTables {
  readonly #deps: KeyedBatchDeps;
  readonly #tables = new Map<string, KeyedTable>();
  /** Tables a delete found missing in the open batch: not asked again per record. */
  readonly #absent = new Set<string>();
  readonly #indexes: KeyedIndexes;
  /** Released while a batch was open: dropped when it is settled. */
  readonly #released: TopicPartition[] = [];

  constructor(deps: KeyedBatchDeps) {
    this.#deps = deps;
    const connector = deps.settings.name;
    this.#indexes = new KeyedIndexes({
      connector,
      catalog: deps.catalog,
      indexDir: deps.keyed.indexDir,
      io: deps.io,
      log: deps.log,
      orderBy: deps.keyed.orderBy,
      metrics: (table) => ({
        indexSize: (index, keys) => deps.metrics.keyIndexSize(connector, table, index, keys),
        rebuilt: (index, keys, seconds) =>
          deps.metrics.keyIndexRebuilt(connector, table, index, keys, seconds),
      }),
    });
  }

  forRun(batch: ConnectorBatch, topic: string, partition: number): KeyedRunWriter {
    return new KeyedRunWriter(this, this.#deps, batch, topic, partition);
  }

  /** The table a change of `event` goes to; undefined when it does not exist and the change deletes. */
  async table(id: TableIdentifier, event: DebeziumEvent, kafkaKey: unknown): Promise<KeyedTable | undefined> {
    const name = formatTableIdentifier(id);
    const known = this.#tables.get(name);
    if (known !== undefined) return known;
    const { registry, keyed } = this.#deps;
    const derived = keyed.keyFields !== undefined || kafkaKey == null ? undefined : kafkaKeyColumns(kafkaKey);
    const context = { file: keyed.file, table: name, configured: keyed.keyFields };
    let state = registry.get(id);
    if (state === undefined && event.kind !== 'upsert' && this.#absent.has(name)) return undefined;
    state ??= await registry.load(id);
    if (state === undefined) {
      if (event.kind !== 'upsert') {
        this.#absent.add(name); // nothing to delete yet
        return undefined;
      }
      const names = keyed.keyFields ?? derived ?? [];
      const shapes = new KeyedSchemas(names);
      const primitive =
        names.length === 1 && names[0] === PRIMITIVE_KEY_COLUMN && keyed.keyFields === undefined;
      const schema = primitive
        ? shapes.withPrimitiveKey(event.row, event.schema, kafkaKey).schema
        : shapes.shape(event.schema);
      tableKeyColumns(schema, derived, context); // every key column is a column of the record
      state = await registry.open(id, schema, names);
      this.#absent.delete(name);
    }
    if (state.metadata.formatVersion < 2) {
      throw new ConfigError(
        `${keyed.file}: mode ${keyed.mode} deletes rows by position, which needs a v2 or v3 table; table ${name} is v${state.metadata.formatVersion}`,
        { file: keyed.file, key: 'mode', table: name },
      );
    }
    const keys = tableKeyColumns(currentSchema(state.metadata), derived, context);
    const table: KeyedTable = {
      state,
      keys,
      rules: {
        keys: new KeyEncoder(keys),
        keyFromValue: keyed.keyFields !== undefined,
        orderBy: keyed.orderBy,
        tombstones: keyed.tombstones,
      },
      shapes: new KeyedSchemas(keys.map((k) => k.name)),
      primitiveKey:
        keyed.keyFields === undefined && keys.length === 1 && keys[0]!.name === PRIMITIVE_KEY_COLUMN,
    };
    this.#tables.set(name, table);
    return table;
  }

  /** The table's part of the batch, with the partition's key index ready. */
  async tableBatch(
    batch: ConnectorBatch,
    table: KeyedTable,
    topic: string,
    partition: number,
  ): Promise<TableBatch<KeyedTableWriter>> {
    const { state } = table;
    const index = await this.#indexes.ready(state, table.keys, topic, partition);
    // A keyed connector's batch holds KeyedTableWriters only.
    const existing = batch.tables.get(state.name) as TableBatch<KeyedTableWriter> | undefined;
    if (existing !== undefined) return existing;
    const metadata = state.metadata;
    const created: TableBatch<KeyedTableWriter> = {
      state,
      rows: 0,
      sources: new Set(),
      writer: new KeyedTableWriter({
        io: this.#deps.io,
        name: state.name,
        metadata: () => state.metadata,
        schema: currentSchema(metadata),
        lastColumnId: metadata.lastColumnId,
        index,
        evolve: this.#deps.settings.schemaEvolution,
        maxFileBytes: this.#deps.maxFileBytes,
      }),
    };
    batch.tables.set(state.name, created);
    return created;
  }

  /**
   * A truncate of `topic` goes into the batch: it empties every live row the
   * table holds in data files of the topic, of every partition (Debezium sends
   * one truncate per table, on one partition: the rows of partitions owned by
   * other workers, or not indexed here yet, go too) and in unattributed files,
   * as the table is when the truncate is read: its metadata is reloaded (the
   * offsets the open batch's fence compares stay), and the plan deletes those
   * rows by position.
   */
  async truncating(table: KeyedTable, topic: string, partition: number): Promise<void> {
    const state = (await this.#deps.registry.load(table.state.id, [])) ?? table.state;
    const index = await this.#indexes.ready(state, table.keys, topic, partition);
    const live = await tableLiveFiles(this.#deps.io, state.metadata, state.name);
    index.setTruncatedFiles(
      topic,
      live.filter((file) => {
        const owner = fileAttribution(file.path);
        return owner === undefined || owner.topic === topic;
      }),
    );
  }

  /**
   * Revoked or lost partitions drop their index parts; with a batch still
   * open (a revoke releases the partitions, then commits the batch) only once
   * it is settled.
   */
  release(partitions: readonly TopicPartition[], batchOpen: boolean): void {
    if (batchOpen) this.#released.push(...partitions);
    else this.#indexes.drop(partitions);
  }

  /** The open batch was committed or discarded: released partitions drop their parts now; missing tables are asked again. */
  settled(): void {
    this.#indexes.drop(this.#released.splice(0));
    this.#absent.clear();
  }

  /** After a failed or fenced commit: the indexes are rebuilt from the tables on next use. */
  reset(): void {
    this.#indexes.reset();
    this.#tables.clear();
    this.#absent.clear();
  }

  /** Closes the key index store (the process is done with the connector). */
  close(): Promise<void> {
    this.reset();
    return this.#indexes.close();
  }
}

export class KeyedRunWriter {
  readonly #tables: KeyedBatchTables;
  readonly #deps: KeyedBatchDeps;
  readonly #batch: ConnectorBatch;
  readonly #topic: string;
  readonly #partition: number;
  readonly #source: string;
  #cachedId: TableIdentifier | undefined;
  #cached: { table: KeyedTable; batch: TableBatch<KeyedTableWriter> } | undefined;

  constructor(
    tables: KeyedBatchTables,
    deps: KeyedBatchDeps,
    batch: ConnectorBatch,
    topic: string,
    partition: number,
  ) {
    this.#tables = tables;
    this.#deps = deps;
    this.#batch = batch;
    this.#topic = topic;
    this.#partition = partition;
    this.#source = partitionKey(topic, partition);
  }

  /** One record of the run, counted in `run`; throws RecordError for the policy. */
  async take(record: KafkaRecord, run: RunTally): Promise<void> {
    const wrote = await this.write(record);
    if (wrote === 'already') run.already++;
    else if (wrote === 'ignored') run.tombstones++;
  }

  /**
   * 'written' (the change is in the batch, or lost to a newer one), 'already'
   * (the table records this offset), 'ignored' (a tombstone cdc ignores, a
   * delete for a table that does not exist). Throws RecordError for the policy.
   */
  async write(record: KafkaRecord): Promise<'written' | 'already' | 'ignored'> {
    const { keyed, settings } = this.#deps;
    const decoded = keyed.event(record);
    const event = decoded instanceof Promise ? await decoded : decoded;
    const rawKey = keyed.key(record);
    const kafkaKey = rawKey instanceof Promise ? await rawKey : rawKey;
    if (event.kind === 'upsert')
      return this.#writeTo(routeRecord(settings.route, event.row, record), event, kafkaKey, record);
    // A delete whose row names no routed table looks for its key in every one (record-route.ts).
    const row = event.kind === 'delete' ? event.row : null;
    const targets = deleteTargets(settings.route, row);
    let outcome: 'written' | 'already' | 'ignored' = 'ignored';
    for (const id of targets.tables) {
      const one = await this.#writeTo(id, event, kafkaKey, record, targets.probe);
      if (one === 'written' || (one === 'already' && outcome === 'ignored')) outcome = one;
    }
    return outcome;
  }

  async #writeTo(
    id: TableIdentifier,
    event: DebeziumEvent,
    kafkaKey: unknown,
    record: KafkaRecord,
    probe = false,
  ): Promise<'written' | 'already' | 'ignored'> {
    const { keyed } = this.#deps;
    let target = id === this.#cachedId ? this.#cached : undefined;
    if (target === undefined) {
      const table = await this.#tables.table(id, event, kafkaKey);
      if (table === undefined) return 'ignored';
      target = {
        table,
        batch: await this.#tables.tableBatch(this.#batch, table, this.#topic, this.#partition),
      };
      this.#cachedId = id;
      this.#cached = target;
    }
    const { table, batch } = target;
    const recorded = getOffset(table.state.offsets, this.#topic, this.#partition);
    if (recorded !== undefined && record.offset < recorded) return 'already';
    const at = { topic: this.#topic, partition: this.#partition, offset: record.offset };
    const key = () => kafkaKey;
    let schema: Schema | undefined;
    let change: Change | undefined;
    if (event.kind === 'upsert') {
      const shaped = this.#shape(table, event.row, event.schema, kafkaKey, record);
      schema = shaped.schema;
      change =
        keyed.mode === 'upsert'
          ? upsertChange(shaped.row, key, at, table.rules)
          : cdcChange({ ...event, row: shaped.row }, key, at, table.rules);
    } else if (keyed.mode === 'upsert') {
      change = upsertChange(null, key, at, table.rules);
    } else {
      change = cdcChange(event, key, at, table.rules);
    }
    if (change === undefined) return 'ignored';
    if (change.kind === 'truncate') await this.#tables.truncating(table, this.#topic, this.#partition);
    if (probe && change.kind === 'delete') change = { ...change, probe };
    const outcome = batch.writer.add(change, schema, record.sizeBytes);
    if (outcome.kind === 'error') throw outcome.error;
    if (outcome.kind === 'elsewhere') return 'ignored';
    batch.rows++;
    batch.sources.add(this.#source);
    return 'written';
  }

  #shape(table: KeyedTable, row: Row, schema: Schema, kafkaKey: unknown, record: KafkaRecord) {
    if (!table.primitiveKey) return { row, schema: table.shapes.shape(schema) };
    if (kafkaKey === null || kafkaKey === undefined) {
      throw new RecordError(
        `${record.topic}[${record.partition}]@${record.offset}: the record has no Kafka key (the table's key is _key)`,
        { topic: record.topic, partition: record.partition, offset: record.offset.toString(), reason: 'key' },
      );
    }
    return table.shapes.withPrimitiveKey(row, schema, kafkaKey);
  }
}
