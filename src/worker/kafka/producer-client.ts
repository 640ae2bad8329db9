// Producer adapter to @confluentinc/kafka-javascript: idempotent, acks=all;
// send() resolves once every record has its delivery report.
import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { RdKafka } from '@confluentinc/kafka-javascript';
import { silentLogger } from '../../log.ts';
import { producerProperties } from '../kafka-properties.ts';
import type { KafkaClientConfig, KafkaProducerApi, ProducerRecord } from '../kafka-types.ts';
import type { WarningAggregator } from '../warning-aggregator.ts';
import {
  callback,
  DEFAULT_TIMEOUT_MS,
  ERR_QUEUE_FULL,
  forwardClientLogs,
  type KafkaClientOptions,
  kafkaError,
} from './sdk-helpers.ts';
import { connectStoppably } from './stoppable-connect.ts';

export class KafkaProducerClient implements KafkaProducerApi {
  readonly #producer: RdKafka.Producer;
  readonly #timeoutMs: number;
  readonly #stop: AbortSignal | undefined;
  readonly #clientErrors: WarningAggregator;

  static create(config: KafkaClientConfig, options: KafkaClientOptions = {}): KafkaProducerClient {
    return new KafkaProducerClient(config, options);
  }

  private constructor(config: KafkaClientConfig, options: KafkaClientOptions) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#stop = options.stop;
    this.#producer = new RdKafka.Producer({ ...producerProperties(config), dr_cb: true });
    this.#producer.on('delivery-report', (err, report) => {
      const delivery = report.opaque as { resolve(): void; reject(error: Error): void };
      if (err)
        delivery.reject(kafkaError('produce', err, { topic: report.topic, partition: report.partition }));
      else delivery.resolve();
    });
    this.#clientErrors = forwardClientLogs(
      this.#producer,
      (options.logger ?? silentLogger).child({ component: 'kafka-producer' }),
    );
  }

  /** Rejects with KafkaConnectStopped when the worker's stop comes first. */
  async connect(): Promise<void> {
    await connectStoppably(this.#producer, {
      timeoutMs: this.#timeoutMs,
      stop: this.#stop,
      operation: 'producer connect',
      clientErrors: this.#clientErrors,
    });
    this.#producer.setPollInBackground(true); // delivery reports without a JS timer
  }

  async send(topic: string, records: readonly ProducerRecord[]): Promise<void> {
    const deliveries: Promise<void>[] = [];
    try {
      for (const record of records) deliveries.push((await this.#produce(topic, record)).delivered);
    } catch (error) {
      void Promise.allSettled(deliveries); // the first error is the one to report
      throw error;
    }
    await Promise.all(deliveries);
  }

  /** Queues one record (waiting while librdkafka's local queue is full); `delivered` settles with its delivery report. */
  async #produce(topic: string, record: ProducerRecord): Promise<{ delivered: Promise<void> }> {
    const headers = record.headers?.map(([name, value]) => ({ [name]: value }));
    const delivery: { resolve?: () => void; reject?: (error: Error) => void } = {};
    const delivered = new Promise<void>((resolve, reject) => Object.assign(delivery, { resolve, reject }));
    for (;;) {
      try {
        const partition = record.partition ?? null;
        const timestamp = record.timestampMs ?? null;
        this.#producer.produce(topic, partition, record.value, record.key, timestamp, delivery, headers);
        return { delivered };
      } catch (error) {
        if ((error as LibrdKafkaError).code !== ERR_QUEUE_FULL) throw kafkaError('produce', error, { topic });
        await new Promise((resolve) => setTimeout(resolve, 20)); // deliveries drain the local queue
      }
    }
  }

  flush(timeoutMs = this.#timeoutMs): Promise<void> {
    return callback((cb) => this.#producer.flush(timeoutMs, cb), 'producer flush');
  }

  async disconnect(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve) => this.#producer.disconnect(() => resolve()));
    this.#clientErrors.close();
  }
}
