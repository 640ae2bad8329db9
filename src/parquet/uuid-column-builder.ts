// uuid columns: 16 big-endian bytes (Arrow fixed-size binary) from the canonical
// text, a string on the row path or the record's bytes on the typed fast path;
// bounds stay lower-case strings.
import { type Data, type DataType, type FixedSizeBinary, makeData } from 'apache-arrow';
import { BoundedColumnBuilder, finishedSlots } from './bounded-column-builders.ts';
import { asciiText, compareAsciiBytes } from './byte-column-builders.ts';
import { grown, type LeafField } from './column-builder.ts';
import type { RowEpoch } from './row-epoch.ts';

const INITIAL_CAPACITY = 1024;

// Per UTF-16 unit: the hex digit's value, +16 when it is an upper-case letter, -1 when not hex.
const HEX_DIGIT = new Int8Array(65536).fill(-1);
for (let c = 0; c < 10; c++) HEX_DIGIT[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_DIGIT[97 + c] = 10 + c;
  HEX_DIGIT[65 + c] = 16 + 10 + c;
}
/** The same for a byte: 256 entries stay in the first-level cache. */
const HEX_BYTE = HEX_DIGIT.slice(0, 256);
const UUID_LENGTH = 36;
const DASH = 45;
/** Where each of the 16 bytes' two hex digits start in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
const UUID_HEX_POSITIONS = Uint8Array.from([0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]);

/** uuid: canonical 8-4-4-4-12 string -> 16 big-endian bytes; bounds stay lower-case strings. */
export class UuidColumnBuilder extends BoundedColumnBuilder<string> {
  private readonly type: DataType;
  private data = new Uint8Array(INITIAL_CAPACITY * 16);

  constructor(field: LeafField, epoch: RowEpoch, type: DataType) {
    // Lower-case hex strings order like the bytes they encode.
    super(field, epoch, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.type = type;
  }

  protected appendValue(value: unknown, index: number): void {
    if (typeof value !== 'string' || value.length !== UUID_LENGTH) throw this.invalid(value, 'a uuid string');
    this.reserveNull(index);
    if (
      value.charCodeAt(8) !== DASH ||
      value.charCodeAt(13) !== DASH ||
      value.charCodeAt(18) !== DASH ||
      value.charCodeAt(23) !== DASH
    ) {
      throw this.invalid(value, 'a uuid string');
    }
    const data = this.data;
    const out = index * 16;
    let flags = 0;
    for (let k = 0; k < 16; k++) {
      const p = UUID_HEX_POSITIONS[k] as number;
      const hi = HEX_DIGIT[value.charCodeAt(p)] as number;
      const lo = HEX_DIGIT[value.charCodeAt(p + 1)] as number;
      flags |= hi | lo;
      data[out + k] = ((hi & 15) << 4) | (lo & 15);
    }
    if (flags < 0) throw this.invalid(value, 'a uuid string');
    const upper = (flags & 16) !== 0;
    this.bounds.add(upper ? value.toLowerCase() : value);
  }

  /**
   * The typed fast path: the 36 bytes of lower-case UUID text at bytes[start..]
   * as the value, parsed without making a string; false (nothing appended) when
   * they are not that (upper case included), for the caller to take the slow path.
   */
  appendUuidText(bytes: Uint8Array, start: number): boolean {
    if (
      bytes[start + 8] !== DASH ||
      bytes[start + 13] !== DASH ||
      bytes[start + 18] !== DASH ||
      bytes[start + 23] !== DASH
    )
      return false;
    const index = this.validity.length;
    this.reserveNull(index);
    const data = this.data;
    const out = index * 16;
    let flags = 0;
    for (let k = 0; k < 16; k++) {
      const p = start + (UUID_HEX_POSITIONS[k] as number);
      const hi = HEX_BYTE[bytes[p]!] as number;
      const lo = HEX_BYTE[bytes[p + 1]!] as number;
      flags |= hi | lo;
      data[out + k] = ((hi & 15) << 4) | (lo & 15);
    }
    if (flags < 0 || (flags & 16) !== 0) return false;
    const bounds = this.bounds;
    const first = bytes[start]!;
    if (bounds.min === undefined) {
      this.willChangeStats();
      bounds.min = asciiText(bytes, start, UUID_LENGTH);
      bounds.max = bounds.min;
    } else if (first > bounds.min.charCodeAt(0) && first < (bounds.max as string).charCodeAt(0)) {
      // Its first digit is strictly between the bounds' (most values): neither moves.
    } else if (compareAsciiBytes(bytes, start, UUID_LENGTH, bounds.min) < 0) {
      this.willChangeStats();
      bounds.min = asciiText(bytes, start, UUID_LENGTH);
    } else if (compareAsciiBytes(bytes, start, UUID_LENGTH, bounds.max as string) > 0) {
      this.willChangeStats();
      bounds.max = asciiText(bytes, start, UUID_LENGTH);
    }
    this.validity.appendValid();
    return true;
  }

  protected reserveNull(index: number): void {
    const needed = (index + 1) * 16;
    if (needed > this.data.length) this.data = grown(this.data, needed);
  }

  protected valuesByteLength(): number {
    return this.length * 16;
  }

  protected override takeBuffers(before: this): void {
    this.data = before.data;
  }

  finish(): Data {
    const data = this.data.subarray(0, this.length * 16);
    return makeData({ type: this.type as FixedSizeBinary, ...finishedSlots(this.validity), data });
  }
}
