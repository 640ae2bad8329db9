// What one run of records (one partition, one call of processRun) did, counted
// as it goes and reported once at its end: metrics and logs per run, not per
// record. Nothing read vanishes uncounted: tombstones, records a table already
// held, fields a declared schema does not know.
import type { Logger } from '../log.ts';
import type { KafkaRecord } from './kafka-types.ts';
import { WarningAggregator } from './warning-aggregator.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export class RunTally {
  handled = 0;
  bytes = 0;
  last = -1n;
  consumed = 0;
  consumedBytes = 0;
  tombstones = 0;
  /** Records below a table's recorded offset (it holds them already). */
  already = 0;
  droppedFields = 0;
}

export class RunReporter {
  readonly #connector: string;
  readonly #log: Logger;
  readonly #metrics: WorkerMetrics;
  /** One line per unknown field and window, with a count, not one per record. */
  readonly #unknownFieldWarnings: WarningAggregator;

  constructor(connector: string, log: Logger, metrics: WorkerMetrics) {
    this.#connector = connector;
    this.#log = log;
    this.#metrics = metrics;
    this.#unknownFieldWarnings = new WarningAggregator(log);
  }

  /** Fields of `record` that the declared schema does not know were dropped. */
  droppedFields(tally: RunTally, paths: readonly string[], record: KafkaRecord): void {
    tally.droppedFields += paths.length;
    for (const path of paths) {
      this.#unknownFieldWarnings.warn(
        `${record.topic}: field "${path}" is not in value.schema and is dropped (value.unknownFields: error refuses such records, add adds top-level fields as columns)`,
        { topic: record.topic, partition: record.partition, offset: record.offset.toString() },
      );
    }
  }

  report(topic: string, tally: RunTally): void {
    const metrics = this.#metrics;
    const connector = this.#connector;
    metrics.recordsConsumed(connector, topic, tally.consumed, tally.consumedBytes);
    if (tally.tombstones > 0) {
      metrics.recordsSkipped(connector, topic, 'tombstone', tally.tombstones);
      // Once per run of records, not per record: compacted topics carry many.
      this.#log.debug('tombstones skipped (null values; the table is append-only)', {
        topic,
        count: tally.tombstones,
      });
    }
    if (tally.already > 0) metrics.recordsSkipped(connector, topic, 'already-committed', tally.already);
    if (tally.droppedFields > 0)
      metrics.fieldsDropped(connector, topic, 'unknown-field', tally.droppedFields);
  }
}
