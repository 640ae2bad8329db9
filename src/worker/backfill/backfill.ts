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
import {
  type KafkaAdminApi,
  partitionKey as key,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../kafka-types.ts';
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
  #reportedAt = 0;
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
    this.#reportedAt = started;
    const active = new Map<string, PartitionPlan>();
    for (const p of plan.partitions) if (p.start < p.end) active.set(key(p.topic, p.partition), p);

    let outcome: BackfillResult['outcome'] = 'completed';
    await consumer.connect();
    try {
      consumer.assign(
        [...active.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: p.start })),
      );
      for (;;) {
        outcome = await this.#read(plan, active, stop);
        if (await this.#finish(outcome, plan)) break;
        await this.#reread(plan, active);
      }
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

  /** Reads the active partitions to their ends, committing as the batch fills. */
  async #read(
    plan: BackfillPlan,
    active: Map<string, PartitionPlan>,
    stop: AbortSignal,
  ): Promise<BackfillResult['outcome']> {
    const { connector, consumer } = this.#o;
    const tracker = this.#tracker!;
    const finish = (p: PartitionPlan) => {
      active.delete(key(p.topic, p.partition));
      consumer.pause([{ topic: p.topic, partition: p.partition }]);
      tracker.finished(p.topic, p.partition);
    };
    while (active.size > 0) {
      if (stop.aborted) {
        return 'interrupted';
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
        return 'failed';
      }
      for (const eof of endOfPartition) {
        const p = active.get(key(eof.topic, eof.partition));
        if (p !== undefined && eof.offset >= p.end) finish(p);
      }
      const full = connector.shouldCommit() || connector.bufferedBytes > this.#o.maxBufferedBytes;
      if (full && !(await this.#commit())) await this.#reread(plan, active);
      if (this.#now() - this.#reportedAt >= this.#o.progress.intervalMs) {
        this.#reportedAt = this.#now();
        this.#o.progress.update(tracker.snapshot());
      }
    }
    return 'completed';
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

  /**
   * Commits what was read; on completion also records every partition's end in
   * every table. False when that commit was dropped and the batch must be read again.
   */
  async #finish(outcome: BackfillResult['outcome'], plan: BackfillPlan): Promise<boolean> {
    const { connector, log } = this.#o;
    const failure = connector.failure;
    const committed = await this.#commit();
    if (!committed && outcome !== 'interrupted') return false;
    if (outcome === 'failed') {
      throw new FloeError(
        `backfill of connector ${connector.settings.name} stopped (error policy: fail): ${failure?.message}; the records before it are committed`,
        { connector: connector.settings.name },
        { cause: failure },
      );
    }
    if (outcome === 'interrupted') {
      log.warn('backfill interrupted; what is committed stays; run the same command again to resume');
      return true;
    }
    // Partitions whose range ended in transaction markers, or was empty, are recorded too.
    for (const p of plan.partitions) await connector.advanceTo(p, p.end);
    return await this.#commit();
  }

  /** False when the batch was dropped to be read again (another engine changed the schema, a table was dropped). */
  async #commit(): Promise<boolean> {
    const connector = this.#o.connector;
    if (!connector.hasBatch) return true;
    try {
      await connector.commit();
    } catch (error) {
      if (!(error instanceof FencedBatchError) || error.fence === 'offsets') throw this.#fenced(error);
      this.#o.log.warn(`batch dropped, reading it again: ${error.message}`, {
        connector: connector.settings.name,
      });
      connector.discard();
      return false;
    }
    if (this.#tracker) this.#tracker.commits++;
    return true;
  }

  /** After a dropped batch: every partition not yet in the tables up to its end is read again from there. */
  async #reread(plan: BackfillPlan, active: Map<string, PartitionPlan>): Promise<void> {
    const { connector, consumer } = this.#o;
    const seek = await connector.reseekOffsets(plan.partitions);
    active.clear();
    const starts: TopicPartitionOffset[] = [];
    for (const p of plan.partitions) {
      const found = seek.get(key(p.topic, p.partition));
      const at = found === undefined || found < p.start ? p.start : found;
      this.#tracker?.rewound(p.topic, p.partition, at);
      if (at >= p.end) continue;
      active.set(key(p.topic, p.partition), p);
      starts.push({ topic: p.topic, partition: p.partition, offset: at });
    }
    consumer.assign(starts);
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
