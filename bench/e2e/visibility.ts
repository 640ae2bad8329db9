// When each produced record became visible to readers: the first snapshot on
// main whose committed offsets (floe.offsets.<connector> in its summary) pass
// the record's offset. Its latency is that snapshot's timestamp-ms (the commit's
// own time, taken by floe just before the catalog accepts it; same clock as the
// producer) minus the record's produce time.
import { ancestors, branchHead, type TableMetadata } from '../../src/iceberg/table-metadata.ts';
import { offsetsProperty, parseOffsets } from '../../src/worker/commit/table-offsets.ts';

export interface LatencySummary {
  readonly records: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly commits: number;
}

export class VisibilityTracker {
  readonly #topic: string;
  readonly #connector: string;
  /** Per partition: how many of its records are visible so far. */
  readonly #visible: number[];
  readonly #seen = new Set<bigint>();
  /** Latency (ms) per record, by partition and offset; NaN until visible. */
  readonly #latency: Float64Array[];
  readonly #sentAt: readonly number[][];

  constructor(topic: string, connector: string, sentAt: readonly number[][]) {
    this.#topic = topic;
    this.#connector = connector;
    this.#sentAt = sentAt;
    this.#visible = sentAt.map(() => 0);
    this.#latency = sentAt.map((times) => new Float64Array(times.length).fill(Number.NaN));
  }

  /** Takes the snapshots of main not seen yet, oldest first. */
  observe(metadata: TableMetadata): void {
    const head = branchHead(metadata, 'main');
    if (head === undefined) return;
    const fresh = ancestors(metadata, head.snapshotId)
      .filter((s) => !this.#seen.has(s.snapshotId))
      .sort((a, b) => a.timestampMs - b.timestampMs);
    for (const snapshot of fresh) {
      this.#seen.add(snapshot.snapshotId);
      const text = snapshot.summary?.[offsetsProperty(this.#connector)];
      if (text === undefined) continue;
      const offsets = parseOffsets(text, `snapshot ${snapshot.snapshotId}`).get(this.#topic);
      for (const [partition, next] of offsets ?? []) {
        const sent = this.#sentAt[partition];
        const latency = this.#latency[partition];
        if (sent === undefined || latency === undefined) continue;
        const upTo = Math.min(Number(next), sent.length);
        for (let k = this.#visible[partition]!; k < upTo; k++) latency[k] = snapshot.timestampMs - sent[k]!;
        this.#visible[partition] = Math.max(this.#visible[partition]!, upTo);
      }
    }
  }

  get visibleRecords(): number {
    return this.#visible.reduce((a, b) => a + b, 0);
  }

  /** Percentiles over the records produced at or after `fromMs` (earlier ones warm the worker up). */
  summary(fromMs: number): LatencySummary {
    const values: number[] = [];
    this.#latency.forEach((latency, partition) => {
      const sent = this.#sentAt[partition]!;
      for (let k = 0; k < latency.length; k++) {
        if (sent[k]! >= fromMs && !Number.isNaN(latency[k]!)) values.push(latency[k]!);
      }
    });
    const sorted = Float64Array.from(values).sort();
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    return {
      records: sorted.length,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: sorted.at(-1) ?? Number.NaN,
      commits: this.#seen.size,
    };
  }
}
