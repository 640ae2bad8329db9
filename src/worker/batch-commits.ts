// How the worker commits its connectors' batches (docs/exactly-once.md): a due
// batch is sealed and its commit started, beside reading only when it is full
// (a backlog); the memory budget commits the largest batch and waits for it.
// Every commit's outcome is settled on the worker's loop before the
// connector's next commit starts: group offsets when it landed, the open batch
// re-read when the commit overtook it, and a fenced batch's partitions re-read
// from what the tables record.
import type { Logger } from '../log.ts';
import { FencedBatchError } from './commit/commit-batch.ts';
import { CommitPipeline, type CommitRunner } from './commit-pipeline.ts';
import type { ConnectorRuntime } from './connector-runtime.ts';
import {
  type KafkaConsumerApi,
  partitionKey as key,
  type TopicPartition,
  type TopicPartitionOffset,
} from './kafka-types.ts';
import type { StageClock } from './stage-clock.ts';
import { WarningAggregator } from './warning-aggregator.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface BatchCommitsOptions {
  readonly connectors: readonly ConnectorRuntime[];
  readonly consumer: KafkaConsumerApi;
  readonly clock: StageClock;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  /** Total Arrow bytes buffered across connectors before the largest batch is committed early. */
  readonly maxBufferedBytes: number;
  /** Commit a full batch while reading the next one (default true; never for keyed connectors). */
  readonly pipelineCommits?: boolean;
  readonly commitRunner?: CommitRunner;
  /** A commit landed: the next offsets of the partitions its batch read (the worker's /status). */
  readonly onLanded?: (connector: ConnectorRuntime, offsets: readonly TopicPartitionOffset[]) => void;
}

export class BatchCommits {
  readonly #options: BatchCommitsOptions;
  readonly #pipeline: CommitPipeline;
  /** Group offset commits fail together during a rebalance: one line with a count. */
  readonly #groupOffsetWarnings: WarningAggregator;

  constructor(options: BatchCommitsOptions) {
    this.#options = options;
    this.#pipeline = new CommitPipeline(options.commitRunner);
    this.#groupOffsetWarnings = new WarningAggregator(options.log);
  }

  /** Settles every commit that finished since the last call. */
  async settleFinished(): Promise<void> {
    for (const connector of this.#pipeline.finished()) await this.settle(connector);
  }

  /** Commits every batch that is due, then the largest one if the memory budget is exceeded. */
  async commitDue(): Promise<void> {
    let buffered = 0;
    for (const connector of this.#options.connectors) {
      // While the connector's previous commit runs, a batch due by time waits for it to
      // land (it is settled between polls, and the rules then see its outcome); a full
      // one waits for it here, which holds reading back.
      const due = connector.shouldCommit() && (!this.#pipeline.running(connector) || connector.batchFull);
      if (due) await this.commit(connector);
      buffered += connector.bufferedBytes + this.#pipeline.bufferedBytes(connector);
    }
    this.#options.metrics.setBufferedBytes(buffered);
    if (buffered > this.#options.maxBufferedBytes) {
      const largest = [...this.#options.connectors].sort((a, b) => b.bufferedBytes - a.bufferedBytes)[0];
      if (largest) {
        this.#options.log.info('memory budget reached; committing early', {
          connector: largest.settings.name,
          buffered,
        });
        // Reading waits for it: the budget bounds memory, so nothing more is buffered meanwhile.
        await this.commit(largest, { full: true, wait: true });
      }
    }
  }

  /**
   * Seals the connector's batch and starts its commit, after the one still
   * running (if any) is settled; waits for it when `wait`, when the batch is not
   * full, or when the connector cannot commit beside reading.
   */
  async commit(connector: ConnectorRuntime, options: { full?: boolean; wait?: boolean } = {}): Promise<void> {
    await this.settle(connector);
    if (!connector.hasBatch) {
      connector.discard();
      return;
    }
    const sealed = connector.seal(options);
    if (sealed === undefined) return;
    this.#pipeline.start(connector, sealed);
    // Only a full batch (a backlog) commits beside reading. A batch that ended by time
    // belongs to a stream the worker keeps up with: waiting for it keeps the commit
    // short (nothing competes with it for the cores or the encoder threads), which
    // is what freshness needs; beside reading, wide 64-partition commits took 3x as
    // long and the p99 freshness tripled (docs/benchmarks.md, session 12).
    const beside = this.#options.pipelineCommits !== false && connector.pipelines && sealed.full;
    if (options.wait || !beside) await this.settle(connector);
  }

  /**
   * Waits for the connector's running commit and acts on its outcome: group
   * offsets, or the open batch dropped when the commit overtook it; a fenced
   * batch is dropped (with the batch read after it) and its partitions re-read
   * from the tables.
   */
  async settle(connector: ConnectorRuntime): Promise<void> {
    const started = performance.now();
    const settled = await this.#pipeline.settle(connector);
    if (settled === undefined) return;
    this.#options.clock.add('commit', (performance.now() - started) / 1000);
    const { sealed, outcome } = settled;
    if (outcome.ok) {
      const overtaken = connector.landed(sealed, settled.waitedFromMs);
      this.#options.onLanded?.(connector, outcome.offsets);
      await this.#options.consumer.commitOffsets(outcome.offsets).catch((error: unknown) => {
        this.#groupOffsetWarnings.warn('could not commit group offsets (used for lag only)', { err: error });
      });
      if (overtaken === undefined) return;
      this.#options.log.info(`batch read during the commit dropped, reading it again: ${overtaken}`, {
        connector: connector.settings.name,
      });
      await this.reseek(connector, connector.assigned);
      return;
    }
    connector.failed(sealed);
    const error = outcome.error;
    if (!(error instanceof FencedBatchError)) throw error;
    this.#options.log.warn(`batch dropped: ${error.message}`, { connector: connector.settings.name });
    this.#options.metrics.error('fenced-batch');
    await this.reseek(connector, connector.assigned);
  }

  /** Seeks the connector's partitions back to what its tables record (or where the dropped batch began). */
  async reseek(connector: ConnectorRuntime, partitions: readonly TopicPartition[]): Promise<void> {
    const consumer = this.#options.consumer;
    const seek = await connector.reseekOffsets(partitions);
    // A partition the group took meanwhile (a zombie's) is not sought: none of its
    // records is delivered any more, and its onLost/onRevoked comes with the next poll.
    const held = new Set(consumer.assignment().map((tp) => key(tp.topic, tp.partition)));
    for (const tp of partitions) {
      const offset = seek.get(key(tp.topic, tp.partition));
      if (offset === undefined || !held.has(key(tp.topic, tp.partition))) continue;
      await consumer.seek(tp, offset);
    }
  }

  /**
   * The worker failed with `error`: each running commit ends (landing or not,
   * either is safe) and every open batch is discarded, so nothing more commits.
   */
  async abandon(error: unknown): Promise<void> {
    for (const connector of this.#options.connectors) {
      const settled = await this.#pipeline.settle(connector);
      if (settled?.outcome.ok === false && settled.outcome.error !== error) {
        this.#options.log.error('a commit running beside reading failed too', {
          err: settled.outcome.error,
          connector: connector.settings.name,
        });
      }
      connector.discard();
    }
  }

  close(): void {
    this.#groupOffsetWarnings.close();
  }
}
