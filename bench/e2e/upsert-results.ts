// The upsert shape's figures (upsert-run.ts) as one Markdown table per run, so
// they paste into docs/benchmarks.md as printed.
import type { Storage } from './table-progress.ts';
import type { ChangeCounts } from './upsert-workload.ts';

export interface UpsertPhase {
  readonly phase: 'load' | 'changes' | 'rebuild';
  /** The records of the phase by kind (rebuild: the one new key per partition that triggers it). */
  readonly counts: ChangeCounts;
  /** load: spawn (the load is produced meanwhile) to its last commit; changes: start of producing them to their last commit; rebuild: the rebuilds' own seconds. */
  readonly wallSeconds: number;
  /** 1-minute load average at the start and the end of the phase. */
  readonly loadStart: number;
  readonly loadEnd: number;
  /** floe's CPU (user + system, every thread) in the phase; rebuild: the whole restarted process. */
  readonly cpuSeconds: number;
  /** VmHWM of the process so far. */
  readonly peakRssBytes: number;
  /** floe_key_index_keys summed over the partitions (rebuild: floe_key_index_rebuild_keys_total). */
  readonly indexKeys: number;
  /** Resident pages of the LMDB file mapped into floe. */
  readonly indexResidentBytes: number;
  /** The LMDB file's allocated size on disk. */
  readonly indexFileBytes: number;
  /** floe_nodejs_heap_size_used_bytes at the end of the phase. */
  readonly heapBytes: number;
  readonly note: string;
}

export interface UpsertResult {
  readonly storage: Storage;
  readonly formatVersion: 2 | 3;
  readonly maintenance: boolean;
  readonly keys: number;
  readonly changes: number;
  readonly partitions: number;
  readonly phases: readonly UpsertPhase[];
  /** The table's live rows against the replay's live keys. */
  readonly checks: ReadonlyArray<{ what: string; expected: number; actual: number }>;
  readonly commits: number;
  readonly dataFiles: number;
}

const MB = 1e6;
const grouped = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function upsertChecksPass(result: UpsertResult): boolean {
  return result.checks.every((c) => c.expected === c.actual);
}

export function formatUpsertResult(r: UpsertResult): string {
  const header = [
    'phase',
    'changes',
    'inserts / updates / deletes',
    'wall s',
    'changes/s',
    'load avg (start-end)',
    'CPU s',
    'CPU µs/change',
    'peak RSS MB',
    'index keys',
    'index resident MB',
    'LMDB file MB',
    'JS heap MB',
  ];
  const rows = r.phases.map((p) => {
    const total = p.counts.inserts + p.counts.updates + p.counts.deletes;
    // A rebuild's rate and CPU are per key rebuilt.
    const per = p.phase === 'rebuild' ? p.indexKeys : total;
    return [
      p.phase === 'rebuild' ? 'rebuild (restart on the finished table)' : p.phase,
      grouped(total),
      `${grouped(p.counts.inserts)} / ${grouped(p.counts.updates)} / ${grouped(p.counts.deletes)}`,
      fixed(p.wallSeconds, 1),
      p.phase === 'rebuild' ? `${grouped(per / p.wallSeconds)} keys/s` : grouped(per / p.wallSeconds),
      `${fixed(p.loadStart, 1)}-${fixed(p.loadEnd, 1)}`,
      fixed(p.cpuSeconds, 1),
      p.phase === 'rebuild'
        ? `${fixed((p.cpuSeconds / per) * 1e6, 1)} per key (whole process)`
        : fixed((p.cpuSeconds / per) * 1e6, 1),
      fixed(p.peakRssBytes / MB, 0),
      grouped(p.indexKeys),
      fixed(p.indexResidentBytes / MB, 0),
      fixed(p.indexFileBytes / MB, 0),
      fixed(p.heapBytes / MB, 0),
    ];
  });
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const notes = r.phases.filter((p) => p.note !== '').map((p) => `- ${p.phase}: ${p.note}`);
  const checks = r.checks.map(
    (c) =>
      `- live rows ${c.what}: table ${grouped(c.actual)}, replay ${grouped(c.expected)} ${c.actual === c.expected ? '(equal)' : '(DIFFERENT)'}`,
  );
  return [
    `upsert, ${r.storage === 'local' ? 'local disk, SQLite' : 'S3, REST'}, format v${r.formatVersion}, maintenance ${r.maintenance ? 'on' : 'off'}: ` +
      `${grouped(r.keys)} keys loaded, then ${grouped(r.changes)} changes, ${r.partitions} partitions; ` +
      `${r.commits} commits, ${r.dataFiles} live data files at the end`,
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
    ...notes,
    ...checks,
  ].join('\n');
}
