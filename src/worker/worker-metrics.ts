// What the worker reports while it runs; server/metrics-registry.ts implements
// it for Prometheus (wired in cli.ts). The worker never imports server/.

export interface WorkerMetrics {
  recordsConsumed(connector: string, topic: string, count: number, bytes: number): void;
  recordsWritten(connector: string, table: string, count: number): void;
  recordsSkipped(connector: string, topic: string, reason: string, count: number): void;
  recordsDeadLettered(connector: string, topic: string, count: number): void;
  /** Properties of written records left out of their rows (`unknown-field`: not in value.schema). */
  fieldsDropped(connector: string, topic: string, reason: string, count: number): void;
  setLag(connector: string, topic: string, partition: number, lag: number): void;
  clearLag(connector: string, topic: string, partition: number): void;
  setAssignedPartitions(connector: string, count: number): void;
  setBufferedBytes(bytes: number): void;
  observeCommit(connector: string, table: string, seconds: number, files: number, bytes: number): void;
  lastCommit(connector: string, table: string, unixSeconds: number): void;
  schemaEvolution(connector: string, table: string): void;
  /** Offsets retention deleted before they were read (recorded in the commit, never silent). */
  offsetsLostToRetention(connector: string, topic: string, partition: number, count: number): void;
  error(kind: string): void;
  /** Keyed modes (docs/upsert.md): a commit's inserts, updates and deletes of keys. */
  rowChanges(
    connector: string,
    table: string,
    counts: { readonly inserts: number; readonly updates: number; readonly deletes: number },
  ): void;
  /** Keys in one partition's key index (`index`: `topic:partition`, or the table's unattributed part). */
  keyIndexSize(connector: string, table: string, index: string, keys: number): void;
  /** A key index part rebuilt from the table: its keys and how long it took. */
  keyIndexRebuilt(connector: string, table: string, index: string, keys: number, seconds: number): void;
  /** Wall-clock seconds spent in a stage of the worker (stage-clock.ts). */
  stageSeconds(stage: string, seconds: number): void;
}

export const noMetrics: WorkerMetrics = {
  recordsConsumed: () => {},
  recordsWritten: () => {},
  recordsSkipped: () => {},
  recordsDeadLettered: () => {},
  fieldsDropped: () => {},
  setLag: () => {},
  clearLag: () => {},
  setAssignedPartitions: () => {},
  setBufferedBytes: () => {},
  observeCommit: () => {},
  lastCommit: () => {},
  schemaEvolution: () => {},
  offsetsLostToRetention: () => {},
  error: () => {},
  rowChanges: () => {},
  keyIndexSize: () => {},
  keyIndexRebuilt: () => {},
  stageSeconds: () => {},
};
