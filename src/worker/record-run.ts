// One run of records (one partition, one call of ConnectorRuntime.processRun):
// the check that the log did not go back under the connector's reading, and the
// loop that hands each record to its writer. A record a writer refuses (a
// RecordError or ValidationError: undecodable, unroutable, unwritable) goes to
// the connector's error policy, which says whether the run goes on; any other
// error ends the run and is thrown, and the caller drops the batch. What the run
// did is counted in its RunTally as it goes: `handled` and `last` say how far it
// got, so the batch records exactly the records it holds.
import { FloeError, RecordError, ValidationError } from '../errors.ts';
import type { KafkaRecord } from './kafka-types.ts';
import type { RecordErrorPolicy } from './record-error-policy.ts';
import type { RunTally } from './run-tally.ts';

/** What takes the records of a run: a table writer (append) or a keyed writer (upsert, cdc). */
export interface RunTaker {
  /** A promise only when something must be awaited; throws RecordError or ValidationError for the policy. */
  take(record: KafkaRecord, run: RunTally): Promise<void> | undefined;
}

/**
 * The broker delivered `firstOffset` below `position`, where the connector had
 * read to. The consumer drops what it fetched before a seek, so this is the log
 * itself going back: truncated (unclean leader election) or the topic
 * re-created. Which records are new cannot be known, so nothing is guessed.
 */
export function logWentBack(
  connector: string,
  topic: string,
  partition: number,
  firstOffset: bigint,
  position: bigint,
): FloeError {
  return new FloeError(
    `${topic}[${partition}]: the broker delivered offset ${firstOffset} below ${position}, where connector ${connector} had read to; the log was truncated or the topic re-created. floe does not guess which records are new: check the topic, then reset the connector's tables or move it to a new table`,
    { topic, partition, offset: firstOffset.toString(), connector },
  );
}

/**
 * Hands records [start, end) to `writer` in order, counting each in `run`.
 * Stops before a record that hit the `fail` policy; throws any error that is
 * not the record's own. On return or throw, `run.handled` records and `run.last`
 * (the offset of the last of them) are what the writer holds.
 */
export async function takeRecords(
  records: readonly KafkaRecord[],
  start: number,
  end: number,
  writer: RunTaker,
  errors: RecordErrorPolicy,
  run: RunTally,
): Promise<void> {
  for (let i = start; i < end; i++) {
    const record = records[i]!;
    run.consumed++;
    run.consumedBytes += record.sizeBytes;
    try {
      const handled = writer.take(record, run);
      if (handled !== undefined) await handled;
    } catch (error) {
      if (!(error instanceof RecordError || error instanceof ValidationError)) throw error;
      if (!errors.handle(record, error)) return;
    }
    run.handled++;
    run.bytes += record.sizeBytes;
    run.last = record.offset;
  }
}
