// Byte-backed primitive columns: string (Utf8), binary and fixed[n]; uuids are in
// uuid-column-builder.ts, decimals in decimal-column-builder.ts.
import { type Data, type DataType, type FixedSizeBinary, makeData, type Utf8 } from 'apache-arrow';
import { ValidationError } from '../errors.ts';
import { BoundedColumnBuilder } from './bounded-column-builders.ts';
import { type ColumnBuilder, grown, type LeafField } from './column-builder.ts';
import type { ValueComparator } from './column-stats.ts';
import type { RowEpoch } from './row-epoch.ts';
import { compareBytes, compareCodePoints } from './value-order.ts';

const INITIAL_CAPACITY = 1024;
const MAX_OFFSET = 2 ** 31 - 1;
const encoder = new TextEncoder();
const copyBytes = (bytes: Uint8Array): Uint8Array => bytes.slice();

/** Offsets + data buffers shared by string and binary columns. */
abstract class VariableWidthColumnBuilder<T> extends BoundedColumnBuilder<T> {
  private readonly type: DataType;
  protected offsets = new Int32Array(INITIAL_CAPACITY + 1);
  protected data = new Uint8Array(INITIAL_CAPACITY * 16);
  protected end = 0;

  constructor(field: LeafField, epoch: RowEpoch, type: DataType, compare: ValueComparator<T>) {
    super(field, epoch, compare);
    this.type = type;
  }

  /** Ensures `extra` more data bytes fit and slot `index` has an offset entry. */
  protected reserve(index: number, extra: number): void {
    if (index + 1 >= this.offsets.length) this.offsets = grown(this.offsets, index + 2);
    const needed = this.end + extra;
    if (needed > this.data.length) this.data = grown(this.data, needed);
  }

  protected commit(index: number, end: number): void {
    if (end > MAX_OFFSET) {
      throw new ValidationError(`column '${this.field.path}' exceeds 2 GiB in one batch`, {
        field: this.field.path,
      });
    }
    this.end = end;
    this.offsets[index + 1] = end;
  }

  protected reserveNull(index: number): void {
    this.reserve(index, 0);
    this.offsets[index + 1] = this.end;
  }

  protected override dropSlots(length: number): void {
    this.end = this.offsets[length] as number;
  }

  protected override takeBuffers(before: this): void {
    this.offsets = before.offsets; // offsets[0] is 0 in every batch
    this.data = before.data;
  }

  override presize(rows: number, like: ColumnBuilder, recycle: boolean): void {
    super.presize(rows, like, recycle);
    if (like instanceof VariableWidthColumnBuilder) this.reserve(this.length, like.end);
  }

  protected valuesByteLength(): number {
    return this.end + (this.length + 1) * 4;
  }

  finish(): Data {
    return makeData({
      type: this.type as Utf8,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.finish(),
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      data: this.data.subarray(0, this.end),
    });
  }
}

export class Utf8ColumnBuilder extends VariableWidthColumnBuilder<string> {
  // Between ASCII strings JavaScript's comparison already is code-point order.
  // A rollback leaves it as is: false only costs the slower comparison.
  private boundsAscii = true;

  constructor(field: LeafField, epoch: RowEpoch, type: DataType) {
    super(field, epoch, type, compareCodePoints);
  }

  protected appendValue(value: unknown, index: number): void {
    if (typeof value !== 'string') throw this.invalid(value, 'a string');
    const n = value.length;
    this.reserve(index, n * 3);
    const data = this.data;
    let pos = this.end;
    let i = 0;
    // ASCII fast path; TextEncoder takes over at the first non-ASCII unit.
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) break;
      data[pos++] = c;
    }
    const ascii = i === n;
    if (!ascii) pos += encoder.encodeInto(i === 0 ? value : value.slice(i), data.subarray(pos)).written;
    this.commit(index, pos);
    this.updateBounds(value, ascii);
  }

  /**
   * The typed fast path: the UTF-8 bytes bytes[start, start + length) as the
   * value, copied without making a string, when they are all ASCII; false (and
   * nothing appended) at the first other byte, for the caller to append the
   * decoded string instead.
   */
  appendAscii(bytes: Uint8Array, start: number, length: number): boolean {
    const index = this.validity.length;
    this.reserve(index, length);
    const data = this.data;
    const at = this.end;
    for (let i = 0; i < length; i++) {
      const byte = bytes[start + i]!;
      if (byte >= 0x80) return false;
      data[at + i] = byte;
    }
    this.commit(index, at + length);
    const bounds = this.bounds;
    const first = length > 0 ? data[at]! : -1;
    if (bounds.min === undefined) {
      this.willChangeStats();
      bounds.min = asciiText(data, at, length);
      bounds.max = bounds.min;
      this.boundsAscii = true;
    } else if (first > bounds.min.charCodeAt(0) && first < (bounds.max as string).charCodeAt(0)) {
      // Its first character is strictly between the bounds' (most values): neither moves.
      // (An empty bound's charCodeAt(0) is NaN: the comparison is false, the full one decides.)
    } else if (compareAsciiBytes(data, at, length, bounds.min) < 0) {
      this.willChangeStats();
      bounds.min = asciiText(data, at, length);
    } else if (compareAsciiBytes(data, at, length, bounds.max as string) > 0) {
      this.willChangeStats();
      bounds.max = asciiText(data, at, length);
    }
    this.validity.appendValid();
    return true;
  }

  private updateBounds(value: string, ascii: boolean): void {
    const bounds = this.bounds;
    if (bounds.min === undefined) {
      this.willChangeStats();
      bounds.min = value;
      bounds.max = value;
      this.boundsAscii = ascii;
    } else if (ascii && this.boundsAscii) {
      if (value < bounds.min) {
        this.willChangeStats();
        bounds.min = value;
      } else if (value > (bounds.max as string)) {
        this.willChangeStats();
        bounds.max = value;
      }
    } else {
      bounds.add(value);
      this.boundsAscii = false;
    }
  }
}

/**
 * ASCII bytes against a string in code-point order: an ASCII byte and a UTF-16
 * unit order like code points (a surrogate is above every ASCII byte either way).
 */
export function compareAsciiBytes(bytes: Uint8Array, start: number, length: number, text: string): number {
  const n = Math.min(length, text.length);
  for (let i = 0; i < n; i++) {
    const d = bytes[start + i]! - text.charCodeAt(i);
    if (d !== 0) return d;
  }
  return length - text.length;
}

export function asciiText(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('latin1');
}

export class BinaryColumnBuilder extends VariableWidthColumnBuilder<Uint8Array> {
  constructor(field: LeafField, epoch: RowEpoch, type: DataType) {
    super(field, epoch, type, compareBytes);
  }

  protected appendValue(value: unknown, index: number): void {
    if (!(value instanceof Uint8Array)) throw this.invalid(value, 'a Uint8Array');
    this.reserve(index, value.length);
    this.data.set(value, this.end);
    this.commit(index, this.end + value.length);
    this.bounds.add(value, copyBytes);
  }
}

/** fixed[n] from a Uint8Array of exactly n bytes. */
export class FixedColumnBuilder extends BoundedColumnBuilder<Uint8Array> {
  private readonly type: DataType;
  private readonly width: number;
  private data: Uint8Array;

  constructor(field: LeafField, epoch: RowEpoch, type: DataType, width: number) {
    super(field, epoch, compareBytes);
    this.type = type;
    this.width = width;
    this.data = new Uint8Array(INITIAL_CAPACITY * width);
  }

  protected appendValue(value: unknown, index: number): void {
    if (!(value instanceof Uint8Array) || value.length !== this.width) {
      throw this.invalid(value, `a Uint8Array of ${this.width} bytes`);
    }
    this.reserveNull(index);
    this.data.set(value, index * this.width);
    this.bounds.add(value, copyBytes);
  }

  protected reserveNull(index: number): void {
    const needed = (index + 1) * this.width;
    if (needed > this.data.length) this.data = grown(this.data, needed);
  }

  protected valuesByteLength(): number {
    return this.length * this.width;
  }

  protected override takeBuffers(before: this): void {
    this.data = before.data;
  }

  finish(): Data {
    return makeData({
      type: this.type as FixedSizeBinary,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.finish(),
      data: this.data.subarray(0, this.length * this.width),
    });
  }
}
