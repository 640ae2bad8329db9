// One connector inside the worker: turns its partitions' records into rows of
// its tables, applies the error policy, and commits its batch table by table
// under the exactly-once fence (docs/exactly-once.md). Knows Kafka only as
// topic/partition/offset; the consumer loop lives in worker.ts.
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { FloeError, RecordError, ValidationError } from '../errors.ts';
import { currentSchema, defaultSpec } from '../iceberg/table-metadata.ts';
import type { Row } from '../iceberg/types.ts';
import type { FileIO } from '../io/file-io.ts';
import type { Logger } from '../log.ts';
import { EvolvingTableWriter } from '../sink/evolving-table-writer.ts';
import type { SnapshotProducerOptions } from '../sink/snapshot-producer.ts';
import { dataDirectory } from '../sink/table-paths.ts';
import { commitConnectorBatch } from './commit-batch.ts';
import { ConnectorBatch, type TableBatch } from './connector-batch.ts';
import { type ConnectorSettings, routeTables } from './connector-settings.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import type { KafkaRecord, TopicPartition } from './kafka-types.ts';
import { getOffset } from './table-offsets.ts';
import { TableRegistry, type TableState } from './table-registry.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface ConnectorRuntimeDeps {
  readonly settings: ConnectorSettings;
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly dlq?: DeadLetterQueue;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  readonly producer?: SnapshotProducerOptions;
  /** Parquet bytes per data file at most, below the table's target size (see maxFileBytes). */
  readonly maxFileBytes?: number;
  readonly now?: () => number;
}

const key = (topic: string, partition: number) => `${topic}:${partition}`;
const ROLL_EVERY = 20_000;

/**
 * A finished data file is held in memory until it is uploaded (about twice its
 * size while the encoder assembles it), so files stop at half the memory budget
 * even when the table's target size is larger (512 MiB by default).
 */
export function maxFileBytes(memoryBudgetBytes: number): number {
  return Math.max(16 * 1024 * 1024, Math.floor(memoryBudgetBytes / 2));
}

export class ConnectorRuntime {
  readonly settings: ConnectorSettings;
  readonly #deps: ConnectorRuntimeDeps;
  readonly #tables: TableRegistry;
  readonly #assigned = new Map<string, TopicPartition>();
  readonly #now: () => number;
  #batch: ConnectorBatch | undefined;
  #failure: RecordError | undefined;
  #sinceRoll = 0;

  constructor(deps: ConnectorRuntimeDeps) {
    this.settings = deps.settings;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#tables = new TableRegistry(deps.catalog, deps.settings.name, deps.settings.autoCreate, deps.log);
  }

  /** A record that hit the `fail` policy: the worker commits what precedes it and stops. */
  get failure(): RecordError | undefined {
    return this.#failure;
  }

  get assigned(): TopicPartition[] {
    return [...this.#assigned.values()];
  }

  owns(topic: string, partition: number): boolean {
    return this.#assigned.has(key(topic, partition));
  }

  get bufferedBytes(): number {
    return this.#batch?.bufferedBytes() ?? 0;
  }

  /** Takes partitions and says where each resumes (undefined: the group offset, or the reset policy). */
  async assign(partitions: readonly TopicPartition[]): Promise<Map<string, bigint | undefined>> {
    for (const tp of partitions) this.#assigned.set(key(tp.topic, tp.partition), tp);
    return this.resumeOffsets(partitions);
  }

  /**
   * Where each partition resumes: the lowest offset any of the connector's tables
   * recorded for it; a table that never saw the partition defers to the group
   * offset (committed only after every table committed, so never past them).
   */
  async resumeOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint | undefined>> {
    const states: Array<TableState | undefined> = [];
    for (const id of routeTables(this.settings.route)) states.push(await this.#tables.load(id, partitions));
    const resume = new Map<string, bigint | undefined>();
    for (const { topic, partition } of partitions) {
      let lowest: bigint | undefined;
      let complete = states.length > 0;
      for (const state of states) {
        const offset = state ? getOffset(state.offsets, topic, partition) : undefined;
        if (offset === undefined) complete = false;
        else if (lowest === undefined || offset < lowest) lowest = offset;
      }
      resume.set(key(topic, partition), complete ? lowest : undefined);
    }
    return resume;
  }

  /** Gives partitions up; the caller has committed (revoke) or discarded (lost) the batch first. */
  release(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#assigned.delete(key(tp.topic, tp.partition));
  }

  /** Forgets the uncommitted batch (its records will be read again). */
  discard(): void {
    this.#batch?.abandon();
    this.#batch = undefined;
    this.#failure = undefined;
    this.#deps.dlq?.discard();
  }

  shouldCommit(): boolean {
    const batch = this.#batch;
    if (batch === undefined) return false;
    const { intervalMs, maxRecords, maxBytes } = this.settings.commit;
    return (
      this.#failure !== undefined ||
      batch.records >= maxRecords ||
      batch.bytes >= maxBytes ||
      this.#now() - batch.startedAtMs >= intervalMs
    );
  }

  get hasBatch(): boolean {
    return this.#batch !== undefined && this.#batch.records > 0;
  }

  /**
   * Records [start, end) of `records`, all of one topic and partition, in offset
   * order. Awaits only when a decoder, a table load, a schema change or the
   * Parquet encoder needs it; metrics and the batch's offsets are updated once per
   * run. Returns how many records were handled (written, skipped or dead-lettered):
   * fewer than end - start only when a record hit the `fail` policy.
   */
  async processRun(records: readonly KafkaRecord[], start: number, end: number): Promise<number> {
    if (start >= end) return 0;
    const { topic, partition } = records[start]!;
    if (this.#failure !== undefined || !this.owns(topic, partition)) return 0;
    this.#batch ??= new ConnectorBatch(this.#now());
    const batch = this.#batch;
    const run = { handled: 0, bytes: 0, last: -1n, consumed: 0, consumedBytes: 0, tombstones: 0, already: 0 };
    // The table of the previous record: routes mostly repeat, a single route always.
    let cachedId: TableIdentifier | undefined;
    let cached: { table: TableBatch; recorded: bigint | undefined } | undefined;
    try {
      for (let i = start; i < end; i++) {
        const record = records[i]!;
        const offset = record.offset;
        run.consumed++;
        run.consumedBytes += record.sizeBytes;
        if (record.value === null) {
          // A tombstone deletes a key in a compacted topic; an append-only table has nothing to write.
          run.tombstones++;
        } else {
          let table: TableBatch | undefined;
          try {
            const converted = this.settings.converter.convert(record);
            const decoded = converted instanceof Promise ? await converted : converted;
            const id = this.#route(decoded.row, record);
            if (id !== cachedId || cached === undefined) {
              const state = await this.#tables.open(id, decoded.schema);
              cached = {
                table: this.#tableBatch(batch, state),
                recorded: getOffset(state.offsets, topic, partition),
              };
              cachedId = id;
            }
            if (cached.recorded !== undefined && offset < cached.recorded) {
              // Already in this table (another of the connector's tables was behind).
              run.already++;
            } else {
              table = cached.table;
              const appended = table.writer.append(decoded.row, decoded.schema);
              if (appended !== undefined) await appended;
              table.rows++;
            }
          } catch (error) {
            if (!(error instanceof RecordError || error instanceof ValidationError)) throw error;
            if (!this.#handleBadRecord(record, this.#recordError(record, error))) return run.handled;
          }
          if (table && ++this.#sinceRoll >= ROLL_EVERY) {
            this.#sinceRoll = 0;
            await table.writer.rollFull();
          }
        }
        run.handled++;
        run.bytes += record.sizeBytes;
        run.last = offset;
      }
      return run.handled;
    } finally {
      if (run.handled > 0) batch.advance(topic, partition, run.last, run.bytes, run.handled);
      const metrics = this.#deps.metrics;
      metrics.recordsConsumed(this.settings.name, topic, run.consumed, run.consumedBytes);
      if (run.tombstones > 0) metrics.recordsSkipped(this.settings.name, topic, 'tombstone', run.tombstones);
      if (run.already > 0)
        metrics.recordsSkipped(this.settings.name, topic, 'already-committed', run.already);
    }
  }

  #recordError(record: KafkaRecord, error: RecordError | ValidationError): RecordError {
    if (error instanceof RecordError) return error;
    const { topic, partition, offset } = record;
    return new RecordError(
      `${topic}[${partition}]@${offset}: ${error.message}`,
      { topic, partition, offset: offset.toString(), connector: this.settings.name, reason: 'incompatible' },
      { cause: error },
    );
  }

  /** Commits the batch; returns the group offsets to record for lag monitoring. */
  async commit(): Promise<Array<TopicPartition & { offset: bigint }>> {
    const batch = this.#batch;
    if (batch === undefined) return [];
    await this.#deps.dlq?.flush();
    // Offsets must move even when every record of a single-table batch was bad.
    if (this.settings.route.kind === 'single' && batch.tables.size === 0 && batch.ends.size > 0) {
      const state =
        this.#tables.get(this.settings.route.table) ?? (await this.#tables.load(this.settings.route.table));
      if (state) this.#tableBatch(batch, state);
    }
    try {
      await commitConnectorBatch(batch, {
        connector: this.settings.name,
        catalog: this.#deps.catalog,
        io: this.#deps.io,
        tables: this.#tables,
        log: this.#deps.log,
        metrics: this.#deps.metrics,
        ...(this.#deps.producer ? { producer: this.#deps.producer } : {}),
      });
    } catch (error) {
      batch.abandon();
      throw error;
    } finally {
      this.#batch = undefined;
    }
    return [...batch.ends.values()].map(({ topic, partition, end }) => {
      let lowest = end;
      for (const id of routeTables(this.settings.route)) {
        const recorded = this.#tables.get(id)
          ? getOffset(this.#tables.get(id)!.offsets, topic, partition)
          : undefined;
        if (recorded !== undefined && recorded < lowest) lowest = recorded;
      }
      return { topic, partition, offset: lowest };
    });
  }

  #route(row: Row, record: KafkaRecord): TableIdentifier {
    const route = this.settings.route;
    if (route.kind === 'single') return route.table;
    let value: unknown = row;
    for (const part of route.field.split('.')) value = value == null ? undefined : (value as Row)[part];
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

  #tableBatch(batch: ConnectorBatch, state: TableState): TableBatch {
    let table = batch.tables.get(state.name);
    if (table === undefined) {
      const metadata = state.metadata;
      table = {
        state,
        rows: 0,
        writer: new EvolvingTableWriter({
          io: this.#deps.io,
          schema: currentSchema(metadata),
          lastColumnId: metadata.lastColumnId,
          spec: defaultSpec(metadata),
          properties: metadata.properties,
          dataDirectory: dataDirectory(metadata),
          evolve: this.settings.schemaEvolution,
          ...(this.#deps.maxFileBytes === undefined ? {} : { maxFileBytes: this.#deps.maxFileBytes }),
        }),
      };
      batch.tables.set(state.name, table);
    }
    return table;
  }

  /** Applies the error policy; true when the record counts as handled (offset advances). */
  #handleBadRecord(record: KafkaRecord, error: RecordError): boolean {
    const policy = this.settings.errors;
    const fields = {
      err: error,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset.toString(),
    };
    this.#deps.metrics.error(String(error.context.reason ?? 'record'));
    if (policy.kind === 'fail') {
      this.#failure = error;
      this.#deps.log.error(`bad record; stopping (error policy: fail): ${error.message}`, fields);
      return false;
    }
    if (policy.kind === 'skip') {
      this.#deps.log.warn(`bad record skipped: ${error.message}`, fields);
      this.#deps.metrics.recordsSkipped(
        this.settings.name,
        record.topic,
        String(error.context.reason ?? 'error'),
        1,
      );
      return true;
    }
    if (!this.#deps.dlq)
      throw new FloeError(`connector ${this.settings.name}: dlq policy without a dead-letter queue`);
    this.#deps.dlq.add(record, error);
    this.#deps.log.warn(`bad record sent to ${this.#deps.dlq.topic}: ${error.message}`, fields);
    this.#deps.metrics.recordsDeadLettered(this.settings.name, record.topic, 1);
    return true;
  }
}
