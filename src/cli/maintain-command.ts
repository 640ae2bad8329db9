// `floe maintain <connector|table>`: one-off maintenance of a connector's
// tables (those that exist) or of one table, with the steps and table
// properties of the worker's background maintenance: compaction (a validated
// `replace` commit), snapshot expiry, and on request orphan file removal.
// --dry-run plans and prints, changing nothing. Exit 0 when done, 1 on an
// error (an unknown connector, a missing table: one line), 130 when a signal
// stopped it (at the next check: between tables, steps and compaction groups).
import type { Catalog, TableIdentifier } from '../catalog/catalog.ts';
import { formatTableIdentifier, parseTableIdentifier } from '../catalog/table-identifier.ts';
import { type ConnectorConfig, connectorTables } from '../config/connector-config.ts';
import { FloeError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { closeSharedParquetEncoderPool } from '../parquet/parquet-encoder-pool.ts';
import type { ProgressMode } from './backfill-command.ts';
import { loadConfig } from './load-config.ts';
import {
  describeStep,
  type MaintainStep,
  STEP_ORDER,
  type StepSummary,
  summaryJson,
  summaryLines,
} from './maintain-report.ts';
import { runMaintainStep } from './maintain-steps.ts';
import { StepBar } from './progress-bars.ts';
import { buildCatalog, buildFileIO } from './runtime-factory.ts';
import { parseDuration } from './tables-command.ts';

export interface MaintainOptions {
  readonly config: string;
  readonly compact?: boolean;
  readonly expire?: boolean;
  readonly removeOrphans?: boolean;
  /** Orphans' safety age (3d when absent); only with removeOrphans. */
  readonly olderThan?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly progress?: ProgressMode;
}

export const DEFAULT_ORPHAN_AGE = '3d';

/** The steps the flags ask for, in the order they run; none: compaction and expiry. */
export function maintainSteps(options: Omit<MaintainOptions, 'config'>): MaintainStep[] {
  if (options.olderThan !== undefined && options.removeOrphans !== true)
    throw new FloeError('--older-than is the safety age of --remove-orphans: pass both, or neither');
  const asked = new Set<MaintainStep>();
  if (options.compact) asked.add('compact');
  if (options.expire) asked.add('expire');
  if (options.removeOrphans) asked.add('orphans');
  if (asked.size === 0) return ['compact', 'expire'];
  return STEP_ORDER.filter((step) => asked.has(step));
}

/**
 * The tables a target names: a connector's tables that exist (as `floe tables`
 * finds them; routed tables not created yet are left out), or one table by
 * its identifier. An unknown connector, or no such table, is an error naming it.
 */
export async function resolveTargets(
  target: string,
  connectors: readonly ConnectorConfig[],
  catalog: Pick<Catalog, 'tableExists'>,
  connectorsDir: string,
): Promise<{ tables: TableIdentifier[]; notCreated: string[] }> {
  const connector = connectors.find((c) => c.name === target);
  if (connector !== undefined) {
    const tables: TableIdentifier[] = [];
    const notCreated: string[] = [];
    for (const name of connectorTables(connector)) {
      const id = parseTableIdentifier(name);
      if (await catalog.tableExists(id)) tables.push(id);
      else notCreated.push(name);
    }
    if (tables.length === 0)
      throw new FloeError(
        `connector ${target}: ${notCreated.length === 1 ? `its table ${notCreated[0]} does not exist` : `none of its tables exists (${notCreated.join(', ')})`} yet; nothing to maintain`,
        { connector: target },
      );
    return { tables, notCreated };
  }
  if (!target.includes('.'))
    throw new FloeError(
      `no connector named '${target}' in ${connectorsDir} (known: ${connectors.map((c) => c.name).join(', ') || 'none'}), and '${target}' is not a table identifier (namespace.table)`,
      { connector: target },
    );
  const id = parseTableIdentifier(target);
  if (!(await catalog.tableExists(id)))
    throw new FloeError(`table ${formatTableIdentifier(id)} does not exist`, { table: target });
  return { tables: [id], notCreated: [] };
}

export async function maintainCommand(
  target: string,
  options: MaintainOptions,
  print: (line: string) => void,
  /** A logger instead of the worker file's (stderr); a signal that stops it as SIGINT does (tests). */
  deps: { readonly log?: Logger; readonly signal?: AbortSignal } = {},
): Promise<number> {
  const steps = maintainSteps(options);
  const olderThan = options.olderThan ?? DEFAULT_ORPHAN_AGE;
  const olderThanMs = parseDuration(olderThan, '--older-than');
  const dryRun = options.dryRun ?? false;
  const json = options.json ?? false;
  const mode = options.progress ?? 'auto';
  const bars = usesBars(mode, json, process.stdout.isTTY === true);
  const { worker, connectors } = loadConfig(options.config);
  // stdout carries the plan and the summary; log lines go to stderr (only warnings under bars).
  const logger =
    deps.log ?? createLogger({ level: bars ? 'warn' : worker.log.level, destination: process.stderr });
  const io = buildFileIO(worker, logger);
  const stop = new AbortController();
  deps.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn(`second ${signal}: exiting at once`);
      process.exit(130);
    }
    logger.info(`${signal}: stopping floe maintain at the next check`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let catalog: Catalog | undefined;
  const done: StepSummary[] = [];
  const held: string[] = [];
  let progress: MaintainProgress | undefined;
  // Under bars every other line waits until the bar is gone; with --json only the summary is printed.
  const out = (line: string) => {
    if (json) return;
    if (progress?.drawsOnStdout) held.push(line);
    else print(line);
  };
  try {
    catalog = await buildCatalog(worker, io, logger);
    const { tables, notCreated } = await resolveTargets(target, connectors, catalog, worker.connectorsDir);
    for (const name of notCreated) out(`${target} -> ${name}: not created yet, skipped`);
    progress = maintainProgress(mode, tables.length * steps.length, logger, bars);
    for (const id of tables) {
      for (const step of steps) {
        if (stop.signal.aborted) break;
        progress.started(formatTableIdentifier(id), step);
        const summary = await runMaintainStep(step, id, {
          catalog,
          io,
          log: logger,
          dryRun,
          olderThan,
          olderThanMs,
          signal: stop.signal,
          out,
        });
        done.push(summary);
        progress.done(summary);
      }
    }
  } finally {
    progress?.finish();
    for (const line of held) print(line);
    // No summary when the command failed before its first step (the error says why).
    const interrupted = stop.signal.aborted;
    if (progress !== undefined && json) print(summaryJson(done, interrupted));
    else if (progress !== undefined) for (const line of summaryLines(done, interrupted)) print(line);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await catalog?.close().catch(() => undefined);
    await closeSharedParquetEncoderPool();
  }
  return stop.signal.aborted ? 130 : 0;
}

// Progress, as `floe backfill` shows its own: a bar over the steps on a terminal
// (`bar`), a JSON log line per step started and done otherwise (`log`), or
// nothing (`none`).
export interface MaintainProgress {
  /** Whether it draws on stdout (then the command holds its other lines until finish). */
  readonly drawsOnStdout: boolean;
  started(table: string, step: MaintainStep): void;
  done(summary: StepSummary): void;
  finish(): void;
}

/** Bars when the mode says so, or on a terminal under `auto` (unless stdout carries JSON). */
export function usesBars(mode: ProgressMode, json: boolean, isTTY: boolean): boolean {
  return mode === 'bar' || (mode === 'auto' && isTTY && !json);
}

export function maintainProgress(
  mode: ProgressMode,
  steps: number,
  log: Logger,
  bars: boolean,
): MaintainProgress {
  if (bars) {
    const bar = new StepBar(steps, process.stdout);
    return {
      drawsOnStdout: true,
      started: (table, step) => bar.working(`${table} ${step}`),
      done: (s) => bar.done(`${s.table} ${s.step}: ${describeStep(s)}`),
      finish: () => bar.stop(),
    };
  }
  if (mode === 'none') return { drawsOnStdout: false, started() {}, done() {}, finish() {} };
  return {
    drawsOnStdout: false,
    started: (table, step) => log.info(`maintain: ${step} started`, { table }),
    done: (s) => log.info(`maintain: ${s.step} ${s.dryRun ? 'planned' : 'done'}`, { ...s }),
    finish() {},
  };
}
