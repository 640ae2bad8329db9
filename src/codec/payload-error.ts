// Errors raised while decoding one record's bytes. The pure decoders throw a
// PayloadError (what is wrong, no Kafka coordinates); the record decoders turn it
// into a RecordError that also says where: `orders[3]@1234: <what is wrong>`.
import { type ErrorContext, RecordError, ValidationError } from '../errors.ts';

/** Why a record could not be decoded; the worker's error policy counts by reason. */
export type RecordErrorReason =
  | 'malformed'
  | 'unknown-schema-id'
  | 'incompatible'
  | 'out-of-range'
  | 'unknown-field';

/** Where a record came from (a Kafka record satisfies this). */
export interface RecordCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export class PayloadError extends ValidationError {
  readonly reason: RecordErrorReason;

  constructor(
    reason: RecordErrorReason,
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, context, options);
    this.reason = reason;
  }
}

/** `orders[3]@1234`, the prefix of every record error message. */
export function describeCoordinates(where: RecordCoordinates): string {
  return `${where.topic}[${where.partition}]@${where.offset}`;
}

export function recordError(
  where: RecordCoordinates,
  reason: RecordErrorReason,
  detail: string,
  cause?: unknown,
): RecordError {
  return new RecordError(
    `${describeCoordinates(where)}: ${detail}`,
    { topic: where.topic, partition: where.partition, offset: where.offset.toString(), reason },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Wraps a failure of a pure decoding step into a RecordError. Errors that are not
 * about the record (a registry outage, a bug) pass through unchanged, so the worker
 * does not send a good record to the dead-letter queue because a service was down.
 */
export function toRecordError(where: RecordCoordinates, error: unknown): unknown {
  if (error instanceof RecordError) return error;
  if (error instanceof PayloadError) return recordError(where, error.reason, error.message, error);
  if (error instanceof RangeError)
    return recordError(where, 'malformed', `payload is malformed (${error.message})`, error);
  return error;
}
