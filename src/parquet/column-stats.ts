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
