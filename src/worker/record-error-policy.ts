// The connector's error policy for records that cannot be decoded, routed or
// written (docs/configuration.md, `errors`): `skip` counts and logs them, `dlq`
// sends them to the dead-letter topic (flushed before the commit that moves the
// offsets past them), `fail` stops the worker after committing what precedes
// the record. Every message names the topic, partition and offset.
import { FloeError, RecordError, type ValidationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ErrorPolicy, RecordLocation } from './connector-settings.ts';
import type { DeadLetter, DeadLetterBatch, DeadLetterQueue } from './dead-letter-queue.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface RecordErrorPolicyDeps {
  readonly connector: string;
  readonly policy: ErrorPolicy;
  readonly dlq?: DeadLetterQueue | undefined;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
}

export class RecordErrorPolicy {
  readonly #deps: RecordErrorPolicyDeps;
  #failure: RecordError | undefined;

  constructor(deps: RecordErrorPolicyDeps) {
    this.#deps = deps;
  }

  /** A record that hit the `fail` policy: the worker commits what precedes it and stops. */
  get failure(): RecordError | undefined {
    return this.#failure;
  }

  /** Forgets the failure and the unsent dead letters (the batch is discarded and read again). */
  reset(): void {
    this.#failure = undefined;
    this.#deps.dlq?.discard();
  }

  /** The batch's dead letters, to send before the commit that moves offsets past them. */
  seal(): DeadLetterBatch {
    return this.#deps.dlq?.take() ?? { send: () => Promise.resolve() };
  }

  /** Applies the policy; true when the record counts as handled (its offset advances). */
  handle(record: DeadLetter, cause: RecordError | ValidationError): boolean {
    const error = this.#asRecordError(record, cause);
    const { connector, policy, log, metrics } = this.#deps;
    const fields = {
      err: error,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset.toString(),
    };
    const reason = String(error.context.reason ?? 'record');
    metrics.error(reason);
    if (policy.kind === 'fail') {
      this.#failure = error;
      log.error(`bad record; stopping (error policy: fail): ${error.message}`, fields);
      return false;
    }
    if (policy.kind === 'skip') {
      log.warn(`bad record skipped: ${error.message}`, fields);
      metrics.recordsSkipped(connector, record.topic, reason === 'record' ? 'error' : reason, 1);
      return true;
    }
    const dlq = this.#deps.dlq;
    if (!dlq) throw new FloeError(`connector ${connector}: dlq policy without a dead-letter queue`);
    dlq.add(record, error);
    log.warn(`bad record sent to ${dlq.topic}: ${error.message}`, fields);
    metrics.recordsDeadLettered(connector, record.topic, 1);
    return true;
  }

  #asRecordError(record: RecordLocation, error: RecordError | ValidationError): RecordError {
    if (error instanceof RecordError) return error;
    const { topic, partition, offset } = record;
    return new RecordError(
      `${topic}[${partition}]@${offset}: ${error.message}`,
      {
        topic,
        partition,
        offset: offset.toString(),
        connector: this.#deps.connector,
        reason: 'incompatible',
      },
      { cause: error },
    );
  }
}
