// Per-leaf column statistics gathered while rows are appended, in Iceberg's value
// representation (src/iceberg/types.ts). The sink turns min/max into bounds
// (spec: "Manifests", value_counts / null_value_counts / nan_value_counts / bounds).

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
