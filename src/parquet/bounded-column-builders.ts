// The statistics half shared by the leaf columns whose bounds a BoundsTracker
// holds: strings, binary, fixed (byte-column-builders.ts), uuid
// (uuid-column-builder.ts) and decimals (decimal-column-builder.ts).
// Their bounds are saved before a row first changes them and restored when the
// row is rolled back (column-builder.ts, RowEpoch), and set on the statistics.
// Decimal columns keep a second range, of numbers, for the typed fast path
// (avro-column-decoder.ts appends safe integers, no bigint per value), merged
// with the bigint bounds when the statistics are collected. The updates are
// methods each builder calls on itself with one value type, so the append
// paths stay monomorphic and compare plain fields.
import { LeafColumnBuilder, type LeafField } from './column-builder.ts';
import { BoundsTracker, type ColumnStats, type ValueComparator } from './column-stats.ts';
import type { RowEpoch } from './row-epoch.ts';
import type { ValidityBitmap } from './validity-bitmap.ts';
import { compareBigInts } from './value-order.ts';

/** A leaf column whose min/max are one BoundsTracker. */
export abstract class BoundedColumnBuilder<T> extends LeafColumnBuilder {
  protected readonly bounds: BoundsTracker<T>;

  constructor(field: LeafField, epoch: RowEpoch, compare: ValueComparator<T>) {
    super(field, epoch);
    this.bounds = new BoundsTracker<T>(compare, () => this.willChangeStats());
  }

  protected addBounds(stats: ColumnStats): void {
    if (this.bounds.min === undefined) return;
    stats.min = this.bounds.min;
    stats.max = this.bounds.max;
  }

  protected saveStats(): void {
    this.bounds.save();
  }

  protected restoreStats(): void {
    this.bounds.restore();
  }
}

/**
 * Decimal columns: bigints from the row path, safe integers as numbers from
 * the typed fast path; each kind's bounds in its own fields, merged into bigint
 * bounds for the statistics.
 */
export abstract class WideIntegerColumnBuilder extends BoundedColumnBuilder<bigint> {
  // Bounds of the typed fast path's numbers. Separate from `bounds` (and from
  // addBigInt's code) so that neither comparison ever sees the other type.
  private numSeen = false;
  private numMin = 0;
  private numMax = 0;
  private savedNumSeen = false;
  private savedNumMin = 0;
  private savedNumMax = 0;

  constructor(field: LeafField, epoch: RowEpoch) {
    super(field, epoch, compareBigInts);
  }

  /** Widens the bounds by a row-path value (compared inline, not through the tracker's comparator). */
  protected addBigInt(value: bigint): void {
    const bounds = this.bounds;
    if (bounds.min === undefined) {
      this.willChangeStats();
      bounds.min = value;
      bounds.max = value;
    } else if (value < bounds.min) {
      this.willChangeStats();
      bounds.min = value;
    } else if (value > (bounds.max as bigint)) {
      this.willChangeStats();
      bounds.max = value;
    }
  }

  /** Widens the bounds by a typed fast-path value, a safe integer. */
  protected addNumber(value: number): void {
    if (!this.numSeen) {
      this.willChangeStats();
      this.numSeen = true;
      this.numMin = value;
      this.numMax = value;
    } else if (value < this.numMin) {
      this.willChangeStats();
      this.numMin = value;
    } else if (value > this.numMax) {
      this.willChangeStats();
      this.numMax = value;
    }
  }

  protected override addBounds(stats: ColumnStats): void {
    let min = this.bounds.min;
    let max = this.bounds.max;
    if (this.numSeen) {
      const numMin = BigInt(this.numMin);
      const numMax = BigInt(this.numMax);
      if (min === undefined || numMin < min) min = numMin;
      if (max === undefined || numMax > max) max = numMax;
    }
    if (min === undefined) return;
    stats.min = min;
    stats.max = max;
  }

  protected override saveStats(): void {
    super.saveStats();
    this.savedNumSeen = this.numSeen;
    this.savedNumMin = this.numMin;
    this.savedNumMax = this.numMax;
  }

  protected override restoreStats(): void {
    super.restoreStats();
    this.numSeen = this.savedNumSeen;
    this.numMin = this.savedNumMin;
    this.numMax = this.savedNumMax;
  }
}

/** makeData's length, null count and validity bitmap of a finished leaf column. */
export function finishedSlots(validity: ValidityBitmap): {
  length: number;
  nullCount: number;
  nullBitmap: Uint8Array | undefined;
} {
  return { length: validity.length, nullCount: validity.nullCount, nullBitmap: validity.finish() };
}
