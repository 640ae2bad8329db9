// One sample of a table's health, read as any reader would: manifests in the
// current manifest list, live data files and their average size, snapshots,
// the current metadata.json's size, and the worker's commit latency since the
// last sample (from its /metrics). PyIceberg's full scan is timed separately
// (pyiceberg-scan.ts): it is the slow part.
import type { Catalog, TableIdentifier } from '../../src/catalog/catalog.ts';
import { decodeManifest } from '../../src/iceberg/manifest.ts';
import { ENTRY_STATUS } from '../../src/iceberg/manifest-entry.ts';
import { decodeManifestList } from '../../src/iceberg/manifest-list.ts';
import { branchHead } from '../../src/iceberg/table-metadata.ts';
import type { FileIO } from '../../src/io/file-io.ts';

export interface HealthSample {
  readonly minute: number;
  readonly records: number;
  readonly snapshots: number;
  readonly manifests: number;
  readonly dataFiles: number;
  readonly avgFileBytes: number;
  /** Partitions holding at least one live data file. */
  readonly partitions: number;
  /** Live data files of the partition holding the most. */
  readonly maxPartitionFiles: number;
  readonly metadataJsonBytes: number;
  readonly commits: number;
  /** Mean commit duration over the commits since the previous sample (ms). */
  readonly commitMs: number | undefined;
  readonly produced: number;
}

export interface CommitCounter {
  readonly count: number;
  readonly sumSeconds: number;
}

/** floe_commit_duration_seconds count and sum, over all tables, from the Prometheus text. */
export async function readCommitCounter(metricsUrl: string): Promise<CommitCounter | undefined> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    let count = 0;
    let sumSeconds = 0;
    for (const line of text.split('\n')) {
      const value = Number(line.split(' ').at(-1));
      if (line.startsWith('floe_commit_duration_seconds_count')) count += value;
      else if (line.startsWith('floe_commit_duration_seconds_sum')) sumSeconds += value;
    }
    return { count, sumSeconds };
  } catch {
    return undefined;
  }
}

export async function sampleTable(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
  extra: { minute: number; produced: number; before?: CommitCounter; after?: CommitCounter },
): Promise<HealthSample | undefined> {
  let loaded: Awaited<ReturnType<Catalog['loadTable']>>;
  try {
    loaded = await catalog.loadTable(id);
  } catch {
    return undefined;
  }
  const { metadata, metadataLocation } = loaded;
  const head = branchHead(metadata, 'main');
  const summary = head?.summary ?? {};
  const manifests = head ? decodeManifestList(await io.read(head.manifestList)) : [];
  const dataFiles = Number(summary['total-data-files'] ?? 0);
  const perPartition = await filesPerPartition(io, manifests);
  const { before, after } = extra;
  const commits = after && before ? after.count - before.count : 0;
  return {
    minute: extra.minute,
    records: Number(summary['total-records'] ?? 0),
    snapshots: metadata.snapshots.length,
    manifests: manifests.length,
    dataFiles,
    avgFileBytes: dataFiles === 0 ? 0 : Number(summary['total-files-size'] ?? 0) / dataFiles,
    partitions: perPartition.size,
    maxPartitionFiles: Math.max(0, ...perPartition.values()),
    metadataJsonBytes: (await io.read(metadataLocation)).length,
    commits,
    commitMs: commits > 0 ? ((after!.sumSeconds - before!.sumSeconds) / commits) * 1000 : undefined,
    produced: extra.produced,
  };
}

/** Live data files per partition (its tuple as JSON), from the current snapshot's data manifests. */
async function filesPerPartition(
  io: FileIO,
  manifests: ReturnType<typeof decodeManifestList>,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const key = (tuple: readonly unknown[]) =>
    JSON.stringify(tuple, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  for (const m of manifests) {
    if (m.content !== 0 || m.addedFilesCount + m.existingFilesCount === 0) continue;
    for (const entry of decodeManifest(await io.read(m.manifestPath)).entries) {
      if (entry.status === ENTRY_STATUS.DELETED) continue;
      const k = key(entry.dataFile.partition);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return counts;
}

const pad = (text: string, width: number) => text.padStart(width);

export function formatSampleHeader(): string {
  return `${pad('min', 4)} ${pad('records', 9)} ${pad('snapshots', 9)} ${pad('manifests', 9)} ${pad('files', 7)} ${pad('avg KB', 8)} ${pad('parts', 5)} ${pad('max/part', 8)} ${pad('meta KB', 8)} ${pad('commits', 7)} ${pad('commit ms', 9)} ${pad('lag', 7)}`;
}

export function formatSample(s: HealthSample): string {
  return `${pad(String(s.minute), 4)} ${pad(String(s.records), 9)} ${pad(String(s.snapshots), 9)} ${pad(String(s.manifests), 9)} ${pad(String(s.dataFiles), 7)} ${pad((s.avgFileBytes / 1024).toFixed(1), 8)} ${pad(String(s.partitions), 5)} ${pad(String(s.maxPartitionFiles), 8)} ${pad((s.metadataJsonBytes / 1024).toFixed(1), 8)} ${pad(String(s.commits), 7)} ${pad(s.commitMs === undefined ? '-' : s.commitMs.toFixed(0), 9)} ${pad(String(s.produced - s.records), 7)}`;
}
