// One step of `floe maintain` on one table, for real or as a dry run, with
// what it did as a StepSummary. The steps are the worker's own (compactTable,
// SnapshotExpiry, removeOrphanFiles) on the table's properties; a dry run plans
// with the same code (planTableCompaction, SnapshotExpiry.preview, orphan
// listing) and writes nothing.
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier } from '../catalog/table-identifier.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { partitionPath } from '../iceberg/partition-path.ts';
import { expiryPolicy, GC_ENABLED_PROPERTY, gcEnabled } from '../iceberg/snapshot-expiry.ts';
import { currentSchema, specById, type TableMetadata } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import type { Logger } from '../log.ts';
import { liveData } from '../maintenance/compaction-files.ts';
import { compactTable, planTableCompaction } from '../maintenance/compaction-run.ts';
import { SnapshotExpiry } from '../maintenance/expire-snapshots.ts';
import { removeOrphanFiles } from '../maintenance/orphan-files.ts';
import {
  type CompactFigures,
  compactionPlanLines,
  type ExpireFigures,
  type MaintainStep,
  type OrphanFigures,
  type StepSummary,
} from './maintain-report.ts';
import { orphanLines } from './tables-command.ts';

export interface StepContext {
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly log: Logger;
  readonly dryRun: boolean;
  /** --older-than as written, and in milliseconds. */
  readonly olderThan: string;
  readonly olderThanMs: number;
  readonly signal: AbortSignal;
  /** Detail lines (a dry run's plan, the orphans). */
  readonly out: (line: string) => void;
}

const GC_OFF = `table property ${GC_ENABLED_PROPERTY} is false (its files may belong to another table)`;

export async function runMaintainStep(
  step: MaintainStep,
  id: TableIdentifier,
  ctx: StepContext,
): Promise<StepSummary> {
  const started = performance.now();
  const figures = await (step === 'compact'
    ? compact(id, ctx)
    : step === 'expire'
      ? expire(id, ctx)
      : orphans(id, ctx));
  return {
    table: formatTableIdentifier(id),
    dryRun: ctx.dryRun,
    seconds: (performance.now() - started) / 1000,
    ...figures,
  };
}

type Figures<F> = F & { readonly skipped?: string };

const NO_COMPACTION: CompactFigures = {
  step: 'compact',
  groups: 0,
  filesRewritten: 0,
  filesAdded: 0,
  bytesRewritten: 0,
  bytesWritten: 0,
  deleteFilesRemoved: 0,
  records: 0,
};

async function compact(id: TableIdentifier, ctx: StepContext): Promise<Figures<CompactFigures>> {
  const table = formatTableIdentifier(id);
  if (!ctx.dryRun) {
    const r = await compactTable(ctx.catalog, ctx.io, id, { log: ctx.log, signal: ctx.signal });
    return {
      ...NO_COMPACTION,
      groups: r.groups,
      filesRewritten: r.filesRewritten,
      filesAdded: r.filesAdded,
      bytesRewritten: r.bytesRewritten,
      bytesWritten: r.bytesWritten,
      deleteFilesRemoved: r.deleteFilesRemoved ?? 0,
      records: r.records,
      ...(r.skipped !== undefined && r.groups === 0 ? { skipped: r.skipped } : {}),
    };
  }
  const { metadata } = await ctx.catalog.loadTable(id);
  const plan = await planTableCompaction(ctx.io, metadata, table, { nowMs: Date.now() });
  if (plan.skipped !== undefined) return { ...NO_COMPACTION, skipped: plan.skipped };
  const byPath = new Map(liveData(plan.files).map((e) => [e.dataFile.filePath, e.dataFile]));
  const groups = plan.groups.map((g) => ({
    partition: partitionLabel(metadata, byPath.get(g.files[0]!.path)!),
    files: g.files.length,
    bytes: g.inputBytes,
    records: g.recordCount,
    reason: g.reason,
  }));
  for (const line of compactionPlanLines(table, groups)) ctx.out(line);
  const paths = plan.groups.flatMap((g) => g.files.map((f) => f.path));
  return {
    ...NO_COMPACTION,
    partitions: new Set(plan.groups.map((g) => `${g.specId}/${g.partitionKey}`)).size,
    groups: plan.groups.length,
    filesRewritten: paths.length,
    bytesRewritten: groups.reduce((n, g) => n + g.bytes, 0),
    deleteFilesRemoved: paths.reduce((n, p) => n + (plan.planned.deletes.fileScoped.get(p)?.length ?? 0), 0),
    records: groups.reduce((n, g) => n + g.records, 0),
  };
}

/** `id_bucket=3/day=2024-01-02` as the file's directory reads; a readable key when the spec cannot say. */
function partitionLabel(metadata: TableMetadata, file: DataFile): string {
  try {
    return partitionPath(specById(metadata, file.specId), currentSchema(metadata), file.partition);
  } catch {
    const values = file.partition.map((v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v),
    );
    return `spec ${file.specId} (${values.join(', ')})`;
  }
}

async function expire(id: TableIdentifier, ctx: StepContext): Promise<Figures<ExpireFigures>> {
  const { metadata } = await ctx.catalog.loadTable(id);
  const nothing: ExpireFigures = {
    step: 'expire',
    snapshotsExpired: 0,
    snapshotsKept: metadata.snapshots.length,
    refsRemoved: 0,
    dataFilesDeleted: 0,
    manifestsDeleted: 0,
    manifestListsDeleted: 0,
    statisticsFilesDeleted: 0,
  };
  if (!gcEnabled(metadata.properties)) return { ...nothing, skipped: GC_OFF };
  const expiry = new SnapshotExpiry(ctx.catalog, ctx.io, { log: ctx.log });
  const r = ctx.dryRun ? await expiry.preview(id) : await expiry.expire(id);
  const figures: ExpireFigures = {
    step: 'expire',
    snapshotsExpired: r.snapshotsRemoved,
    snapshotsKept: r.snapshots,
    refsRemoved: r.refsRemoved,
    dataFilesDeleted: r.contentFilesDeleted,
    manifestsDeleted: r.manifestsDeleted,
    manifestListsDeleted: r.manifestListsDeleted,
    statisticsFilesDeleted: r.statisticsFilesDeleted,
  };
  if (r.snapshotsRemoved > 0 || r.refsRemoved > 0) return figures;
  const policy = expiryPolicy(metadata.properties);
  return {
    ...figures,
    skipped: `no snapshot past the table's retention (history.expire.max-snapshot-age-ms ${policy.maxSnapshotAgeMs}, min-snapshots-to-keep ${policy.minSnapshotsToKeep})`,
  };
}

async function orphans(id: TableIdentifier, ctx: StepContext): Promise<Figures<OrphanFigures>> {
  const { metadata } = await ctx.catalog.loadTable(id);
  if (!gcEnabled(metadata.properties))
    return {
      step: 'orphans',
      filesListed: 0,
      orphans: 0,
      orphanBytes: 0,
      orphansRemoved: 0,
      youngerKept: 0,
      skipped: GC_OFF,
    };
  const r = await removeOrphanFiles(ctx.catalog, ctx.io, id, {
    olderThanMs: ctx.olderThanMs,
    dryRun: ctx.dryRun,
    log: ctx.log,
  });
  for (const line of orphanLines(r, ctx.olderThan)) ctx.out(line);
  return {
    step: 'orphans',
    filesListed: r.listed,
    orphans: r.orphans.length,
    orphanBytes: r.orphans.reduce((n, f) => n + f.size, 0),
    orphansRemoved: r.removed,
    youngerKept: r.tooYoung,
  };
}
