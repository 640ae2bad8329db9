// Every Prometheus metric floe exports, as data: kind, name, help and label
// names (docs/operations.md lists them for operators). metrics-registry.ts, the
// one file that imports prom-client, registers them and records into them.

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition<K extends MetricKind, L extends string> {
  readonly kind: K;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

export interface HistogramDefinition<L extends string> extends MetricDefinition<'histogram', L> {
  readonly buckets: readonly number[];
}

const counter = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
): MetricDefinition<'counter', L> => ({ kind: 'counter', name, help, labelNames });

const gauge = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
): MetricDefinition<'gauge', L> => ({ kind: 'gauge', name, help, labelNames });

const histogram = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: readonly number[],
): HistogramDefinition<L> => ({ kind: 'histogram', name, help, labelNames, buckets });

/** Metrics in the order /metrics lists them (floe_build_info and the process metrics follow). */
export const METRICS = {
  recordsConsumed: counter(
    'floe_records_consumed_total',
    'Kafka records fetched and handed to a connector.',
    ['connector', 'topic'],
  ),
  bytesConsumed: counter(
    'floe_bytes_consumed_total',
    'Bytes of Kafka records (key + value + headers) fetched.',
    ['connector', 'topic'],
  ),
  recordsWritten: counter(
    'floe_records_written_total',
    'Rows committed to an Iceberg table (counted when the snapshot commit succeeds).',
    ['connector', 'table'],
  ),
  recordsSkipped: counter(
    'floe_records_skipped_total',
    'Records not written, by reason (errors.policy=skip, tombstone, already-committed).',
    ['connector', 'topic', 'reason'],
  ),
  fieldsDropped: counter(
    'floe_fields_dropped_total',
    'Record properties left out of the rows, by reason (unknown-field: not in value.schema).',
    ['connector', 'topic', 'reason'],
  ),
  recordsDeadLettered: counter(
    'floe_records_dead_lettered_total',
    'Records sent to the dead-letter topic by errors.policy=dlq.',
    ['connector', 'topic'],
  ),
  lag: gauge(
    'floe_consumer_lag',
    'Records between the next offset this worker will read and the partition high watermark.',
    ['connector', 'topic', 'partition'],
  ),
  assignedPartitions: gauge(
    'floe_assigned_partitions',
    'Kafka partitions currently assigned to this worker.',
    ['connector'],
  ),
  bufferedBytes: gauge(
    'floe_buffered_bytes',
    'Bytes of rows held in memory and not yet committed (bounded by memory.maxBufferedBytes).',
    [],
  ),
  commitSeconds: histogram(
    'floe_commit_duration_seconds',
    'Time to write the data files and commit one Iceberg snapshot.',
    ['connector', 'table'],
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  ),
  commitFiles: counter('floe_commit_data_files_total', 'Parquet data files added by successful commits.', [
    'connector',
    'table',
  ]),
  commitBytes: counter(
    'floe_commit_data_bytes_total',
    'Bytes of Parquet data files added by successful commits.',
    ['connector', 'table'],
  ),
  lastCommit: gauge(
    'floe_last_commit_timestamp_seconds',
    'Unix time of the last successful commit to a table.',
    ['connector', 'table'],
  ),
  rowChanges: counter(
    'floe_row_changes_total',
    'Keyed modes (upsert, cdc): keys inserted, updated and deleted by successful commits.',
    ['connector', 'table', 'change'],
  ),
  keyIndexKeys: gauge(
    'floe_key_index_keys',
    'Keys in a partition key index (index: topic:partition, or (unattributed)) after its last commit.',
    ['connector', 'table', 'index'],
  ),
  keyIndexRebuildKeys: counter(
    'floe_key_index_rebuild_keys_total',
    'Keys loaded into key indexes rebuilt from their tables.',
    ['connector', 'table'],
  ),
  keyIndexRebuildSeconds: counter(
    'floe_key_index_rebuild_seconds_total',
    'Time spent rebuilding key indexes from their tables.',
    ['connector', 'table'],
  ),
  schemaEvolutions: counter(
    'floe_schema_evolutions_total',
    'Table schema changes committed because records carried new fields or wider types.',
    ['connector', 'table'],
  ),
  offsetsLost: counter(
    'floe_offsets_lost_to_retention_total',
    'Offsets retention deleted before floe read them (recorded in the snapshot summary as floe.retention-loss.<connector>).',
    ['connector', 'topic', 'partition'],
  ),
  errors: counter(
    'floe_errors_total',
    'Errors by kind (a record error reason, or a worker event such as fenced-batch).',
    ['kind'],
  ),
  stageSeconds: counter(
    'floe_stage_seconds_total',
    'Wall-clock seconds the worker spent per stage: fetch, process, commit and lag partition the consume loop; rebalance is inside fetch, encode-queue (waiting for the Parquet encoder) inside process, upload inside process and commit; paused: time with a partition paused.',
    ['stage'],
  ),
  maintenanceRuns: counter(
    'floe_maintenance_runs_total',
    'Table maintenance step runs (expire-snapshots, compact, ...) by outcome: ok or failed.',
    ['step', 'outcome'],
  ),
  maintenanceSeconds: counter(
    'floe_maintenance_seconds_total',
    'Wall-clock seconds spent in table maintenance steps.',
    ['step'],
  ),
  bytesRewritten: counter(
    'floe_maintenance_bytes_rewritten_total',
    'Bytes of data files compaction rewrote (its input), per table.',
    ['table'],
  ),
  filesDeleted: counter(
    'floe_maintenance_files_deleted_total',
    'Files snapshot expiry deleted, per table and kind (content: data and delete files; manifest; manifest-list; statistics).',
    ['table', 'kind'],
  ),
  maintainer: gauge(
    'floe_table_maintainer',
    '1 when this worker maintains the table (it holds the first partition the table records), 0 when another worker of the group does; at the last due maintenance.',
    ['table'],
  ),
  maintenanceSkipped: counter(
    'floe_maintenance_skipped_total',
    'Due maintenance runs of a table this worker left to the worker of the group that maintains it.',
    ['table'],
  ),
} as const;

/** Always 1, registered after the others; its labels carry the versions. */
export const BUILD_INFO = gauge('floe_build_info', 'Always 1; labels carry the floe and Node.js versions.', [
  'version',
  'node',
]);

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

/** The per-table gauges of the health figures, each labelled by table. */
export const TABLE_GAUGES: ReadonlyArray<
  readonly [figure: keyof TableHealthFigures, MetricDefinition<'gauge', 'table'>]
> = [
  ['snapshots', gauge('floe_table_snapshots', 'Snapshots in the table metadata.', ['table'])],
  [
    'manifests',
    gauge('floe_table_manifests', "Manifests in the current snapshot's manifest list.", ['table']),
  ],
  [
    'dataFiles',
    gauge('floe_table_data_files', 'Live data files of the current snapshot (total-data-files).', ['table']),
  ],
  [
    'deleteFiles',
    gauge('floe_table_delete_files', 'Live delete files of the current snapshot (total-delete-files).', [
      'table',
    ]),
  ],
  [
    'filesBytes',
    gauge('floe_table_files_bytes', 'Bytes of the live data and delete files (total-files-size).', ['table']),
  ],
  [
    'averageFileBytes',
    gauge('floe_table_average_file_bytes', 'floe_table_files_bytes over the live data and delete files.', [
      'table',
    ]),
  ],
  [
    'metadataBytes',
    gauge('floe_table_metadata_bytes', 'Size of the current metadata.json of the table.', ['table']),
  ],
];

/** Snapshot expiry's figures (ExpiryResult) -> floe_maintenance_files_deleted_total's kind. */
export const DELETED_FILE_FIGURES: ReadonlyArray<readonly [figure: string, kind: string]> = [
  ['contentFilesDeleted', 'content'],
  ['manifestsDeleted', 'manifest'],
  ['manifestListsDeleted', 'manifest-list'],
  ['statisticsFilesDeleted', 'statistics'],
];
