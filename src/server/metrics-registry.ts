// Prometheus metrics of one floe process: the only file that imports prom-client.
// FloeMetrics fits src/worker/worker-metrics.ts's WorkerMetrics by shape (server/
// cannot import worker/; cli.ts hands one to the other); the HTTP server only
// sees `MetricsSource`. docs/operations.md lists every metric.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What /metrics serves; FloeMetrics is one. */
export interface MetricsSource {
  readonly contentType: string;
  metricsText(): Promise<string>;
}

export interface FloeMetricsOptions {
  /** floe's version, exported as floe_build_info{version}. */
  version?: string;
  /** Node.js process metrics (CPU, memory, event loop, GC) prefixed floe_; default true. */
  processMetrics?: boolean;
}

/** A table's size figures (maintenance/table-health.ts's TableHealth by shape). */
export interface TableHealthFigures {
  readonly snapshots?: number;
  readonly manifests?: number;
  readonly dataFiles?: number;
  readonly deleteFiles?: number;
  readonly filesBytes?: number;
  readonly averageFileBytes?: number;
  readonly metadataBytes?: number;
}

/** The per-table gauges: figure, name, help. */
const TABLE_GAUGES: ReadonlyArray<readonly [keyof TableHealthFigures, string, string]> = [
  ['snapshots', 'floe_table_snapshots', 'Snapshots in the table metadata.'],
  ['manifests', 'floe_table_manifests', "Manifests in the current snapshot's manifest list."],
  ['dataFiles', 'floe_table_data_files', 'Live data files of the current snapshot (total-data-files).'],
  [
    'deleteFiles',
    'floe_table_delete_files',
    'Live delete files of the current snapshot (total-delete-files).',
  ],
  ['filesBytes', 'floe_table_files_bytes', 'Bytes of the live data and delete files (total-files-size).'],
  [
    'averageFileBytes',
    'floe_table_average_file_bytes',
    'floe_table_files_bytes over the live data and delete files.',
  ],
  ['metadataBytes', 'floe_table_metadata_bytes', 'Size of the current metadata.json of the table.'],
];

/** Snapshot expiry's figures (ExpiryResult) -> floe_maintenance_files_deleted_total's kind. */
const DELETED_FILE_FIGURES: ReadonlyArray<readonly [string, string]> = [
  ['contentFilesDeleted', 'content'],
  ['manifestsDeleted', 'manifest'],
  ['manifestListsDeleted', 'manifest-list'],
  ['statisticsFilesDeleted', 'statistics'],
];

const COMMIT_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class FloeMetrics implements MetricsSource {
  readonly #registry = new Registry();
  readonly #recordsConsumed: Counter<'connector' | 'topic'>;
  readonly #bytesConsumed: Counter<'connector' | 'topic'>;
  readonly #recordsWritten: Counter<'connector' | 'table'>;
  readonly #recordsSkipped: Counter<'connector' | 'topic' | 'reason'>;
  readonly #fieldsDropped: Counter<'connector' | 'topic' | 'reason'>;
  readonly #recordsDeadLettered: Counter<'connector' | 'topic'>;
  readonly #lag: Gauge<'connector' | 'topic' | 'partition'>;
  readonly #assignedPartitions: Gauge<'connector'>;
  readonly #bufferedBytes: Gauge;
  readonly #commitSeconds: Histogram<'connector' | 'table'>;
  readonly #commitFiles: Counter<'connector' | 'table'>;
  readonly #commitBytes: Counter<'connector' | 'table'>;
  readonly #lastCommit: Gauge<'connector' | 'table'>;
  readonly #schemaEvolutions: Counter<'connector' | 'table'>;
  readonly #rowChanges: Counter<'connector' | 'table' | 'change'>;
  readonly #keyIndexKeys: Gauge<'connector' | 'table' | 'index'>;
  readonly #keyIndexRebuildKeys: Counter<'connector' | 'table'>;
  readonly #keyIndexRebuildSeconds: Counter<'connector' | 'table'>;
  readonly #errors: Counter<'kind'>;
  readonly #offsetsLost: Counter<'connector' | 'topic' | 'partition'>;
  readonly #stageSeconds: Counter<'stage'>;
  readonly #maintenanceRuns: Counter<'step' | 'outcome'>;
  readonly #maintenanceSeconds: Counter<'step'>;
  readonly #bytesRewritten: Counter<'table'>;
  readonly #filesDeleted: Counter<'table' | 'kind'>;
  readonly #maintainer: Gauge<'table'>;
  readonly #maintenanceSkipped: Counter<'table'>;
  readonly #tableGauges: ReadonlyMap<keyof TableHealthFigures, Gauge<'table'>>;

  constructor(options: FloeMetricsOptions = {}) {
    const registers = [this.#registry];
    this.#recordsConsumed = new Counter({
      name: 'floe_records_consumed_total',
      help: 'Kafka records fetched and handed to a connector.',
      labelNames: ['connector', 'topic'],
      registers,
    });
    this.#bytesConsumed = new Counter({
      name: 'floe_bytes_consumed_total',
      help: 'Bytes of Kafka records (key + value + headers) fetched.',
      labelNames: ['connector', 'topic'],
      registers,
    });
    this.#recordsWritten = new Counter({
      name: 'floe_records_written_total',
      help: 'Rows committed to an Iceberg table (counted when the snapshot commit succeeds).',
      labelNames: ['connector', 'table'],
      registers,
    });
    this.#recordsSkipped = new Counter({
      name: 'floe_records_skipped_total',
      help: 'Records not written, by reason (errors.policy=skip, tombstone, already-committed).',
      labelNames: ['connector', 'topic', 'reason'],
      registers,
    });
    this.#fieldsDropped = new Counter({
      name: 'floe_fields_dropped_total',
      help: 'Record properties left out of the rows, by reason (unknown-field: not in value.schema).',
      labelNames: ['connector', 'topic', 'reason'],
      registers,
    });
    this.#recordsDeadLettered = new Counter({
      name: 'floe_records_dead_lettered_total',
      help: 'Records sent to the dead-letter topic by errors.policy=dlq.',
      labelNames: ['connector', 'topic'],
      registers,
    });
    this.#lag = new Gauge({
      name: 'floe_consumer_lag',
      help: 'Records between the next offset this worker will read and the partition high watermark.',
      labelNames: ['connector', 'topic', 'partition'],
      registers,
    });
    this.#assignedPartitions = new Gauge({
      name: 'floe_assigned_partitions',
      help: 'Kafka partitions currently assigned to this worker.',
      labelNames: ['connector'],
      registers,
    });
    this.#bufferedBytes = new Gauge({
      name: 'floe_buffered_bytes',
      help: 'Bytes of rows held in memory and not yet committed (bounded by memory.maxBufferedBytes).',
      registers,
    });
    this.#commitSeconds = new Histogram({
      name: 'floe_commit_duration_seconds',
      help: 'Time to write the data files and commit one Iceberg snapshot.',
      labelNames: ['connector', 'table'],
      buckets: COMMIT_SECONDS_BUCKETS,
      registers,
    });
    this.#commitFiles = new Counter({
      name: 'floe_commit_data_files_total',
      help: 'Parquet data files added by successful commits.',
      labelNames: ['connector', 'table'],
      registers,
    });
    this.#commitBytes = new Counter({
      name: 'floe_commit_data_bytes_total',
      help: 'Bytes of Parquet data files added by successful commits.',
      labelNames: ['connector', 'table'],
      registers,
    });
    this.#lastCommit = new Gauge({
      name: 'floe_last_commit_timestamp_seconds',
      help: 'Unix time of the last successful commit to a table.',
      labelNames: ['connector', 'table'],
      registers,
    });
    this.#rowChanges = new Counter({
      name: 'floe_row_changes_total',
      help: 'Keyed modes (upsert, cdc): keys inserted, updated and deleted by successful commits.',
      labelNames: ['connector', 'table', 'change'],
      registers,
    });
    this.#keyIndexKeys = new Gauge({
      name: 'floe_key_index_keys',
      help: 'Keys in a partition key index (index: topic:partition, or (unattributed)) after its last commit.',
      labelNames: ['connector', 'table', 'index'],
      registers,
    });
    this.#keyIndexRebuildKeys = new Counter({
      name: 'floe_key_index_rebuild_keys_total',
      help: 'Keys loaded into key indexes rebuilt from their tables.',
      labelNames: ['connector', 'table'],
      registers,
    });
    this.#keyIndexRebuildSeconds = new Counter({
      name: 'floe_key_index_rebuild_seconds_total',
      help: 'Time spent rebuilding key indexes from their tables.',
      labelNames: ['connector', 'table'],
      registers,
    });
    this.#schemaEvolutions = new Counter({
      name: 'floe_schema_evolutions_total',
      help: 'Table schema changes committed because records carried new fields or wider types.',
      labelNames: ['connector', 'table'],
      registers,
    });
    this.#offsetsLost = new Counter({
      name: 'floe_offsets_lost_to_retention_total',
      help: 'Offsets retention deleted before floe read them (recorded in the snapshot summary as floe.retention-loss.<connector>).',
      labelNames: ['connector', 'topic', 'partition'],
      registers,
    });
    this.#errors = new Counter({
      name: 'floe_errors_total',
      help: 'Errors by kind (a record error reason, or a worker event such as fenced-batch).',
      labelNames: ['kind'],
      registers,
    });
    this.#stageSeconds = new Counter({
      name: 'floe_stage_seconds_total',
      help: 'Wall-clock seconds the worker spent per stage: fetch, process, commit and lag partition the consume loop; rebalance is inside fetch, encode-queue (waiting for the Parquet encoder) inside process, upload inside process and commit; paused: time with a partition paused.',
      labelNames: ['stage'],
      registers,
    });
    this.#maintenanceRuns = new Counter({
      name: 'floe_maintenance_runs_total',
      help: 'Table maintenance step runs (expire-snapshots, compact, ...) by outcome: ok or failed.',
      labelNames: ['step', 'outcome'],
      registers,
    });
    this.#maintenanceSeconds = new Counter({
      name: 'floe_maintenance_seconds_total',
      help: 'Wall-clock seconds spent in table maintenance steps.',
      labelNames: ['step'],
      registers,
    });
    this.#bytesRewritten = new Counter({
      name: 'floe_maintenance_bytes_rewritten_total',
      help: 'Bytes of data files compaction rewrote (its input), per table.',
      labelNames: ['table'],
      registers,
    });
    this.#filesDeleted = new Counter({
      name: 'floe_maintenance_files_deleted_total',
      help: 'Files snapshot expiry deleted, per table and kind (content: data and delete files; manifest; manifest-list; statistics).',
      labelNames: ['table', 'kind'],
      registers,
    });
    this.#maintainer = new Gauge({
      name: 'floe_table_maintainer',
      help: '1 when this worker maintains the table (it holds the first partition the table records), 0 when another worker of the group does; at the last due maintenance.',
      labelNames: ['table'],
      registers,
    });
    this.#maintenanceSkipped = new Counter({
      name: 'floe_maintenance_skipped_total',
      help: 'Due maintenance runs of a table this worker left to the worker of the group that maintains it.',
      labelNames: ['table'],
      registers,
    });
    this.#tableGauges = new Map(
      TABLE_GAUGES.map(([figure, name, help]) => [
        figure,
        new Gauge({ name, help, labelNames: ['table'] as const, registers }),
      ]),
    );
    const buildInfo = new Gauge({
      name: 'floe_build_info',
      help: 'Always 1; labels carry the floe and Node.js versions.',
      labelNames: ['version', 'node'],
      registers,
    });
    buildInfo.set({ version: options.version ?? 'unknown', node: process.versions.node }, 1);
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.#registry, prefix: 'floe_' });
    }
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  metricsText(): Promise<string> {
    return this.#registry.metrics();
  }

  /** `bytes`, when given, also counts toward floe_bytes_consumed_total. */
  recordsConsumed(connector: string, topic: string, n: number, bytes?: number): void {
    this.#recordsConsumed.inc({ connector, topic }, n);
    if (bytes !== undefined) this.#bytesConsumed.inc({ connector, topic }, bytes);
  }

  bytesConsumed(connector: string, topic: string, n: number): void {
    this.#bytesConsumed.inc({ connector, topic }, n);
  }

  recordsWritten(connector: string, table: string, n: number): void {
    this.#recordsWritten.inc({ connector, table }, n);
  }

  recordsSkipped(connector: string, topic: string, reason: string, n: number): void {
    this.#recordsSkipped.inc({ connector, topic, reason }, n);
  }

  fieldsDropped(connector: string, topic: string, reason: string, n: number): void {
    this.#fieldsDropped.inc({ connector, topic, reason }, n);
  }

  recordsDeadLettered(connector: string, topic: string, n: number): void {
    this.#recordsDeadLettered.inc({ connector, topic }, n);
  }

  setLag(connector: string, topic: string, partition: number, lag: number | bigint): void {
    this.#lag.set({ connector, topic, partition: String(partition) }, Number(lag));
  }

  /** Drop the lag series of a partition this worker no longer owns, so it does not report a stale value. */
  clearLag(connector: string, topic: string, partition: number): void {
    this.#lag.remove({ connector, topic, partition: String(partition) });
  }

  setAssignedPartitions(connector: string, n: number): void {
    this.#assignedPartitions.set({ connector }, n);
  }

  setBufferedBytes(n: number): void {
    this.#bufferedBytes.set(n);
  }

  /** One successful snapshot commit: its duration, and the data files and bytes it added. */
  observeCommit(connector: string, table: string, seconds: number, files: number, bytes: number): void {
    this.#commitSeconds.observe({ connector, table }, seconds);
    this.#commitFiles.inc({ connector, table }, files);
    this.#commitBytes.inc({ connector, table }, bytes);
  }

  lastCommit(connector: string, table: string, unixSeconds: number): void {
    this.#lastCommit.set({ connector, table }, unixSeconds);
  }

  schemaEvolution(connector: string, table: string): void {
    this.#schemaEvolutions.inc({ connector, table });
  }

  rowChanges(
    connector: string,
    table: string,
    counts: { readonly inserts: number; readonly updates: number; readonly deletes: number },
  ): void {
    this.#rowChanges.inc({ connector, table, change: 'insert' }, counts.inserts);
    this.#rowChanges.inc({ connector, table, change: 'update' }, counts.updates);
    this.#rowChanges.inc({ connector, table, change: 'delete' }, counts.deletes);
  }

  keyIndexSize(connector: string, table: string, index: string, keys: number): void {
    this.#keyIndexKeys.set({ connector, table, index }, keys);
  }

  keyIndexRebuilt(connector: string, table: string, index: string, keys: number, seconds: number): void {
    this.#keyIndexKeys.set({ connector, table, index }, keys);
    this.#keyIndexRebuildKeys.inc({ connector, table }, keys);
    this.#keyIndexRebuildSeconds.inc({ connector, table }, seconds);
  }

  offsetsLostToRetention(connector: string, topic: string, partition: number, count: number): void {
    this.#offsetsLost.inc({ connector, topic, partition: String(partition) }, count);
  }

  stageSeconds(stage: string, seconds: number): void {
    this.#stageSeconds.inc({ stage }, seconds);
  }

  /**
   * One maintenance step run on a table: runs and seconds per step; from its
   * figures, the bytes compaction rewrote and the files expiry deleted.
   */
  maintenanceRun(run: {
    readonly table: string;
    readonly step: string;
    readonly seconds: number;
    readonly ok: boolean;
    readonly figures: Readonly<Record<string, number>>;
  }): void {
    this.#maintenanceRuns.inc({ step: run.step, outcome: run.ok ? 'ok' : 'failed' });
    this.#maintenanceSeconds.inc({ step: run.step }, run.seconds);
    const { table, figures } = run;
    if (figures.bytesRewritten !== undefined) this.#bytesRewritten.inc({ table }, figures.bytesRewritten);
    for (const [figure, kind] of DELETED_FILE_FIGURES) {
      const n = figures[figure];
      if (n !== undefined) this.#filesDeleted.inc({ table, kind }, n);
    }
  }

  /** A due maintenance of `table`: whether this worker maintains it or leaves it to another worker of the group. */
  maintenanceDecision(table: string, maintains: boolean): void {
    this.#maintainer.set({ table }, maintains ? 1 : 0);
    if (!maintains) this.#maintenanceSkipped.inc({ table });
  }

  /** The table's size figures as last read (after commits, and before and after its maintenance). */
  tableHealth(table: string, health: TableHealthFigures): void {
    for (const [figure, gauge] of this.#tableGauges) {
      const value = health[figure];
      if (value !== undefined) gauge.set({ table }, value);
    }
  }

  /** Kinds are short fixed words (a RecordError reason, 'fenced-batch', ...), never free text: each is a series. */
  error(kind: string): void {
    this.#errors.inc({ kind });
  }
}
