// One connector inside the worker (or a backfill): turns its partitions'
// records into rows of its tables and commits its batch under the exactly-once
// fence (docs/exactly-once.md). It keeps, per assigned partition, the position
// its reading stands at, so every batch knows where it began: a batch that did
// not read on from what a table recorded is never committed. Knows Kafka only
// as topic/partition/offset; the consumer loop lives in worker.ts.
import type { Catalog } from '../catalog/catalog.ts';
import type { RecordError } from '../errors.ts';
import { currentSchema } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import type { Logger } from '../log.ts';
import type { SnapshotProducerOptions } from '../sink/snapshot-producer.ts';
import { BatchTables } from './batch-tables.ts';
import { ConnectorBatch } from './commit/connector-batch.ts';
import { overtakenReads } from './commit/overtaken-reads.ts';
import { lowestRecorded } from './commit/table-offsets.ts';
import { CommitSchedule } from './commit-interval.ts';
import { type ConnectorSettings, routeTables } from './connector-settings.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import type { KafkaRecord, TopicPartition } from './kafka-types.ts';
import { partitionKey } from './kafka-types.ts';
import { PartitionPositions } from './partition-positions.ts';
import { RecordErrorPolicy } from './record-error-policy.ts';
import { logWentBack, takeRecords } from './record-run.ts';
import { type LogStart, RetentionCheck } from './retention-check.ts';
import { RunReporter, RunTally } from './run-tally.ts';
import { commitSealedBatch, type GroupOffset, type SealedBatch } from './sealed-batch.ts';
import { TableRegistry, type TableState } from './table-registry.ts';
import { KeyedBatchTables } from './upsert/keyed-batch.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface ConnectorRuntimeDeps {
  readonly settings: ConnectorSettings;
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly dlq?: DeadLetterQueue;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  readonly producer?: SnapshotProducerOptions;
  /** Parquet bytes per data file at most, below the table's target size (tests use small files). */
  readonly maxFileBytes?: number;
  readonly now?: () => number;
  /** Extra summary properties of every snapshot (e.g. a backfill marker). */
  readonly summary?: Readonly<Record<string, string>>;
}

export class ConnectorRuntime {
  readonly settings: ConnectorSettings;
  readonly #deps: ConnectorRuntimeDeps;
  readonly #registry: TableRegistry;
  readonly #tables: BatchTables;
  /** mode upsert or cdc: changes collapsed per key, committed as row deltas (docs/upsert.md). */
  readonly #keyed: KeyedBatchTables | undefined;
  readonly #errors: RecordErrorPolicy;
  readonly #positions = new PartitionPositions();
  readonly #schedule: CommitSchedule;
  readonly #now: () => number;
  readonly #retention: RetentionCheck;
  readonly #reporter: RunReporter;
  #batch: ConnectorBatch | undefined;

  constructor(deps: ConnectorRuntimeDeps) {
    this.settings = deps.settings;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#schedule = new CommitSchedule(deps.settings.commit);
    this.#registry = new TableRegistry(deps.catalog, deps.settings.name, deps.settings.autoCreate, deps.log);
    this.#reporter = new RunReporter(deps.settings.name, deps.log, deps.metrics);
    this.#tables = new BatchTables(this.#registry, { ...deps, reporter: this.#reporter });
    const keyed = deps.settings.keyed;
    this.#keyed =
      keyed === undefined
        ? undefined
        : new KeyedBatchTables({ ...deps, keyed, registry: this.#registry, maxFileBytes: deps.maxFileBytes });
    this.#retention = new RetentionCheck(deps.settings.name, deps.log, deps.metrics);
    this.#errors = new RecordErrorPolicy({
      connector: deps.settings.name,
      policy: deps.settings.errors,
      dlq: deps.dlq,
      log: deps.log,
      metrics: deps.metrics,
    });
  }

  /** How to learn a partition's log start, to tell retention from compaction when offsets jump. */
  useLogStart(logStart: LogStart): void {
    this.#retention.use(logStart);
  }

  /** A record that hit the `fail` policy: the worker commits what precedes it and stops. */
  get failure(): RecordError | undefined {
    return this.#errors.failure;
  }

  get assigned(): TopicPartition[] {
    return this.#positions.assigned;
  }

  owns(topic: string, partition: number): boolean {
    return this.#positions.owns(topic, partition);
  }

  /** Next offset to read of an assigned partition, where known. */
  position(tp: TopicPartition): bigint | undefined {
    return this.#positions.get(partitionKey(tp.topic, tp.partition));
  }

  get bufferedBytes(): number {
    return this.#batch?.bufferedBytes() ?? 0;
  }

  get hasBatch(): boolean {
    return this.#batch !== undefined && this.#batch.reads.size > 0;
  }

  /** Takes partitions and says where each resumes (undefined: the group offset, or the reset policy). */
  async assign(partitions: readonly TopicPartition[]): Promise<Map<string, bigint | undefined>> {
    this.#positions.assign(partitions);
    const resume = await this.resumeOffsets(partitions);
    this.#positions.resume(resume);
    return resume;
  }

  /** Reading of an assigned partition starts at `offset` (a backfill's --from). */
  startAt(tp: TopicPartition, offset: bigint): void {
    this.#positions.set(partitionKey(tp.topic, tp.partition), offset);
  }

  /**
   * Where each partition resumes: the lowest offset the connector's tables
   * recorded for it, among the tables that recorded it (every table records
   * every partition the connector read while it existed; a table that never saw
   * the partition did not exist then). Undefined when no table recorded it.
   */
  async resumeOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint | undefined>> {
    const states: TableState[] = [];
    for (const id of routeTables(this.settings.route)) {
      const state = await this.#registry.load(id, partitions);
      if (state) states.push(state);
    }
    // Schemaless JSON continues from the tables' column types, not from nothing.
    for (const state of states) this.settings.converter.followTable?.(currentSchema(state.metadata));
    const resume = new Map<string, bigint | undefined>();
    for (const { topic, partition } of partitions)
      resume.set(partitionKey(topic, partition), lowestRecorded(states, topic, partition));
    return resume;
  }

  /**
   * After a dropped batch: where each partition must be read again (the tables'
   * offsets, else where the dropped batch began). Partitions absent from the
   * result have nothing to re-read.
   */
  async reseekOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return this.#positions.reseek(partitions, await this.resumeOffsets(partitions));
  }

  /** Gives partitions up; the caller has committed (revoke) or discarded (lost) the batch first. */
  release(partitions: readonly TopicPartition[]): void {
    this.#keyed?.release(partitions, this.#batch !== undefined);
    this.#positions.release(partitions);
  }

  /**
   * Releases what the runtime holds outside the heap (a keyed connector's key
   * index store, memory-mapped); the runtime is not used afterwards.
   */
  async close(): Promise<void> {
    await this.#keyed?.close();
  }

  /** Forgets the uncommitted batch; its partitions' positions go back to where it began. */
  discard(): void {
    const batch = this.#batch;
    this.#batch = undefined;
    this.#errors.reset();
    if (batch === undefined) return;
    batch.abandon();
    this.#keyed?.settled();
    this.#positions.rewind(batch.reads);
  }

  shouldCommit(): boolean {
    const batch = this.#batch;
    if (batch === undefined) return false;
    return this.failure !== undefined || this.#schedule.due(batch, this.#now());
  }

  /** The open batch must be committed now, not when a running commit has landed (full, or a `fail` record). */
  get batchFull(): boolean {
    return this.failure !== undefined || (this.#batch !== undefined && this.#schedule.full(this.#batch));
  }

  /**
   * Records [start, end) of `records`, all of one topic and partition, in offset
   * order. Returns how many records were handled (written, skipped or
   * dead-lettered): fewer than end - start only when a record hit the `fail`
   * policy. Any other error discards the batch (its files may be incomplete)
   * before it is thrown: nothing of it is committed.
   */
  async processRun(records: readonly KafkaRecord[], start: number, end: number): Promise<number> {
    if (start >= end) return 0;
    const { topic, partition } = records[start]!;
    if (this.failure !== undefined || !this.owns(topic, partition)) return 0;
    const key = partitionKey(topic, partition);
    const position = this.#positions.get(key);
    const firstOffset = records[start]!.offset;
    if (position !== undefined && firstOffset < position) {
      this.discard();
      throw logWentBack(this.settings.name, topic, partition, firstOffset, position);
    }
    this.#batch ??= new ConnectorBatch(this.#now());
    const batch = this.#batch;
    const run = new RunTally();
    let broken = false;
    try {
      const lost = await this.#retention.lost({ topic, partition }, position, firstOffset);
      const writer =
        this.#keyed?.forRun(batch, topic, partition) ?? this.#tables.forRun(batch, topic, partition);
      try {
        await takeRecords(records, start, end, writer, this.#errors, run);
      } finally {
        if (run.handled > 0) {
          batch.lastRecordAtMs = this.#now();
          const span = { from: position ?? firstOffset, last: run.last, lost };
          batch.advance(topic, partition, span, run.bytes, run.handled);
          this.#positions.set(key, run.last + 1n);
        }
      }
      return run.handled;
    } catch (error) {
      broken = true;
      this.discard();
      throw error;
    } finally {
      if (!broken) this.#reporter.report(topic, run);
    }
  }

  /**
   * The partition was read to `end` although no record up to it was delivered
   * (transaction markers, compaction, an empty range): the next commit records
   * it in every table.
   */
  async advanceTo(tp: TopicPartition, end: bigint): Promise<void> {
    const key = partitionKey(tp.topic, tp.partition);
    const position = this.#positions.get(key);
    const read = this.#batch?.reads.get(key);
    if (!this.#positions.ownsKey(key) || (read !== undefined && read.end >= end)) return;
    if (position !== undefined && position > end) return;
    const lost = await this.#retention.lost(tp, position, end);
    this.#batch ??= new ConnectorBatch(this.#now());
    const span = { from: position ?? end, last: end - 1n, lost };
    this.#batch.advance(tp.topic, tp.partition, span, 0, 0);
    this.#positions.set(key, end);
  }

  /** The connector's clock (commit timing). */
  now(): number {
    return this.#now();
  }

  /** Whether the worker may commit this connector's batches beside reading (keyed batches carry the key index: no). */
  get pipelines(): boolean {
    return this.#keyed === undefined;
  }

  /**
   * Closes the batch to new records and hands it to its commit (commitSealed);
   * reading goes on into a new batch from where it ended. `full`: the worker's
   * memory budget ended it (as maxRecords and maxBytes do).
   */
  seal(options: { full?: boolean } = {}): SealedBatch | undefined {
    const batch = this.#batch;
    if (batch === undefined) return undefined;
    this.#batch = undefined;
    const full = options.full === true || this.#schedule.full(batch);
    const letters = this.#errors.seal();
    return { batch, full, letters, startMs: this.#now(), before: this.#registry.offsetsByTable() };
  }

  /**
   * Commits a sealed batch (may run beside processRun of the next one); returns
   * the group offsets to record for lag monitoring. Then `landed` or `failed`.
   */
  async commitSealed(sealed: SealedBatch): Promise<GroupOffset[]> {
    return commitSealedBatch(sealed, () => this.#tables.existing(routeTables(this.settings.route)), {
      connector: this.settings.name,
      catalog: this.#deps.catalog,
      io: this.#deps.io,
      tables: this.#registry,
      log: this.#deps.log,
      metrics: this.#deps.metrics,
      ...(this.#deps.producer ? { producer: this.#deps.producer } : {}),
      ...(this.#deps.summary ? { summary: this.#deps.summary } : {}),
    });
  }

  /**
   * The sealed batch's commit landed. `waitedFromMs`: when the worker stopped
   * reading to wait for it (commit.intervalMs counts the time it was kept from
   * reading). Returns why the open batch was dropped (overtaken-reads.ts; its
   * partitions must be re-sought), or undefined.
   */
  landed(sealed: SealedBatch, waitedFromMs: number): string | undefined {
    this.#keyed?.settled();
    this.#schedule.landed(sealed, waitedFromMs, this.#now());
    const open = this.#batch;
    if (open === undefined) return undefined;
    const overtaken = overtakenReads(open.reads.values(), sealed.before, this.#registry.offsetsByTable());
    if (overtaken !== undefined) this.discard();
    return overtaken;
  }

  /**
   * The sealed batch's commit failed: the open batch read on from it, so it goes
   * too, and every partition goes back to where the sealed batch began.
   */
  failed(sealed: SealedBatch): void {
    this.discard();
    this.#keyed?.settled();
    // The table may hold what the key index does not (an outcome that landed, another writer's rewrite).
    this.#keyed?.reset();
    this.#positions.rewind(sealed.batch.reads);
  }

  /** Seals and commits the batch, waiting for it (stop, revocation, backfill). */
  async commit(options: { full?: boolean } = {}): Promise<GroupOffset[]> {
    const sealed = this.seal(options);
    if (sealed === undefined) return [];
    let offsets: GroupOffset[];
    try {
      offsets = await this.commitSealed(sealed);
    } catch (error) {
      this.failed(sealed);
      throw error;
    }
    this.landed(sealed, sealed.startMs);
    return offsets;
  }
}
