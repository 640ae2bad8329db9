// A KafkaConsumerApi whose polls follow a script: each step may trigger
// rebalance callbacks, change the world, and returns the records to deliver.
// When the script ends the worker is asked to stop. For worker tests that need
// one precise schedule (the simulation explores the others).
import { silentLogger } from '../../src/log.ts';
import type { CommitRunner } from '../../src/worker/commit-pipeline.ts';
import type { ConnectorRuntime } from '../../src/worker/connector-runtime.ts';
import type {
  KafkaConsumerApi,
  KafkaRecord,
  RebalanceHandler,
  StartOffsets,
  TopicPartition,
  TopicPartitionOffset,
  Watermarks,
} from '../../src/worker/kafka-types.ts';
import { Worker } from '../../src/worker/worker.ts';
import { noMetrics } from '../../src/worker/worker-metrics.ts';

export interface ScriptContext {
  readonly handler: RebalanceHandler;
  /** Offsets the worker sought to, in order. */
  readonly seeks: TopicPartitionOffset[];
  /** Start offsets returned by the last onAssigned. */
  starts: StartOffsets | undefined;
}

export type ScriptStep = (context: ScriptContext) => Promise<KafkaRecord[]>;

export class ScriptedConsumer implements KafkaConsumerApi {
  readonly context: ScriptContext;
  readonly #steps: ScriptStep[];
  readonly #stop: AbortController;
  readonly #assigned = new Map<string, TopicPartition>();

  constructor(handler: RebalanceHandler, steps: ScriptStep[], stop: AbortController) {
    this.context = { handler, seeks: [], starts: undefined };
    this.#steps = [...steps];
    this.#stop = stop;
  }

  async assign(partitions: TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.#assigned.set(`${tp.topic}:${tp.partition}`, tp);
    this.context.starts = await this.context.handler.onAssigned(partitions);
  }

  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}

  async poll(): Promise<KafkaRecord[]> {
    const step = this.#steps.shift();
    if (step === undefined) {
      this.#stop.abort();
      return [];
    }
    return step(this.context);
  }

  async seek(tp: TopicPartition, offset: bigint): Promise<void> {
    this.context.seeks.push({ ...tp, offset });
  }

  pause(): void {}
  resume(): void {}

  assignment(): TopicPartition[] {
    return [...this.#assigned.values()];
  }

  async commitOffsets(): Promise<void> {}

  async queryWatermarks(): Promise<Watermarks> {
    return { low: 0n, high: 0n };
  }

  async disconnect(): Promise<void> {
    const owned = this.assignment();
    this.#assigned.clear();
    if (owned.length > 0) await this.context.handler.onRevoked(owned);
  }
}

/** A Worker over one connector whose consumer follows `steps`; the first step is given the partitions to assign. */
export function scriptedWorker(
  runtime: ConnectorRuntime,
  assign: TopicPartition[],
  steps: ScriptStep[],
  options: { maxBufferedBytes?: number; pipelineCommits?: boolean; commitRunner?: CommitRunner } = {},
): { worker: Worker; stop: AbortController; consumer: () => ScriptedConsumer } {
  const stop = new AbortController();
  let consumer: ScriptedConsumer | undefined;
  const [first, ...rest] = steps;
  const worker = new Worker({
    connectors: [runtime],
    log: silentLogger,
    metrics: noMetrics,
    maxBufferedBytes: options.maxBufferedBytes ?? 1e12,
    ...(options.pipelineCommits === undefined ? {} : { pipelineCommits: options.pipelineCommits }),
    ...(options.commitRunner === undefined ? {} : { commitRunner: options.commitRunner }),
    createConsumer: (handler) => {
      const opening: ScriptStep = async (context) => {
        await consumer!.assign(assign);
        return first ? first(context) : [];
      };
      consumer = new ScriptedConsumer(handler, [opening, ...rest], stop);
      return consumer;
    },
  });
  return { worker, stop, consumer: () => consumer! };
}
