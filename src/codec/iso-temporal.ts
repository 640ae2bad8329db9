// ISO 8601 / RFC 3339 text -> Iceberg temporal values, for JSON payloads
// (JSON Schema formats date, time, date-time). Exact to the microsecond or
// nanosecond: Date.parse would stop at milliseconds.
import { civilFromDays, daysFromCivil } from '../iceberg/epoch-calendar.ts';

const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;
const TIMESTAMP =
  /^(-?\d{4,})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const MICROS_PER_SECOND = 1_000_000n;

/** Days since 1970-01-01, or undefined when the text is not a valid `YYYY-MM-DD`. */
export function parseIsoDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (m === null) return undefined;
  return validDays(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Microseconds of the day, or undefined when the text is not a valid `HH:MM[:SS[.fraction]]`. */
export function parseIsoTime(text: string): bigint | undefined {
  const m = TIME.exec(text);
  if (m === null) return undefined;
  const seconds = clockSeconds(Number(m[1]), Number(m[2]), Number(m[3] ?? 0));
  if (seconds === undefined) return undefined;
  return BigInt(seconds) * MICROS_PER_SECOND + fraction(m[4], 6);
}

export interface ParsedTimestamp {
  /** Since the epoch, in the requested unit (micros: 6 fraction digits, nanos: 9). */
  readonly value: bigint;
  /** Whether the text carried a zone (Z or an offset); the value is then UTC. */
  readonly zoned: boolean;
}

/**
 * A date-time with an optional zone: `2024-01-02T03:04:05.123456Z`, `...+02:00`, a
 * space instead of T. Offsets are applied (the value is the UTC instant); text
 * without a zone is taken as UTC wall-clock time. Digits beyond the unit must be 0.
 */
export function parseIsoTimestamp(text: string, fractionDigits: 6 | 9): ParsedTimestamp | undefined {
  const m = TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const days = validDays(Number(m[1]), Number(m[2]), Number(m[3]));
  const seconds = clockSeconds(Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (days === undefined || seconds === undefined) return undefined;
  const digits = m[7] ?? '';
  if (digits.length > fractionDigits && !/^0*$/.test(digits.slice(fractionDigits))) return undefined;
  let offsetSeconds = 0;
  if (m[9] !== undefined) {
    const hours = Number(m[10]);
    const minutes = Number(m[11]);
    if (hours > 23 || minutes > 59) return undefined;
    offsetSeconds = (m[9] === '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
  }
  const unit = fractionDigits === 6 ? MICROS_PER_SECOND : 1_000_000_000n;
  const epochSeconds = days * 86_400 + seconds - offsetSeconds;
  return {
    value: BigInt(epochSeconds) * unit + fraction(m[7], fractionDigits),
    zoned: m[8] !== undefined || m[9] !== undefined,
  };
}

/** What schemaless JSON infers from a string: see readIsoTemporal. */
export type InferredTemporal = 'date' | 'timestamp' | 'timestamptz';

export interface IsoTemporal {
  readonly kind: InferredTemporal;
  /** Days since the epoch (date) or microseconds since the epoch (timestamps, UTC for timestamptz). */
  readonly value: number | bigint;
}

/**
 * The temporal value a schemaless JSON string reads as: `YYYY-MM-DD` a date, an
 * ISO-8601 date-time with a zone (Z or an offset) a timestamptz, without one a
 * timestamp; undefined for any other text, including years outside 0000-9999 and
 * a date-time with non-zero digits below the microsecond (it would not fit a
 * microsecond column exactly).
 */
export function readIsoTemporal(text: string): IsoTemporal | undefined {
  // Cheap first test, as most strings are not temporal: a 4-digit year and a dash.
  if (text.length < 10 || text.charCodeAt(4) !== 45 || !isDigit(text.charCodeAt(0))) return undefined;
  if (text.length === 10) {
    const days = parseIsoDate(text);
    return days === undefined ? undefined : { kind: 'date', value: days };
  }
  const parsed = parseIsoTimestamp(text, 6);
  if (parsed === undefined) return undefined;
  return { kind: parsed.zoned ? 'timestamptz' : 'timestamp', value: parsed.value };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function validDays(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const days = daysFromCivil(year, month, day);
  // 2023-02-30 would silently roll over to March
  return civilFromDays(days).month === month ? days : undefined;
}

function clockSeconds(hours: number, minutes: number, seconds: number): number | undefined {
  // 60 is a leap second; like most readers we do not represent it.
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return hours * 3600 + minutes * 60 + seconds;
}

/** The fraction digits scaled to `digits` places (truncating beyond, which the caller has checked are zeros). */
function fraction(text: string | undefined, digits: number): bigint {
  if (text === undefined) return 0n;
  return BigInt(text.slice(0, digits).padEnd(digits, '0'));
}
