// Debezium's own semantic types -> Iceberg types, by the Connect schema name a
// column carries (Avro: the `connect.name` property Connect's AvroConverter
// writes on the field's type; JSON with schemas: the field schema's "name").
// They are what Debezium sends with its default `time.precision.mode:
// adaptive` (and `adaptive_time_microseconds`):
//
//   io.debezium.time.Date            int days since the epoch      -> date
//   io.debezium.time.Time            int millis of the day         -> time
//   io.debezium.time.MicroTime       long micros of the day        -> time
//   io.debezium.time.NanoTime        long nanos of the day         -> time (micros)
//   io.debezium.time.Timestamp       long millis since the epoch   -> timestamp
//   io.debezium.time.MicroTimestamp  long micros since the epoch   -> timestamp
//   io.debezium.time.NanoTimestamp   long nanos since the epoch    -> timestamp (micros)
//   io.debezium.time.ZonedTimestamp  ISO-8601 text with an offset  -> timestamptz (UTC micros)
//   io.debezium.data.Uuid            text                          -> uuid
//
// Nanoseconds are cut to the microsecond toward the past (floor), in NanoTime,
// NanoTimestamp and ZonedTimestamp text with more than six fraction digits.
// io.debezium.time.ZonedTime (a time with an offset: Iceberg has no such type)
// and every other name (Json, Bits, VariableScaleDecimal, Enum, ...) keep
// their carrier type. All conversions are integer arithmetic on exact values
// (bigint), never through a double; a value that does not fit is a PayloadError
// naming the column.
import type { IcebergType, PrimitiveTypeName } from '../iceberg/types.ts';
import { parseIsoTimestamp } from './iso-temporal.ts';
import { JsonNumberText } from './json-number.ts';
import { PayloadError } from './payload-error.ts';

type Carrier = 'int' | 'long' | 'string';

export interface SemanticType {
  /** The Connect schema name, for messages. */
  readonly name: string;
  /** The Iceberg type of the carrier alone (what floe mapped the column to before it knew the name). */
  readonly carrier: Carrier;
  readonly type: PrimitiveTypeName;
  /** A non-null carrier value -> the Iceberg value; throws PayloadError naming `path`. */
  readonly convert: (value: unknown, path: string) => unknown;
}

const MICROS_PER_DAY = 86_400_000_000n;

const SEMANTIC_TYPES: ReadonlyMap<string, SemanticType> = new Map(
  (
    [
      ['io.debezium.time.Date', 'int', 'date', (v, at) => Number(integer(v, at))],
      ['io.debezium.time.Time', 'int', 'time', (v, at) => timeOfDay(integer(v, at) * 1000n, at)],
      ['io.debezium.time.MicroTime', 'long', 'time', (v, at) => timeOfDay(integer(v, at), at)],
      [
        'io.debezium.time.NanoTime',
        'long',
        'time',
        (v, at) => timeOfDay(floorDiv(integer(v, at), 1000n), at),
      ],
      ['io.debezium.time.Timestamp', 'long', 'timestamp', (v, at) => integer(v, at) * 1000n],
      ['io.debezium.time.MicroTimestamp', 'long', 'timestamp', (v, at) => integer(v, at)],
      ['io.debezium.time.NanoTimestamp', 'long', 'timestamp', (v, at) => floorDiv(integer(v, at), 1000n)],
      ['io.debezium.time.ZonedTimestamp', 'string', 'timestamptz', zonedTimestamp],
      ['io.debezium.data.Uuid', 'string', 'uuid', uuid],
    ] as const satisfies ReadonlyArray<
      readonly [string, Carrier, PrimitiveTypeName, (value: unknown, path: string) => unknown]
    >
  ).map(([name, carrier, type, convert]) => [name, { name, carrier, type, convert }]),
);

/**
 * The semantic type a column of Connect schema `connectName` holds, when its
 * carrier is the one Debezium uses for that name (undefined otherwise: the
 * column keeps its carrier type).
 */
export function semanticType(
  connectName: string | undefined,
  carrier: IcebergType,
): SemanticType | undefined {
  if (connectName === undefined) return undefined;
  const semantic = SEMANTIC_TYPES.get(connectName);
  return semantic !== undefined && carrier.kind === semantic.carrier ? semantic : undefined;
}

/** An integral JSON or Avro number as a bigint (JSON numbers come as number, bigint or JsonNumberText). */
function integer(value: unknown, path: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value instanceof JsonNumberText && /^-?\d+$/.test(value.text)) return BigInt(value.text);
  throw new PayloadError(
    'incompatible',
    `${path} must be an integer, got ${JSON.stringify(String(value instanceof JsonNumberText ? value.text : value))}`,
  );
}

/** Division rounding toward negative infinity (bigint division truncates toward zero). */
function floorDiv(value: bigint, divisor: bigint): bigint {
  const quotient = value / divisor;
  return value % divisor < 0n ? quotient - 1n : quotient;
}

function timeOfDay(micros: bigint, path: string): bigint {
  if (micros < 0n || micros >= MICROS_PER_DAY) {
    throw new PayloadError(
      'out-of-range',
      `${path}: ${micros} microseconds is not a time of day (Iceberg's time ends at 23:59:59.999999; Postgres' 24:00:00 does not fit)`,
    );
  }
  return micros;
}

function zonedTimestamp(value: unknown, path: string): bigint {
  if (typeof value !== 'string')
    throw new PayloadError('incompatible', `${path} must be a string, got ${typeof value}`);
  const parsed = parseIsoTimestamp(value, 9);
  if (parsed === undefined || !parsed.zoned) {
    throw new PayloadError(
      'incompatible',
      `${path}: ${JSON.stringify(value)} is not an ISO-8601 timestamp with a zone (io.debezium.time.ZonedTimestamp)`,
    );
  }
  return floorDiv(parsed.value, 1000n);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuid(value: unknown, path: string): string {
  if (typeof value !== 'string' || !UUID.test(value))
    throw new PayloadError(
      'incompatible',
      `${path}: ${JSON.stringify(value)} is not a UUID (io.debezium.data.Uuid)`,
    );
  return value.toLowerCase();
}
