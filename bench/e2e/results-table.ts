// The benchmark's one table (Markdown, so it pastes into docs/benchmarks.md as is).
import type { StageSeconds } from './floe-run.ts';
import type { ShapeName } from './record-shapes.ts';
import type { Storage } from './table-progress.ts';

export type SystemName = 'floe run' | 'floe backfill' | 'kafka-connect';

export interface RunResult {
  readonly shape: ShapeName;
  readonly storage: Storage;
  readonly system: SystemName;
  readonly records: number;
  /** Kafka record values (wire-format header + Avro body). */
  readonly valueBytes: number;
  /** Spawn until the commit that made every record visible. */
  readonly seconds: number;
  /** Spawn until the first commit. */
  readonly firstCommitSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
  readonly commits: number;
  readonly dataFiles: number;
  readonly dataBytes: number;
  /** Records the table holds at the end (must equal `records`). */
  readonly tableRecords: number;
  /** The worker's floe_stage_seconds_total once everything was committed (`floe run` only). */
  readonly stages?: StageSeconds;
  /** Spawn until floe_records_consumed_total reached `records` (`floe run`; polled every 0.5 s). */
  readonly consumedSeconds?: number;
}

const MB = 1e6;
const GB = 1e9;

const fixed = (n: number, digits: number) => n.toFixed(digits);
const grouped = (n: number) => Math.round(n).toLocaleString('en-US');

export function recordsPerSecond(r: RunResult): number {
  return r.records / r.seconds;
}

export function cpuSecondsPerGb(r: RunResult): number {
  return r.cpuSeconds / (r.valueBytes / GB);
}

function peerOf(r: RunResult, all: readonly RunResult[]): RunResult | undefined {
  if (r.system === 'kafka-connect') return undefined;
  return all.find((p) => p.system === 'kafka-connect' && p.shape === r.shape && p.storage === r.storage);
}

export function formatResultsTable(results: readonly RunResult[]): string {
  const header = [
    'shape',
    'storage',
    'system',
    'records',
    'seconds',
    'first commit s',
    'records/s',
    'MB/s',
    'CPU s',
    'CPU s/GB',
    'peak RSS MB',
    'commits',
    'files',
    'Parquet MB',
    'floe ÷ peer (records/s)',
  ];
  const rows = results.map((r) => {
    const peer = peerOf(r, results);
    const complete = r.tableRecords === r.records ? '' : ` (table holds ${r.tableRecords}!)`;
    return [
      r.shape,
      r.storage === 'local' ? 'local disk, SQLite' : 'S3, REST',
      r.system,
      grouped(r.records) + complete,
      fixed(r.seconds, 1),
      fixed(r.firstCommitSeconds, 1),
      grouped(recordsPerSecond(r)),
      fixed(r.valueBytes / MB / r.seconds, 1),
      fixed(r.cpuSeconds, 1),
      fixed(cpuSecondsPerGb(r), 0),
      fixed(r.peakRssBytes / MB, 0),
      String(r.commits),
      String(r.dataFiles),
      fixed(r.dataBytes / MB, 1),
      peer ? `${fixed(recordsPerSecond(r) / recordsPerSecond(peer), 2)}×` : '',
    ];
  });
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One sentence per floe run that has a peer: throughput, CPU per GB and memory ratios. */
export function formatPeerComparison(results: readonly RunResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const peer = peerOf(r, results);
    if (peer === undefined) continue;
    lines.push(
      `${r.shape} on ${r.storage}: ${r.system} ${fixed(recordsPerSecond(r) / recordsPerSecond(peer), 2)}× the peer's records/s, ` +
        `${fixed(cpuSecondsPerGb(r) / cpuSecondsPerGb(peer), 2)}× its CPU s/GB, ` +
        `${fixed(r.peakRssBytes / peer.peakRssBytes, 2)}× its peak RSS`,
    );
  }
  return lines;
}
