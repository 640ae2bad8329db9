// One canonical text per value, whoever read it, for comparing a Postgres table with
// the Iceberg table Debezium and floe made of it: Postgres' text output (node-postgres
// with every type parser off) on one side, the Iceberg readers' canonical JSON
// (test/interop/canonical.py, parsed with exact integers) on the other. The column's
// Postgres type decides:
//   int2/int4/int8   decimal digits (longs beyond 2^53 exact)
//   numeric          plain decimal text with the column's scale ("-12.30")
//   timestamptz      microseconds since the epoch, UTC: Postgres "2024-05-01 12:00:00.5+00",
//   timestamp        the readers' "2024-05-01T12:00:00.500000[Z]", Debezium's ZonedTimestamp
//                    string "2024-05-01T12:00:00.5Z" all become "1714564800500000"
//   date             "YYYY-MM-DD"
//   uuid             lower case, as both print it
//   bool             "true" / "false" (Postgres prints t / f)
//   bytea            lowercase hex, no prefix (Postgres "\x00ff", readers "0x00ff")
//   float8           the shortest text of the double (JavaScript's String(number))
//   text             itself
// A row's canonical line is the JSON array of its cells in column order.
import { JsonNumberText, parseJsonExact } from '../../src/codec/json-number.ts';
import type { CdcColumn, PgType } from './cdc-tables.ts';

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Microseconds since the epoch of an ISO-like timestamp text; no zone means UTC. */
export function timestampMicros(text: string): bigint {
  const m = TIMESTAMP.exec(text);
  if (!m) throw new Error(`not a timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const dayMs = Date.UTC(Number(y), Number(mo) - 1, Number(d));
  const seconds = Number(h) * 3600 + Number(mi) * 60 + Number(s);
  const fractionMicros = BigInt(fraction.padEnd(9, '0').slice(0, 6));
  let offsetSeconds = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetSeconds =
      (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2) || 0) * 60);
  }
  return BigInt(dayMs) * 1000n + BigInt(seconds - offsetSeconds) * 1_000_000n + fractionMicros;
}

function stripHex(text: string): string {
  if (text.startsWith('\\x') || text.startsWith('0x')) return text.slice(2).toLowerCase();
  throw new Error(`not hex bytes: ${JSON.stringify(text.slice(0, 40))}`);
}

/** The canonical cell of a value of a column of Postgres type `type`: Postgres text or a reader's JSON value. */
export function canonicalCell(type: PgType, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'int2':
    case 'int4':
    case 'int8':
      if (typeof value === 'number' && !Number.isSafeInteger(value))
        throw new Error(`an integer read as an inexact number: ${value}`);
      return String(value);
    case 'bool':
      if (value === 't' || value === true) return 'true';
      if (value === 'f' || value === false) return 'false';
      throw new Error(`not a boolean: ${JSON.stringify(value)}`);
    case 'timestamptz':
    case 'timestamp':
      return String(timestampMicros(String(value)));
    case 'bytea':
      return stripHex(String(value));
    case 'float8':
      return String(value instanceof JsonNumberText ? value.value : Number(value));
    default:
      return String(value);
  }
}

/** The canonical line of a row given as column name -> value. */
export function canonicalLine(columns: readonly CdcColumn[], row: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(columns.map((c) => canonicalCell(c.type, row[c.name])));
}

/**
 * The canonical lines of an Iceberg table read by the readers (three-readers.ts
 * lines: canonical JSON objects). Throws when a row's columns are not exactly
 * `columns` (a column missing, or one the Postgres table does not have).
 */
export function icebergLines(columns: readonly CdcColumn[], readerLines: readonly string[]): string[] {
  const names = columns.map((c) => c.name).sort();
  return readerLines.map((line) => {
    const row = parseJsonExact(line) as Record<string, unknown>;
    const have = Object.keys(row).sort();
    if (have.join(',') !== names.join(','))
      throw new Error(
        `an Iceberg row has columns ${have.join(', ')}; the Postgres table has ${names.join(', ')}`,
      );
    return canonicalLine(columns, row);
  });
}

/** Undefined when both sides hold the same lines (as multisets); otherwise counts and the first lines of each side. */
export function lineDifferences(
  leftName: string,
  left: readonly string[],
  rightName: string,
  right: readonly string[],
  shown = 5,
): string | undefined {
  const counts = new Map<string, number>();
  for (const line of left) counts.set(line, (counts.get(line) ?? 0) + 1);
  const onlyRight: string[] = [];
  for (const line of right) {
    const n = counts.get(line) ?? 0;
    if (n === 0) onlyRight.push(line);
    else counts.set(line, n - 1);
  }
  const onlyLeft = [...counts].flatMap(([line, n]) => Array<string>(n).fill(line));
  if (onlyLeft.length === 0 && onlyRight.length === 0) return undefined;
  return [
    `${leftName} has ${left.length} rows, ${rightName} ${right.length}; ` +
      `${onlyLeft.length} only in ${leftName}, ${onlyRight.length} only in ${rightName}`,
    ...onlyLeft
      .sort()
      .slice(0, shown)
      .map((l) => `  ${leftName}: ${l}`),
    ...onlyRight
      .sort()
      .slice(0, shown)
      .map((l) => `  ${rightName}: ${l}`),
  ].join('\n');
}
