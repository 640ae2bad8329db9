// Floe's in-memory values -> the JSON form test/interop/read_table.py prints for
// the same PyArrow values, so rows can be compared one for one.

const MICROS_PER_DAY = 86_400_000_000n;

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

/** Python's date.isoformat() of days since 1970-01-01. */
export function pyDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** Python's datetime.isoformat() of a UTC timestamp in micros: fraction only when non-zero. */
export function pyTimestamptz(micros: bigint): string {
  const days = micros >= 0n ? micros / MICROS_PER_DAY : -((-micros + MICROS_PER_DAY - 1n) / MICROS_PER_DAY);
  const ofDay = micros - days * MICROS_PER_DAY;
  const seconds = ofDay / 1_000_000n;
  const fraction = ofDay % 1_000_000n;
  const time = `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}`;
  return `${pyDate(Number(days))}T${time}${fraction === 0n ? '' : `.${pad(fraction, 6)}`}+00:00`;
}

/** Python's str(Decimal) for an unscaled value and a positive scale. */
export function pyDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = pad(negative ? -unscaled : unscaled, scale + 1);
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

export function pyBytes(bytes: Uint8Array): { __bytes__: string } {
  return { __bytes__: Buffer.from(bytes).toString('base64') };
}

/** PyArrow maps arrive as lists of pairs; an empty one is indistinguishable from an empty list. */
export function pyMap(map: Map<unknown, unknown>, value: (v: unknown) => unknown): unknown {
  if (map.size === 0) return [];
  return { __map__: [...map].map(([k, v]) => [k, v === null ? null : value(v)]) };
}

/** A UUID in either form the reader may print (string, or 16 bytes). */
export function normalizeUuid(value: unknown): unknown {
  if (value && typeof value === 'object' && '__bytes__' in value) {
    const hex = Buffer.from((value as { __bytes__: string }).__bytes__, 'base64').toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return value;
}
