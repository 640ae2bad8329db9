// Per-leaf column statistics gathered while rows are appended, in Iceberg's value
// representation (src/iceberg/types.ts). The sink turns min/max into bounds
// (spec: "Manifests", value_counts / null_value_counts / nan_value_counts / bounds).
import { FloeError } from '../errors.ts';
import { compareBigInts, compareBytes, compareCodePoints } from './value-order.ts';

export interface ColumnStats {
  /** Leaf slots written, nulls and NaNs included (Parquet's num_values: an empty or null list counts one). */
  valueCount: number;
  nullCount: number;
  /** Only for float and double leaves. */
  nanCount?: number;
  min?: unknown;
  max?: unknown;
  /** Compressed bytes of this leaf's column chunks, summed over row groups (from the Parquet footer). */
  compressedSize?: number;
}

/** Orders two non-null values of one leaf type: negative, zero or positive. */
export type ValueComparator<T> = (a: T, b: T) => number;

/** Running min/max of one leaf's non-null values (the fast numeric builders track their own). */
export class BoundsTracker<T> {
  min: T | undefined = undefined;
  max: T | undefined = undefined;
  private savedMin: T | undefined = undefined;
  private savedMax: T | undefined = undefined;
  private readonly compare: ValueComparator<T>;
  private readonly willChange: () => void;

  /** `willChange` runs before min or max moves (the owning column saves its statistics there). */
  constructor(compare: ValueComparator<T>, willChange: () => void) {
    this.compare = compare;
    this.willChange = willChange;
  }

  /** `copy` makes a stored bound independent of the caller's buffer. */
  add(value: T, copy?: (value: T) => T): void {
    if (this.min === undefined) {
      this.willChange();
      const kept = copy ? copy(value) : value;
      this.min = kept;
      this.max = kept;
    } else if (this.compare(value, this.min) < 0) {
      this.willChange();
      this.min = copy ? copy(value) : value;
    } else if (this.compare(value, this.max as T) > 0) {
      this.willChange();
      this.max = copy ? copy(value) : value;
    }
  }

  save(): void {
    this.savedMin = this.min;
    this.savedMax = this.max;
  }

  /** Back to the bounds of the last save(). */
  restore(): void {
    this.min = this.savedMin;
    this.max = this.savedMax;
  }
}

/**
 * Statistics of one file written in chunks: counts added, bounds widened. The
 * bounds of a leaf are all of one representation, ordered as the builders order
 * them (value-order.ts; -0 below +0 for floats).
 */
export function mergeColumnStats(
  a: ReadonlyMap<number, ColumnStats>,
  b: ReadonlyMap<number, ColumnStats>,
): Map<number, ColumnStats> {
  const merged = new Map<number, ColumnStats>();
  for (const [fieldId, x] of a) {
    const y = b.get(fieldId);
    if (y === undefined) {
      merged.set(fieldId, { ...x });
      continue;
    }
    const stats: ColumnStats = {
      valueCount: x.valueCount + y.valueCount,
      nullCount: x.nullCount + y.nullCount,
    };
    if (x.nanCount !== undefined || y.nanCount !== undefined)
      stats.nanCount = (x.nanCount ?? 0) + (y.nanCount ?? 0);
    const min = x.min === undefined ? y.min : y.min === undefined ? x.min : lower(x.min, y.min);
    const max =
      x.max === undefined
        ? y.max
        : y.max === undefined
          ? x.max
          : lower(x.max, y.max) === x.max
            ? y.max
            : x.max;
    if (min !== undefined) stats.min = min;
    if (max !== undefined) stats.max = max;
    merged.set(fieldId, stats);
  }
  for (const [fieldId, y] of b) if (!a.has(fieldId)) merged.set(fieldId, { ...y });
  return merged;
}

function lower(a: unknown, b: unknown): unknown {
  return compareValues(a, b) <= 0 ? a : b;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === 0 && b === 0) return (Object.is(a, -0) ? -1 : 0) - (Object.is(b, -0) ? -1 : 0);
    return a - b;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return compareBigInts(a, b);
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  throw new FloeError(`column bounds of different kinds cannot be merged: ${typeof a} and ${typeof b}`);
}

// Bounds of a fixed-width column, scanned once per chunk instead of compared
// on every append: a rolled-back row's slots are gone by then, so nothing needs
// saving per row. The columns write into a null slot the value of the slot
// before it, so from the first valid slot on every slot holds a valid value and
// the loops need no validity check (`bits`: the validity bitmap, undefined when
// no slot is null, only finds that first slot), nor any data-dependent branch:
// Math.min/max (which order -0 below +0, as the bounds must).

/** The first valid slot below `length`; `length` when there is none. */
function firstValid(bits: Uint8Array | undefined, length: number): number {
  if (bits === undefined) return 0;
  let i = 0;
  while (i < length && (((bits[i >> 3] as number) >> (i & 7)) & 1) === 0) i++;
  return i;
}

/** [min, max] of slots 0..length of int32 values; undefined when none is valid. */
export function int32Bounds(
  values: Int32Array,
  length: number,
  bits: Uint8Array | undefined,
): [number, number] | undefined {
  const first = firstValid(bits, length);
  if (first === length) return undefined;
  let min = values[first] as number;
  let max = min;
  for (let i = first + 1; i < length; i++) {
    const v = values[i] as number;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return [min, max];
}

const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;

/**
 * [min, max] of int64 values held as (low, high) 32-bit words, little endian;
 * undefined when none is valid. Scanned as doubles, exact while both bounds
 * are within ±2^53 (rounding keeps the order, so a rounded bound that small is
 * the exact one); else compared word by word.
 */
export function int64Bounds(
  words: Int32Array,
  length: number,
  bits: Uint8Array | undefined,
): [bigint, bigint] | undefined {
  const first = firstValid(bits, length);
  if (first === length) return undefined;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = first; i < length; i++) {
    const v = (words[2 * i + 1] as number) * TWO_POW_32 + ((words[2 * i] as number) >>> 0);
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (Math.abs(min) < TWO_POW_53 && Math.abs(max) < TWO_POW_53) return [BigInt(min), BigInt(max)];
  let minAt = first;
  let maxAt = first;
  for (let i = first + 1; i < length; i++) {
    if (compareInt64Words(words, i, minAt) < 0) minAt = i;
    else if (compareInt64Words(words, i, maxAt) > 0) maxAt = i;
  }
  return [int64Of(words, minAt), int64Of(words, maxAt)];
}

function compareInt64Words(words: Int32Array, a: number, b: number): number {
  const high = (words[2 * a + 1] as number) - (words[2 * b + 1] as number);
  if (high !== 0) return high;
  return ((words[2 * a] as number) >>> 0) - ((words[2 * b] as number) >>> 0);
}

function int64Of(words: Int32Array, i: number): bigint {
  return (BigInt(words[2 * i + 1] as number) << 32n) | BigInt((words[2 * i] as number) >>> 0);
}

export interface FloatBounds {
  nanCount: number;
  /** Undefined when every valid slot is NaN (or none is valid). */
  min?: number;
  max?: number;
}

/** NaNs counted (valid slots only), never a bound; -0 is below +0. */
export function floatBounds(
  values: Float32Array | Float64Array,
  length: number,
  bits: Uint8Array | undefined,
): FloatBounds {
  let nanCount = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = firstValid(bits, length); i < length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) {
      // A null slot may repeat a NaN: count the valid ones.
      if (bits === undefined || (((bits[i >> 3] as number) >> (i & 7)) & 1) === 1) nanCount++;
      continue;
    }
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return min > max ? { nanCount } : { nanCount, min, max };
}
