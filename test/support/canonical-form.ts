// floe's in-memory values (src/iceberg/types.ts, "Values, by type") -> the canonical
// row form the three readers print (test/interop/canonical.py), parsed: what a table
// written with `rows` must read back as in every reader. Use with expectReadersAgree
// (three-readers.ts):
//   expect(sortById(rows.get('ns.t')!)).toEqual(written.map((r) => canonicalRow(schema, r)));
// Longs become numbers (exact up to 2^53, as JSON.parse gives the readers' lines).
import type { IcebergType, NestedField, Row } from '../../src/iceberg/types.ts';

const MICROS_PER_DAY = 86_400_000_000n;

const pad = (n: number | bigint, width: number) => String(n).padStart(width, '0');

function isoDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

function timeOfDay(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  return `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}.${pad(micros % 1_000_000n, 6)}`;
}

/** "YYYY-MM-DDTHH:MM:SS.ffffff" of micros since the epoch, "Z" appended when zoned. */
export function canonicalTimestamp(micros: bigint, zoned: boolean): string {
  const days = micros >= 0n ? micros / MICROS_PER_DAY : -((-micros + MICROS_PER_DAY - 1n) / MICROS_PER_DAY);
  return `${isoDate(Number(days))}T${timeOfDay(micros - days * MICROS_PER_DAY)}${zoned ? 'Z' : ''}`;
}

/** Plain notation with exactly `scale` fraction digits, as Python's format(Decimal, "f"). */
export function canonicalDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = pad(negative ? -unscaled : unscaled, scale + 1);
  const whole = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return `${negative ? '-' : ''}${whole}`;
}

function canonicalFloat(value: number): unknown {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

function sortKey(value: unknown): string {
  return JSON.stringify(value);
}

/** The canonical form of one value of an Iceberg type. */
export function canonicalValue(type: IcebergType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'long':
      return Number(value);
    case 'float':
      return canonicalFloat(Math.fround(value as number));
    case 'double':
      return canonicalFloat(value as number);
    case 'date':
      return isoDate(value as number);
    case 'time':
      return timeOfDay(BigInt(value as bigint));
    case 'timestamp':
    case 'timestamptz':
      return canonicalTimestamp(BigInt(value as bigint), type.kind === 'timestamptz');
    case 'decimal':
      return canonicalDecimal(BigInt(value as bigint), type.scale);
    case 'binary':
    case 'fixed':
      return `0x${Buffer.from(value as Uint8Array).toString('hex')}`;
    case 'uuid':
      return (value as string).toLowerCase();
    case 'struct':
      return canonicalStruct(type.fields, value as Row);
    case 'list':
      return (value as unknown[]).map((v) => canonicalValue(type.element, v));
    case 'map':
      return [...(value as Map<unknown, unknown>)]
        .map(([k, v]) => [canonicalValue(type.key, k), canonicalValue(type.value, v)])
        .sort((a, b) => (sortKey(a[0]) < sortKey(b[0]) ? -1 : sortKey(a[0]) > sortKey(b[0]) ? 1 : 0));
    case 'timestamp_ns':
    case 'timestamptz_ns':
      throw new Error(`canonical form: ${type.kind} is not supported by every reader`);
    default:
      return value;
  }
}

function canonicalStruct(fields: readonly NestedField[], row: Row): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, canonicalValue(f.type, row[f.name])]));
}

/** The canonical form of a row of a table whose schema has `fields` (absent columns read as null). */
export function canonicalRow(
  schema: { readonly fields: readonly NestedField[] },
  row: Row,
): Record<string, unknown> {
  return canonicalStruct(schema.fields, row);
}
