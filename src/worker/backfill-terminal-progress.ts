// A bar per topic with records, MB/s and ETA, redrawn in place on a terminal.
// Stand-in until cli-progress is a dependency: it implements the same
// ProgressReporter interface, so swapping it is local to `floe backfill`.
import type { ProgressReporter, ProgressSnapshot, TopicProgress } from './backfill-progress.ts';

const WIDTH = 28;

export class TerminalProgressReporter implements ProgressReporter {
  readonly intervalMs: number;
  readonly #out: NodeJS.WritableStream;
  #drawn = 0;

  constructor(out: NodeJS.WritableStream, intervalMs = 250) {
    this.#out = out;
    this.intervalMs = intervalMs;
  }

  update(snapshot: ProgressSnapshot): void {
    const nameWidth = Math.max(...snapshot.topics.map((t) => t.topic.length), 5);
    const lines = snapshot.topics.map((t) => topicLine(t, nameWidth));
    lines.push(`${formatDuration(snapshot.elapsedSeconds)} elapsed, ${snapshot.commits} commits`);
    // Up to the first line drawn last time, then each line cleared and rewritten.
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    this.#out.write(`${up}${lines.map((line) => `\r\x1b[2K${line}\n`).join('')}`);
    this.#drawn = lines.length;
  }

  finish(snapshot: ProgressSnapshot): void {
    this.update(snapshot);
    this.#drawn = 0;
  }
}

function topicLine(t: TopicProgress, nameWidth: number): string {
  const ratio = t.offsetsTotal === 0 ? 1 : Math.min(1, t.offsetsDone / t.offsetsTotal);
  const filled = Math.round(ratio * WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  const eta = t.etaSeconds === undefined ? '--:--' : formatDuration(t.etaSeconds);
  return (
    `${t.topic.padEnd(nameWidth)} ${bar} ${percent} ` +
    `${t.records.toLocaleString('en-US')} records  ${t.recordsPerSecond.toLocaleString('en-US')}/s  ` +
    `${t.megabytesPerSecond.toFixed(1)} MB/s  ETA ${eta}  ${t.partitionsDone}/${t.partitions} partitions`
  );
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
