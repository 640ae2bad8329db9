// What `floe maintain` prints: the plan of a dry run (files and bytes a
// compaction would rewrite per partition) and, at the end, one summary row per
// table and step (text or JSON). Pure: the command hands it the figures.

export type MaintainStep = 'compact' | 'expire' | 'orphans';

/** The order a table's steps run in: compaction first, so expiry can remove the snapshots it replaced. */
export const STEP_ORDER: readonly MaintainStep[] = ['compact', 'expire', 'orphans'];

export interface CompactFigures {
  readonly step: 'compact';
  /** Partitions with at least one group (per partition spec): known to a dry run's plan. */
  readonly partitions?: number;
  /** Groups planned; each becomes about one new file. */
  readonly groups: number;
  readonly filesRewritten: number;
  /** Files written (0 on a dry run: nothing is written). */
  readonly filesAdded: number;
  readonly bytesRewritten: number;
  readonly bytesWritten: number;
  /** Position-delete files and deletion vectors removed with the files they applied to. */
  readonly deleteFilesRemoved: number;
  readonly records: number;
}

export interface ExpireFigures {
  readonly step: 'expire';
  readonly snapshotsExpired: number;
  /** Snapshots the table has after the step. */
  readonly snapshotsKept: number;
  readonly refsRemoved: number;
  /** Data and delete files. */
  readonly dataFilesDeleted: number;
  readonly manifestsDeleted: number;
  readonly manifestListsDeleted: number;
  readonly statisticsFilesDeleted: number;
}

export interface OrphanFigures {
  readonly step: 'orphans';
  readonly filesListed: number;
  readonly orphans: number;
  readonly orphanBytes: number;
  /** Orphans deleted (0 on a dry run). */
  readonly orphansRemoved: number;
  /** Unreferenced files younger than --older-than: kept. */
  readonly youngerKept: number;
}

export type StepSummary = {
  readonly table: string;
  readonly dryRun: boolean;
  readonly seconds: number;
  /** Why the step did nothing, when it did nothing. */
  readonly skipped?: string;
} & (CompactFigures | ExpireFigures | OrphanFigures);

/** A planned compaction group, reduced to what the plan prints. */
export interface PlannedGroup {
  /** The partition's directory form (`id_bucket=3`), '' when unpartitioned. */
  readonly partition: string;
  readonly files: number;
  readonly bytes: number;
  readonly records: number;
  readonly reason: string;
}

/** One line per partition a compaction would rewrite (groups of a partition together). */
export function compactionPlanLines(table: string, groups: readonly PlannedGroup[]): string[] {
  const byPartition = new Map<string, PlannedGroup[]>();
  for (const group of groups)
    byPartition.set(group.partition, [...(byPartition.get(group.partition) ?? []), group]);
  return [...byPartition]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([partition, list]) => {
      const files = list.reduce((n, g) => n + g.files, 0);
      const bytes = list.reduce((n, g) => n + g.bytes, 0);
      const records = list.reduce((n, g) => n + g.records, 0);
      const reasons = [...new Set(list.map((g) => g.reason))].join(', ');
      return (
        `${table} compact ${partition === '' ? '(unpartitioned)' : partition}: would rewrite ${count(files, 'file')} ` +
        `(${formatBytes(bytes)}, ${count(records, 'row')}) into ${count(list.length, 'file')} (${reasons})`
      );
    });
}

/** What a step did (or would do), in words. */
export function describeStep(s: StepSummary): string {
  if (s.skipped !== undefined) return `nothing to do: ${s.skipped}`;
  const would = (done: string, planned: string) => (s.dryRun ? `would ${planned}` : done);
  switch (s.step) {
    case 'compact': {
      const into = s.dryRun
        ? `about ${count(s.groups, 'file')}`
        : `${count(s.filesAdded, 'file')} (${formatBytes(s.bytesWritten)})`;
      const deletes =
        s.deleteFilesRemoved > 0 ? `, ${count(s.deleteFilesRemoved, 'delete file')} applied and removed` : '';
      const where = s.partitions === undefined ? '' : ` in ${count(s.partitions, 'partition')}`;
      return `${would('rewrote', 'rewrite')} ${count(s.filesRewritten, 'file')} (${formatBytes(s.bytesRewritten)}) into ${into}${where}${deletes}`;
    }
    case 'expire': {
      const files =
        s.dataFilesDeleted + s.manifestsDeleted + s.manifestListsDeleted + s.statisticsFilesDeleted;
      const refs = s.refsRemoved > 0 ? `, ${count(s.refsRemoved, 'ref')} removed` : '';
      return (
        `${would('expired', 'expire')} ${count(s.snapshotsExpired, 'snapshot')} (${s.snapshotsKept} kept${refs}), ` +
        `${would('deleted', 'delete')} ${count(files, 'file')}: ${s.dataFilesDeleted} data/delete, ` +
        `${s.manifestsDeleted} manifests, ${s.manifestListsDeleted} manifest lists, ${s.statisticsFilesDeleted} statistics`
      );
    }
    case 'orphans':
      return (
        `${would('removed', 'remove')} ${count(s.orphans, 'orphan')} (${formatBytes(s.orphanBytes)}) of ` +
        `${count(s.filesListed, 'file')} listed; ${s.youngerKept} unreferenced but younger kept`
      );
  }
}

/** The summary as aligned text rows: table, step, what it did, seconds. */
export function summaryLines(steps: readonly StepSummary[], interrupted = false): string[] {
  const dryRun = steps.some((s) => s.dryRun);
  const head = `summary${dryRun ? ' (dry run: nothing changed)' : ''}${interrupted ? ' (interrupted: the steps below ran)' : ''}`;
  if (steps.length === 0) return [head, '  no step ran'];
  const rows = steps.map((s) => [s.table, s.step, describeStep(s), `${s.seconds.toFixed(1)} s`] as const);
  const tableWidth = Math.max(...rows.map((r) => r[0].length));
  const stepWidth = Math.max(...rows.map((r) => r[1].length));
  return [
    head,
    ...rows.map((r) => `  ${r[0].padEnd(tableWidth)}  ${r[1].padEnd(stepWidth)}  ${r[2]}  ${r[3]}`),
  ];
}

/** The summary as one JSON document (`--json`). */
export function summaryJson(steps: readonly StepSummary[], interrupted = false): string {
  return JSON.stringify(
    {
      dryRun: steps.some((s) => s.dryRun),
      interrupted,
      steps: steps.map((s) => ({ ...s, seconds: round(s.seconds) })),
    },
    null,
    2,
  );
}

/** 1.5 KiB, 12.0 MiB, ... (binary units, as the table properties count bytes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
