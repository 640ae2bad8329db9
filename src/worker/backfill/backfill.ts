// `floe backfill`: reads a fixed offset range of every partition of one
// connector's topics (backfill-plan.ts) with partitions assigned directly (no
// consumer group), writes through the connector's own runtime (decode, route,
// evolve, write, commit under the exactly-once fence of docs/exactly-once.md)
// and stops. Commits are rare (the caller sets the connector's commit limits
// high) so data files grow to the table's target size, bounded by the memory
// budget. Every commit records offsets like `floe run` does, so an interrupted
// backfill resumes where its tables are, and `floe run` continues where the
// backfill stopped.
import { FloeError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { FencedBatchError } from '../commit/commit-batch.ts';
import type { ConnectorRuntime } from '../connector-runtime.ts';
import { connectorTopics } from '../connector-settings.ts';
import { type KafkaAdminApi, partitionKey as key, type TopicPartition } from '../kafka-types.ts';
import { partitionRunEnd } from '../partition-runs.ts';
import type { BackfillFrom, BackfillUntil } from './backfill-bounds.ts';
import type { AssignedConsumerApi } from './backfill-consumer.ts';
import { type BackfillPlan, type PartitionPlan, planBackfill } from './backfill-plan.ts';
import { BackfillProgress, type ProgressReporter } from './backfill-progress.ts';

export interface BackfillOptions {
  /** Built with the backfill's commit limits (see backfill-command.ts). */
  readonly connector: ConnectorRuntime;
  readonly admin: KafkaAdminApi;
  readonly consumer: AssignedConsumerApi;
  readonly from: BackfillFrom;
  readonly until: BackfillUntil;
  /** Arrow bytes buffered before the batch is committed early (worker.memory.maxBufferedBytes). */
  readonly maxBufferedBytes: number;
  readonly log: Logger;
  readonly progress: ProgressReporter;
  readonly pollBatchSize?: number;
  readonly pollTimeoutMs?: number;
  readonly now?: () => number;
}

export interface BackfillResult {
  /** completed: every partition read to its end and committed; interrupted: stopped by a signal after committing. */
  readonly outcome: 'completed' | 'interrupted' | 'failed';
  readonly partitions: number;
  readonly records: number;
  readonly bytes: number;
  readonly commits: number;
  readonly seconds: number;
}

export class Backfill {
  readonly #o: BackfillOptions;
  readonly #now: () => number;
  #tracker: BackfillProgress | undefined;
  #records = 0;
  #bytes = 0;

  constructor(options: BackfillOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async run(stop: AbortSignal): Promise<BackfillResult> {
    const { connector, consumer, log } = this.#o;
    const started = this.#now();
    connector.useLogStart(async (tp) => {
      const marks = await this.#o.admin.fetchTopicOffsets(tp.topic);
      return marks.find((m) => m.partition === tp.partition)?.low ?? 0n;
    });
    const plan = await this.#plan();
    for (const p of plan.partitions) if (p.origin === 'from') connector.startAt(p, p.start);
    const tracker = new BackfillProgress(plan.partitions, this.#now);
    this.#tracker = tracker;
    const active = new Map<string, PartitionPlan>();
    for (const p of plan.partitions) if (p.start < p.end) active.set(key(p.topic, p.partition), p);

    let outcome: BackfillResult['outcome'] = 'completed';
    await consumer.connect();
    try {
      consumer.assign(
        [...active.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: p.start })),
      );
      let reportedAt = this.#now();
      const finish = (p: PartitionPlan) => {
        active.delete(key(p.topic, p.partition));
        consumer.pause([{ topic: p.topic, partition: p.partition }]);
        tracker.finished(p.topic, p.partition);
      };
      while (active.size > 0) {
        if (stop.aborted) {
          outcome = 'interrupted';
          break;
        }
        const { records, endOfPartition } = await consumer.poll(
          this.#o.pollBatchSize ?? 5000,
          this.#o.pollTimeoutMs ?? 200,
        );
        // Runs of one partition go to the connector in one call, cut at the partition's end.
        let start = 0;
        while (start < records.length && connector.failure === undefined) {
          const { topic, partition } = records[start]!;
          const end = partitionRunEnd(records, start);
          const p = active.get(key(topic, partition));
          if (p !== undefined) {
            let stop = start;
            while (stop < end && records[stop]!.offset < p.end) stop++;
            const handled = await connector.processRun(records, start, stop);
            let bytes = 0;
            for (let i = start; i < start + handled; i++) bytes += records[i]!.sizeBytes;
            this.#records += handled;
            this.#bytes += bytes;
            let done = stop < end && connector.failure === undefined; // a record at or past the end
            if (handled > 0) {
              const last = records[start + handled - 1]!.offset;
              tracker.read(topic, partition, last, bytes, handled);
              done ||= last + 1n >= p.end;
            }
            if (done) finish(p);
          }
          start = end;
        }
        if (connector.failure !== undefined) {
          outcome = 'failed';
          break;
        }
        for (const eof of endOfPartition) {
          const p = active.get(key(eof.topic, eof.partition));
          if (p !== undefined && eof.offset >= p.end) finish(p);
        }
        if (connector.shouldCommit() || connector.bufferedBytes > this.#o.maxBufferedBytes)
          await this.#commit();
        if (this.#now() - reportedAt >= this.#o.progress.intervalMs) {
          reportedAt = this.#now();
          this.#o.progress.update(tracker.snapshot());
        }
      }
      await this.#finish(outcome, plan);
    } finally {
      await consumer.disconnect();
    }
    this.#o.progress.finish(tracker.snapshot());
    const seconds = (this.#now() - started) / 1000;
    const result: BackfillResult = {
      outcome,
      partitions: plan.partitions.length,
      records: this.#records,
      bytes: this.#bytes,
      commits: tracker.commits,
      seconds,
    };
    const usage = process.resourceUsage(); // every thread of the process
    log.info(`backfill ${outcome}`, {
      ...result,
      recordsPerSecond: Math.round(this.#records / Math.max(seconds, 0.001)),
      megabytesPerSecond: Number((this.#bytes / 1_000_000 / Math.max(seconds, 0.001)).toFixed(2)),
      cpuSeconds: Number(((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(2)),
      peakRssBytes: usage.maxRSS * 1024,
    });
    return result;
  }

  async #plan(): Promise<BackfillPlan> {
    const { connector, admin, log } = this.#o;
    await admin.connect();
    const topics = await this.#topics();
    const plan = await planBackfill({
      topics,
      admin,
      from: this.#o.from,
      until: this.#o.until,
      resume: (partitions: readonly TopicPartition[]) => connector.assign(partitions),
      log,
    });
    log.info('backfill plan', {
      partitions: plan.partitions.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        start: p.start.toString(),
        end: p.end.toString(),
        from: p.origin,
      })),
      alreadyInTables: plan.done.map((d) => key(d.topic, d.partition)),
    });
    return plan;
  }

  async #topics(): Promise<string[]> {
    const settings = this.#o.connector.settings;
    if (Array.isArray(settings.topics)) return [...settings.topics];
    const topics = (await this.#o.admin.listTopics()).filter((t) => connectorTopics(settings, t)).sort();
    if (topics.length === 0) {
      throw new ValidationError(`connector ${settings.name}: no topic matches ${String(settings.topics)}`, {
        connector: settings.name,
      });
    }
    return topics;
  }

  /** Commits what was read; on completion also records every partition's end in every table. */
  async #finish(outcome: BackfillResult['outcome'], plan: BackfillPlan): Promise<void> {
    const { connector, log } = this.#o;
    const failure = connector.failure;
    await this.#commit();
    if (outcome === 'failed') {
      throw new FloeError(
        `backfill of connector ${connector.settings.name} stopped (error policy: fail): ${failure?.message}; the records before it are committed`,
        { connector: connector.settings.name },
        { cause: failure },
      );
    }
    if (outcome === 'interrupted') {
      log.warn('backfill interrupted; what was read is committed; run the same command again to resume');
      return;
    }
    // Partitions whose range ended in transaction markers, or was empty, are recorded too.
    for (const p of plan.partitions) await connector.advanceTo(p, p.end);
    await this.#commit();
  }

  async #commit(): Promise<void> {
    const connector = this.#o.connector;
    if (!connector.hasBatch) return;
    try {
      await connector.commit();
    } catch (error) {
      throw this.#fenced(error);
    }
    if (this.#tracker) this.#tracker.commits++;
  }

  #fenced(error: unknown): unknown {
    if (!(error instanceof FencedBatchError)) return error;
    const name = this.#o.connector.settings.name;
    return new FloeError(
      `backfill of connector ${name} stopped: ${error.message}. Another writer moved the connector's offsets, most likely \`floe run\` serving the same connector; stop it (or remove the connector from its folder) while backfilling, then run the backfill again to resume`,
      { connector: name },
      { cause: error },
    );
  }
}
