// `floe maintain`'s progress, as `floe backfill` shows its own: a bar over the
// steps on a terminal (`bar`), a JSON log line per step started and done
// otherwise (`log`), or nothing (`none`).
import type { Logger } from '../log.ts';
import type { ProgressMode } from './backfill-command.ts';
import { describeStep, type MaintainStep, type StepSummary } from './maintain-report.ts';
import { StepBar } from './progress-bars.ts';

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
