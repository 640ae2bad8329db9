// Which data files to rewrite (pure; no I/O, no clock: the caller passes `nowMs`).
// Per partition (of one spec), the small files (below a fraction of
// write.target-file-size-bytes) are bin-packed, oldest first, into groups whose
// input adds up to at most the target; each group becomes one new file. A
// partition is compacted once it has gone quiet (no file added for `quietMs`),
// or while it still receives data once it holds more than
// `maxFilesPerActivePartition` small files (then size-tiered: see tier()), so
// the file count stays bounded either way. Files whose deleted fraction is high
// (`deleteRatioThreshold`, or `deleteFileThreshold` delete files) are rewritten
// whatever their size, quiet or not: the rewrite leaves the deleted rows out.
// Files a delete floe does not apply may reach are left alone (blocked). A keyed
// table's files are grouped per Kafka partition they are attributed to (their
// name's ending), so a group never mixes two partitions' files.

export interface PlanFile {
  readonly path: string;
  readonly specId: number;
  /** A stable key of the partition tuple (equal tuples, equal keys). */
  readonly partitionKey: string;
  readonly sizeBytes: number;
  readonly recordCount: number;
  readonly dataSequenceNumber: number;
  /** Timestamp of the snapshot that added the file. */
  readonly addedAtMs: number;
  /** A delete file that floe does not apply may apply to it: left as it is. */
  readonly blocked: boolean;
  /** File-scoped position-delete files and deletion vectors that apply to it (a rewrite applies and drops them). */
  readonly deleteFiles: number;
  /** Rows those delete (their record counts, at most the file's). */
  readonly deletedRecords: number;
  /** The name ending attributing it to a Kafka partition (keyed tables), kept by the rewrite. */
  readonly attribution?: string;
}

export interface CompactionPlanOptions {
  readonly targetFileSizeBytes: number;
  /** A file below targetFileSizeBytes * smallFileRatio is small (default 0.75). */
  readonly smallFileRatio?: number;
  /** A partition needs this many small files to be worth a rewrite (default 5). */
  readonly minInputFiles?: number;
  /** A partition with no file added for this long is quiet (default 10 minutes). */
  readonly quietMs?: number;
  /** A partition still receiving data is compacted when it holds more small files than this (default 8). */
  readonly maxFilesPerActivePartition?: number;
  /** A file with at least this fraction of its rows deleted is rewritten whatever its size (default 0.3). */
  readonly deleteRatioThreshold?: number;
  /** A file with at least this many delete files applying is rewritten whatever its size (default: no limit). */
  readonly deleteFileThreshold?: number;
  /** Input bytes over all groups of one plan at most (the memory budget of a run); default unbounded. */
  readonly maxInputBytes?: number;
  readonly nowMs: number;
}

export interface CompactionGroup {
  readonly specId: number;
  readonly partitionKey: string;
  /** The attribution ending every file of the group has, which the new files get too. */
  readonly attribution?: string;
  readonly files: readonly PlanFile[];
  readonly inputBytes: number;
  readonly recordCount: number;
  /** Why the partition was compacted. */
  readonly reason: 'quiet' | 'too-many-files' | 'deletes';
}

export const COMPACTION_DEFAULTS = {
  smallFileRatio: 0.75,
  minInputFiles: 5,
  quietMs: 10 * 60_000,
  maxFilesPerActivePartition: 8,
  deleteRatioThreshold: 0.3,
} as const;

export function planCompaction(
  files: readonly PlanFile[],
  options: CompactionPlanOptions,
): CompactionGroup[] {
  const ratio = options.smallFileRatio ?? COMPACTION_DEFAULTS.smallFileRatio;
  const minInputFiles = Math.max(2, options.minInputFiles ?? COMPACTION_DEFAULTS.minInputFiles);
  const quietMs = options.quietMs ?? COMPACTION_DEFAULTS.quietMs;
  const activeBound = options.maxFilesPerActivePartition ?? COMPACTION_DEFAULTS.maxFilesPerActivePartition;
  const target = Math.max(1, options.targetFileSizeBytes);
  const smallBelow = target * ratio;
  const budget = options.maxInputBytes ?? Number.POSITIVE_INFINITY;
  // A group never exceeds the run's budget either (a sorted table's group is held in memory whole).
  const binBytes = Math.min(target, budget);

  const ratioLimit = options.deleteRatioThreshold ?? COMPACTION_DEFAULTS.deleteRatioThreshold;
  const fileLimit = options.deleteFileThreshold ?? Number.POSITIVE_INFINITY;
  const manyDeletes = (f: PlanFile) =>
    f.deleteFiles > 0 &&
    (f.deleteFiles >= fileLimit || f.deletedRecords >= ratioLimit * Math.max(1, f.recordCount));

  const partitions = new Map<string, PlanFile[]>();
  for (const file of files) {
    const key = `${file.specId}/${file.partitionKey}/${file.attribution ?? ''}`;
    const list = partitions.get(key);
    if (list === undefined) partitions.set(key, [file]);
    else list.push(file);
  }

  const groups: CompactionGroup[] = [];
  const add = (bin: readonly PlanFile[], reason: CompactionGroup['reason']) => {
    const first = bin[0]!;
    groups.push({
      specId: first.specId,
      partitionKey: first.partitionKey,
      ...(first.attribution === undefined ? {} : { attribution: first.attribution }),
      files: bin,
      inputBytes: bin.reduce((n, f) => n + f.sizeBytes, 0),
      recordCount: bin.reduce((n, f) => n + f.recordCount, 0),
      reason,
    });
  };
  for (const partitionFiles of partitions.values()) {
    const newest = Math.max(...partitionFiles.map((f) => f.addedAtMs));
    const quiet = options.nowMs - newest >= quietMs;
    const usable = partitionFiles.filter((f) => !f.blocked);
    const heavy = usable.filter(manyDeletes);
    const small = usable.filter((f) => f.sizeBytes < smallBelow && !manyDeletes(f));
    const smallDue = small.length >= minInputFiles && (quiet || small.length > activeBound);
    if (quiet && (smallDue || heavy.length > 0)) {
      // Packed together; a bin is worth it with two files or one whose deletes it drops.
      for (const bin of binPack([...small, ...heavy], binBytes))
        if (bin.length >= 2 || bin.some(manyDeletes)) add(bin, heavy.length > 0 ? 'deletes' : 'quiet');
      continue;
    }
    for (const bin of binPack(heavy, binBytes)) add(bin, 'deletes');
    if (smallDue) {
      const bin = tier(small, binBytes);
      if (bin.length >= 2) add(bin, 'too-many-files');
    }
  }
  // The partitions with the most small files first, so a budget goes where it helps most.
  groups.sort((a, b) => b.files.length - a.files.length || a.partitionKey.localeCompare(b.partitionKey));
  return withinBudget(groups, budget);
}

/**
 * The files of a partition that still receives data worth rewriting now: the
 * smallest first, each next one only while it is no larger than all the smaller
 * ones together. A file that grew from earlier rewrites waits until the new small
 * files add up to its size, so a row is rewritten a logarithmic number of times
 * while the partition is active, not once per run (bin-packing all of it would
 * rewrite the whole partition every time).
 */
function tier(files: readonly PlanFile[], target: number): PlanFile[] {
  const bySize = [...files].sort((a, b) => a.sizeBytes - b.sizeBytes || (a.path < b.path ? -1 : 1));
  const chosen: PlanFile[] = [];
  let bytes = 0;
  for (const file of bySize) {
    if (chosen.length >= 2 && file.sizeBytes > bytes) break;
    if (bytes + file.sizeBytes > target) break;
    chosen.push(file);
    bytes += file.sizeBytes;
  }
  return chosen;
}

/** Oldest first (data sequence number, then path), each bin filled up to `target` input bytes. */
function binPack(files: readonly PlanFile[], target: number): PlanFile[][] {
  const ordered = [...files].sort(
    (a, b) => a.dataSequenceNumber - b.dataSequenceNumber || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  const bins: PlanFile[][] = [];
  let bin: PlanFile[] = [];
  let bytes = 0;
  for (const file of ordered) {
    if (bin.length > 0 && bytes + file.sizeBytes > target) {
      bins.push(bin);
      bin = [];
      bytes = 0;
    }
    bin.push(file);
    bytes += file.sizeBytes;
  }
  if (bin.length > 0) bins.push(bin);
  return bins;
}

function withinBudget(groups: readonly CompactionGroup[], budget: number): CompactionGroup[] {
  const chosen: CompactionGroup[] = [];
  let used = 0;
  for (const group of groups) {
    if (chosen.length > 0 && used + group.inputBytes > budget) continue;
    chosen.push(group);
    used += group.inputBytes;
  }
  return chosen;
}
