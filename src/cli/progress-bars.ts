// `floe backfill` on a terminal: one cli-progress bar per topic with records,
// rate, MB/s and ETA (the numbers come from worker/backfill-progress.ts).
// `floe maintain` on a terminal: one bar over its steps (StepBar).
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import type {
  ProgressReporter,
  ProgressSnapshot,
  TopicProgress,
} from '../worker/backfill/backfill-progress.ts';

const FORMAT =
  '{topic} {bar} {percentage}% | {records} records | {rate}/s | {mbps} MB/s | ETA {eta_text} | {done}/{partitions} partitions';

function payload(t: TopicProgress, nameWidth: number) {
  return {
    topic: t.topic.padEnd(nameWidth),
    records: t.records.toLocaleString('en-US'),
    rate: t.recordsPerSecond.toLocaleString('en-US'),
    mbps: t.megabytesPerSecond.toFixed(1),
    eta_text: t.etaSeconds === undefined ? '--' : formatDuration(t.etaSeconds),
    done: t.partitionsDone,
    partitions: t.partitions,
  };
}

export class ProgressBars implements ProgressReporter {
  readonly intervalMs = 250;
  readonly #multibar: MultiBar;
  readonly #bars = new Map<string, SingleBar>();

  constructor(stream: NodeJS.WriteStream = process.stdout) {
    this.#multibar = new MultiBar(
      { format: FORMAT, stream, hideCursor: true, clearOnComplete: false, autopadding: true },
      Presets.shades_classic,
    );
  }

  update(snapshot: ProgressSnapshot): void {
    const width = Math.max(5, ...snapshot.topics.map((t) => t.topic.length));
    for (const topic of snapshot.topics) {
      const values = payload(topic, width);
      const total = Math.max(1, topic.offsetsTotal);
      const bar = this.#bars.get(topic.topic);
      if (bar === undefined)
        this.#bars.set(topic.topic, this.#multibar.create(total, topic.offsetsDone, values));
      else {
        bar.setTotal(total);
        bar.update(topic.offsetsDone, values);
      }
    }
  }

  finish(snapshot: ProgressSnapshot): void {
    this.update(snapshot);
    this.#multibar.stop();
    process.stdout.write(`${formatDuration(snapshot.elapsedSeconds)} elapsed, ${snapshot.commits} commits\n`);
  }
}

/** One bar over a command's steps, naming the step under way and the time spent. */
export class StepBar {
  readonly #bar: SingleBar;

  constructor(total: number, stream: NodeJS.WriteStream = process.stdout) {
    this.#bar = new SingleBar(
      {
        format: '{bar} {value}/{total} steps | {duration_formatted} | {label}',
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    this.#bar.start(Math.max(1, total), 0, { label: '' });
  }

  /** The step now running. */
  working(label: string): void {
    this.#bar.update({ label });
  }

  /** A step finished. */
  done(label: string): void {
    this.#bar.increment(1, { label });
  }

  stop(): void {
    this.#bar.stop();
  }
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}:${String(rest).padStart(2, '0')}`;
}
