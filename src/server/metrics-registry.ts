// Prometheus metrics of one floe process: the only file that imports prom-client.
// It registers the metrics metric-definitions.ts defines and records into them.
// FloeMetrics fits src/worker/worker-metrics.ts's WorkerMetrics by shape (server/
// cannot import worker/; cli.ts hands one to the other); the HTTP server only
// sees `MetricsSource`. docs/operations.md lists every metric.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  BUILD_INFO,
  DELETED_FILE_FIGURES,
  type HistogramDefinition,
  METRICS,
  type MetricDefinition,
  TABLE_GAUGES,
  type TableHealthFigures,
} from './metric-definitions.ts';

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

export class FloeMetrics implements MetricsSource {
  readonly #registry = new Registry();
  // Registered in this order, the order /metrics lists them in.
  readonly #recordsConsumed = this.#counter(METRICS.recordsConsumed);
  readonly #bytesConsumed = this.#counter(METRICS.bytesConsumed);
  readonly #recordsWritten = this.#counter(METRICS.recordsWritten);
  readonly #recordsSkipped = this.#counter(METRICS.recordsSkipped);
  readonly #fieldsDropped = this.#counter(METRICS.fieldsDropped);
  readonly #recordsDeadLettered = this.#counter(METRICS.recordsDeadLettered);
  readonly #lag = this.#gauge(METRICS.lag);
  readonly #assignedPartitions = this.#gauge(METRICS.assignedPartitions);
  readonly #bufferedBytes = this.#gauge(METRICS.bufferedBytes);
  readonly #commitSeconds = this.#histogram(METRICS.commitSeconds);
  readonly #commitFiles = this.#counter(METRICS.commitFiles);
  readonly #commitBytes = this.#counter(METRICS.commitBytes);
  readonly #lastCommit = this.#gauge(METRICS.lastCommit);
  readonly #rowChanges = this.#counter(METRICS.rowChanges);
  readonly #keyIndexKeys = this.#gauge(METRICS.keyIndexKeys);
  readonly #keyIndexRebuildKeys = this.#counter(METRICS.keyIndexRebuildKeys);
  readonly #keyIndexRebuildSeconds = this.#counter(METRICS.keyIndexRebuildSeconds);
  readonly #schemaEvolutions = this.#counter(METRICS.schemaEvolutions);
  readonly #offsetsLost = this.#counter(METRICS.offsetsLost);
  readonly #errors = this.#counter(METRICS.errors);
  readonly #stageSeconds = this.#counter(METRICS.stageSeconds);
  readonly #maintenanceRuns = this.#counter(METRICS.maintenanceRuns);
  readonly #maintenanceSeconds = this.#counter(METRICS.maintenanceSeconds);
  readonly #bytesRewritten = this.#counter(METRICS.bytesRewritten);
  readonly #filesDeleted = this.#counter(METRICS.filesDeleted);
  readonly #maintainer = this.#gauge(METRICS.maintainer);
  readonly #maintenanceSkipped = this.#counter(METRICS.maintenanceSkipped);
  readonly #tableGauges: ReadonlyMap<keyof TableHealthFigures, Gauge<'table'>> = new Map(
    TABLE_GAUGES.map(([figure, definition]) => [figure, this.#gauge(definition)]),
  );

  constructor(options: FloeMetricsOptions = {}) {
    this.#gauge(BUILD_INFO).set({ version: options.version ?? 'unknown', node: process.versions.node }, 1);
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.#registry, prefix: 'floe_' });
    }
  }

  #counter<L extends string>({ name, help, labelNames }: MetricDefinition<'counter', L>): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.#registry] });
  }

  #gauge<L extends string>({ name, help, labelNames }: MetricDefinition<'gauge', L>): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.#registry] });
  }

  #histogram<L extends string>({ name, help, labelNames, buckets }: HistogramDefinition<L>): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.#registry] });
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
