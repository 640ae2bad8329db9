// The consumer-group member: one Kafka consumer for every connector's topics,
// records dispatched to their connector, batches committed on size/time/memory,
// on partition revocation and on shutdown (docs/exactly-once.md). Returns the
// process exit code: 0 after a clean stop (also one during start-up, before the
// group was joined: nothing read, nothing to commit), 1 when a record hit the
// fail policy.
import type { Logger } from '../log.ts';
import { BatchCommits } from './batch-commits.ts';
import type { CommitRunner } from './commit-pipeline.ts';
import type { ConnectorRuntime } from './connector-runtime.ts';
import { topicOwner } from './connector-settings.ts';
import {
  type KafkaConsumerApi,
  type KafkaRecord,
  partitionKey as key,
  type RebalanceHandler,
  type TopicPartition,
} from './kafka-types.ts';
import { partitionRunEnd } from './partition-runs.ts';
import { StageClock, type WaitCounter } from './stage-clock.ts';
import type { WorkerMetrics } from './worker-metrics.ts';
import type { WorkerState } from './worker-state.ts';

export interface WorkerOptions {
  readonly connectors: readonly ConnectorRuntime[];
  readonly createConsumer: (handler: RebalanceHandler) => KafkaConsumerApi;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  /** Total Arrow bytes buffered across connectors before the largest batch is committed early. */
  readonly maxBufferedBytes: number;
  readonly pollBatchSize?: number;
  readonly pollTimeoutMs?: number;
  readonly lagIntervalMs?: number;
  /** Readiness: true once the worker has joined its group. */
  readonly onReady?: (ready: boolean) => void;
  /** Waits counted elsewhere (encoder queue, uploads), reported with the loop's stages. */
  readonly waitCounters?: readonly WaitCounter[];
  /**
   * Commit a due batch while reading the next one (commit-pipeline.ts; default
   * true). Keyed connectors always wait for their commits.
   */
  readonly pipelineCommits?: boolean;
  /** How such a commit runs beside the loop (default: on the event loop). */
  readonly commitRunner?: CommitRunner;
  /** What GET /status says: phase, partitions held, offsets committed (worker-state.ts). */
  readonly state?: WorkerState;
}

export class Worker {
  readonly #options: WorkerOptions;
  readonly #log: Logger;
  #consumer: KafkaConsumerApi | undefined;
  /** Topic -> the connector whose topics include it (undefined: none). */
  readonly #owners = new Map<string, ConnectorRuntime | undefined>();
  #lastLagAt = 0;
  #clock: StageClock | undefined;
  /** Set in run() before the first poll (the rebalance callbacks run inside polls). */
  #commits: BatchCommits | undefined;

  constructor(options: WorkerOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  async run(stop: AbortSignal): Promise<number> {
    // Every connector has its series from the start, an idle replica's too (0).
    for (const connector of this.#options.connectors) {
      this.#options.metrics.setAssignedPartitions(connector.settings.name, 0);
    }
    const consumer = this.#options.createConsumer(this.#rebalanceHandler());
    this.#consumer = consumer;
    const counters = [...(this.#options.waitCounters ?? [])];
    if (consumer.pausedSeconds !== undefined) {
      counters.push({ stage: 'paused', seconds: () => consumer.pausedSeconds?.() ?? 0 });
    }
    const clock = new StageClock({ log: this.#log, metrics: this.#options.metrics, counters });
    this.#clock = clock;
    const { connectors, log, metrics, maxBufferedBytes, pipelineCommits, commitRunner, state } =
      this.#options;
    const commits = new BatchCommits({
      connectors,
      consumer,
      clock,
      log,
      metrics,
      maxBufferedBytes,
      ...(pipelineCommits === undefined ? {} : { pipelineCommits }),
      ...(commitRunner === undefined ? {} : { commitRunner }),
      ...(state === undefined ? {} : { onLanded: (c, offsets) => state.committed(c.settings.name, offsets) }),
    });
    this.#commits = commits;
    for (const connector of this.#options.connectors) {
      connector.useLogStart(async (tp) => (await consumer.queryWatermarks(tp)).low);
    }
    if (!(await this.#connect(consumer, stop))) {
      commits.close();
      return 0;
    }
    await consumer.subscribe(this.#subscription());
    state?.joining();
    this.#log.info('worker started', { connectors: this.#options.connectors.map((c) => c.settings.name) });
    let exitCode = 0;
    try {
      while (!stop.aborted) {
        const records = await clock.time('fetch', () =>
          consumer.poll(this.#options.pollBatchSize ?? 5000, this.#options.pollTimeoutMs ?? 200),
        );
        // Past a SIGTERM, records not handed over yet stay out of the batch: the
        // stop commits what was read so far and the next owner reads on from there.
        await clock.time('process', () => this.#dispatch(records, stop));
        await commits.settleFinished();
        const failed = this.#options.connectors.find((c) => c.failure !== undefined);
        if (failed) {
          const error = failed.failure!; // what precedes the record is committed; the rest is never read
          await commits.commit(failed, { wait: true });
          for (const connector of this.#options.connectors) await commits.settle(connector);
          this.#log.error(`stopping: ${error.message}`, { err: error, connector: failed.settings.name });
          exitCode = 1;
          break;
        }
        await commits.commitDue();
        await clock.time('lag', () => this.#reportLag());
        clock.tick();
      }
      state?.stopping();
      if (exitCode === 0) {
        this.#log.info('stopping: committing open batches');
        for (const connector of this.#options.connectors) await commits.commit(connector, { wait: true });
      }
    } catch (error) {
      state?.stopping();
      // A worker that failed commits nothing more: disconnect's revocation finds no batch.
      // A commit still running may land or not; either is safe, but it ends before the disconnect.
      await commits.abandon(error);
      throw error;
    } finally {
      this.#options.onReady?.(false);
      await consumer.disconnect();
      commits.close();
    }
    this.#log.info('worker stopped', { exitCode });
    return exitCode;
  }

  /**
   * Connects unless the stop came first: a stop during start-up (SIGTERM while
   * the broker is unreachable) ends the connect early (the Kafka adapter
   * disconnects its client then) and the worker exits 0, as nothing was read.
   */
  async #connect(consumer: KafkaConsumerApi, stop: AbortSignal): Promise<boolean> {
    if (!stop.aborted) {
      try {
        await consumer.connect();
        return true;
      } catch (error) {
        if (!stop.aborted) throw error;
      }
    }
    this.#options.state?.stopping();
    this.#log.info('stopped before joining the group: nothing was read, nothing to commit');
    return false;
  }

  #subscription(): string[] | RegExp {
    const lists: string[] = [];
    const patterns: string[] = [];
    for (const connector of this.#options.connectors) {
      const topics = connector.settings.topics;
      if (Array.isArray(topics)) lists.push(...topics);
      else patterns.push((topics as RegExp).source);
    }
    if (patterns.length === 0) return [...new Set(lists)];
    const escaped = lists.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(
      `^(?:${[...patterns.map((p) => `(?:${p.replace(/^\^/, '').replace(/\$$/, '')})`), ...escaped].join('|')})$`,
    );
  }

  #owner(topic: string): ConnectorRuntime | undefined {
    if (this.#owners.has(topic)) return this.#owners.get(topic);
    const owner = topicOwner(this.#options.connectors, topic);
    this.#owners.set(topic, owner);
    return owner;
  }

  /** Hands each run of records of one partition to its connector in one call. */
  async #dispatch(records: readonly KafkaRecord[], stop: AbortSignal): Promise<void> {
    let start = 0;
    while (start < records.length && !stop.aborted) {
      const { topic } = records[start]!;
      const end = partitionRunEnd(records, start);
      const connector = this.#owner(topic);
      if (connector !== undefined) await connector.processRun(records, start, end);
      start = end;
    }
  }

  /** Each callback's time counts to the `rebalance` stage. */
  #rebalanceHandler(): RebalanceHandler {
    const handler = this.#rebalanceCallbacks();
    const timed =
      <A extends unknown[], R>(callback: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        this.#clock === undefined
          ? callback(...args)
          : this.#clock.time('rebalance', () => callback(...args));
    return {
      onAssigned: timed(handler.onAssigned),
      onRevoked: timed(handler.onRevoked),
      ...(handler.onLost ? { onLost: timed(handler.onLost) } : {}),
    };
  }

  #rebalanceCallbacks(): RebalanceHandler {
    return {
      onAssigned: async (partitions) => {
        // Offsets loaded for new partitions while a commit moves the tables would mix two views.
        const commits = this.#commits!;
        for (const connector of this.#options.connectors) await commits.settle(connector);
        const starts = new Map<string, bigint | undefined>();
        for (const connector of this.#options.connectors) {
          const mine = partitions.filter((tp) => this.#owner(tp.topic) === connector);
          if (mine.length === 0) continue;
          const recorded = await connector.assign(mine);
          for (const [tp, offset] of recorded) starts.set(tp, offset);
          this.#options.metrics.setAssignedPartitions(connector.settings.name, connector.assigned.length);
          this.#options.state?.assigned(connector.settings.name, mine, recorded);
        }
        this.#options.state?.running();
        if (partitions.length > 0) {
          this.#log.info('partitions assigned', {
            partitions: partitions.map((p) => key(p.topic, p.partition)),
          });
        }
        this.#options.onReady?.(true);
        return starts;
      },
      onRevoked: async (partitions) => {
        this.#log.info('partitions revoked; committing first', {
          partitions: partitions.map((p) => key(p.topic, p.partition)),
        });
        for (const connector of this.#options.connectors) {
          const mine = partitions.filter((tp) => connector.owns(tp.topic, tp.partition));
          if (mine.length === 0) continue;
          // Released (in floe's books; Kafka waits for this callback) before the
          // commit: if the batch is fenced, only the partitions kept are re-sought,
          // as the consumer refuses to seek one it no longer delivers.
          this.#released(connector, mine);
          await this.#commits!.commit(connector, { wait: true });
        }
      },
      onLost: async (partitions) => {
        this.#log.warn('partitions lost without a chance to commit', {
          partitions: partitions.map((p) => key(p.topic, p.partition)),
        });
        for (const connector of this.#options.connectors) {
          const mine = partitions.filter((tp) => connector.owns(tp.topic, tp.partition));
          if (mine.length === 0) continue;
          this.#released(connector, mine);
          await this.#commits!.settle(connector);
          connector.discard();
          await this.#commits!.reseek(connector, connector.assigned);
        }
      },
    };
  }

  #released(connector: ConnectorRuntime, partitions: readonly TopicPartition[]): void {
    connector.release(partitions);
    this.#options.state?.released(connector.settings.name, partitions);
    for (const tp of partitions)
      this.#options.metrics.clearLag(connector.settings.name, tp.topic, tp.partition);
    this.#options.metrics.setAssignedPartitions(connector.settings.name, connector.assigned.length);
  }

  /**
   * Lag per partition from the high watermark of the last fetch response (no
   * round trip). Asking the leader instead took one ListOffsets per partition,
   * each queued behind a fetch's long poll (fetch.wait.max.ms, 500 ms) once the
   * topic was drained: 32 s for 64 partitions, during which nothing was consumed
   * and SIGTERM went unanswered (issue 14). Consumers without fetch-time
   * watermarks (test doubles) are asked.
   */
  async #reportLag(): Promise<void> {
    const interval = this.#options.lagIntervalMs ?? 5000;
    const consumer = this.#consumer;
    if (Date.now() - this.#lastLagAt < interval || consumer === undefined) return;
    this.#lastLagAt = Date.now();
    for (const connector of this.#options.connectors) {
      for (const tp of connector.assigned) {
        const position = connector.position(tp);
        if (position === undefined) continue;
        const high =
          consumer.fetchedHighWatermark === undefined
            ? (await consumer.queryWatermarks(tp)).high
            : consumer.fetchedHighWatermark(tp);
        if (high === undefined) continue;
        const lag = high > position ? Number(high - position) : 0;
        this.#options.metrics.setLag(connector.settings.name, tp.topic, tp.partition, lag);
      }
    }
  }
}
