// The partition directory of a data file, `name=value/...`, with values in the
// reference implementation's human form (Transform.toHumanString) and names and
// values URL-encoded as java.net.URLEncoder does (space as '+').
import { ValidationError } from '../errors.ts';
import { civilFromDays, floorDivCount } from './epoch-calendar.ts';
import type { PartitionSpec, PartitionTuple, Transform } from './partition-spec.ts';
import { partitionType } from './partition-spec.ts';
import { floorMod } from './primitive-value.ts';
import type { PrimitiveType, Schema } from './types.ts';

/** e.g. `ts_day=2024-01-02/id_bucket=3`; empty for an unpartitioned spec. */
export function partitionPath(spec: PartitionSpec, schema: Schema, tuple: PartitionTuple): string {
  if (tuple.length !== spec.fields.length) {
    throw new ValidationError(
      `partition tuple has ${tuple.length} values but spec ${spec.specId} has ${spec.fields.length} fields`,
    );
  }
  const resultFields = partitionType(spec, schema).fields;
  return spec.fields
    .map((field, i) => {
      const human = humanPartitionValue(field.transform, resultFields[i]?.type as PrimitiveType, tuple[i]);
      return `${urlEncode(field.name)}=${urlEncode(human)}`;
    })
    .join('/');
}

/** A partition value as text: dates yyyy-MM-dd, months yyyy-MM, hours yyyy-MM-dd-HH, null as 'null'. */
export function humanPartitionValue(transform: Transform, resultType: PrimitiveType, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (transform.kind) {
    case 'year':
      return pad(1970 + Number(value), 4);
    case 'month': {
      const months = Number(value);
      return `${pad(1970 + Math.floor(months / 12), 4)}-${pad(months - Math.floor(months / 12) * 12 + 1, 2)}`;
    }
    case 'day':
      return humanDate(Number(value));
    case 'hour': {
      const hours = Number(value);
      const days = Math.floor(hours / 24);
      return `${humanDate(days)}-${pad(hours - days * 24, 2)}`;
    }
    case 'void':
      return 'null';
    default:
      return humanValue(resultType, value);
  }
}

function humanValue(type: PrimitiveType, value: unknown): string {
  switch (type.kind) {
    case 'date':
      return humanDate(Number(value));
    case 'time':
      return humanTime(BigInt(value as bigint | number));
    case 'timestamp':
      return humanTimestamp(BigInt(value as bigint | number), 1000n);
    case 'timestamptz':
      return `${humanTimestamp(BigInt(value as bigint | number), 1000n)}+00:00`;
    case 'timestamp_ns':
      return humanTimestamp(BigInt(value as bigint | number), 1n);
    case 'timestamptz_ns':
      return `${humanTimestamp(BigInt(value as bigint | number), 1n)}+00:00`;
    case 'decimal':
      return decimalToString(BigInt(value as bigint | number), type.scale);
    case 'float':
    case 'double':
      return floatToString(Number(value), type.kind === 'float');
    case 'fixed':
    case 'binary':
      return base64(value as Uint8Array);
    default:
      return String(value);
  }
}

/** Like Java's %0Nd: zero-padded to `width` characters, the sign included. */
function pad(value: number, width: number): string {
  return value < 0 ? `-${String(-value).padStart(width - 1, '0')}` : String(value).padStart(width, '0');
}

function humanDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** java.time.LocalTime#toString: seconds only when non-zero, fraction in groups of 3 digits. */
function humanTime(micros: bigint): string {
  const seconds = Number(micros / 1_000_000n);
  const fraction = Number(micros % 1_000_000n);
  let text = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}`;
  if (seconds % 60 !== 0 || fraction !== 0) text += `:${pad(seconds % 60, 2)}`;
  if (fraction !== 0) text += `.${fraction % 1000 === 0 ? pad(fraction / 1000, 3) : pad(fraction, 6)}`;
  return text;
}

/** ISO local date-time (DateTimeFormatter.ISO_LOCAL_DATE_TIME): fraction without trailing zeros. */
function humanTimestamp(ticks: bigint, nanosPerTick: bigint): string {
  const nanos = ticks * nanosPerTick;
  const seconds = (nanos - floorMod(nanos, 1_000_000_000n)) / 1_000_000_000n;
  const fraction = Number(floorMod(nanos, 1_000_000_000n));
  const days = floorDivCount(seconds, 86_400);
  const secondOfDay = Number(seconds - BigInt(days) * 86_400n);
  const { year, month, day } = civilFromDays(days);
  const yearText = year > 9999 ? `+${year}` : pad(year, 4);
  let text = `${yearText}-${pad(month, 2)}-${pad(day, 2)}T${pad(Math.floor(secondOfDay / 3600), 2)}:${pad(
    Math.floor(secondOfDay / 60) % 60,
    2,
  )}:${pad(secondOfDay % 60, 2)}`;
  if (fraction !== 0) text += `.${pad(fraction, 9).replace(/0+$/, '')}`;
  return text;
}

/** java.math.BigDecimal#toString: plain unless the adjusted exponent is below -6 or the scale negative. */
function decimalToString(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  const adjusted = digits.length - 1 - scale;
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return sign + digits;
    if (digits.length > scale) {
      return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    }
    return `${sign}0.${'0'.repeat(scale - digits.length)}${digits}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted > 0 ? '+' : ''}${adjusted}`;
}

/** Java's Float/Double#toString: shortest digits, at least one fraction digit, E notation outside [1e-3, 1e7). */
function floatToString(value: number, isFloat: boolean): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  let shortest = value;
  if (isFloat) {
    // the fewest significant digits that still read back as the same float
    for (let precision = 1; precision <= 9; precision += 1) {
      shortest = Number(value.toPrecision(precision));
      if (Math.fround(shortest) === value) break;
    }
  }
  const magnitude = Math.abs(shortest);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(shortest);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa = '', exponent = ''] = shortest.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = ((bytes[i] as number) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    text += BASE64.charAt(chunk >> 18) + BASE64.charAt((chunk >> 12) & 63);
    text += i + 1 < bytes.length ? BASE64.charAt((chunk >> 6) & 63) : '=';
    text += i + 2 < bytes.length ? BASE64.charAt(chunk & 63) : '=';
  }
  return text;
}

/** java.net.URLEncoder.encode(text, UTF_8): unreserved are A-Z a-z 0-9 . - * _, space becomes '+'. */
export function urlEncode(text: string): string {
  try {
    return encodeURIComponent(text)
      .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+');
  } catch (error) {
    throw new ValidationError(
      `partition path text ${JSON.stringify(text)} is not valid Unicode`,
      {},
      { cause: error },
    );
  }
}
