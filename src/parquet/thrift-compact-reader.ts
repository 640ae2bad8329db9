// Just enough of Thrift's compact protocol to walk a Parquet footer: structs are
// read field by field and anything not asked for is skipped.
import { ValidationError } from '../errors.ts';

export const ThriftType = {
  boolTrue: 1,
  boolFalse: 2,
  byte: 3,
  i16: 4,
  i32: 5,
  i64: 6,
  double: 7,
  binary: 8,
  list: 9,
  set: 10,
  map: 11,
  struct: 12,
} as const;

const decoder = new TextDecoder();

export class ThriftCompactReader {
  private readonly bytes: Uint8Array;
  private pos: number;

  constructor(bytes: Uint8Array, start = 0) {
    this.bytes = bytes;
    this.pos = start;
  }

  /**
   * Calls `onField(id, type)` for each field of the struct at the cursor; the
   * callback must consume the value (read it or `skip(type)`).
   */
  readStruct(onField: (id: number, type: number) => void): void {
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag(this.varint()) : lastId + delta;
      lastId = id;
      onField(id, type);
    }
  }

  /** Calls `onElement(type)` once per list element; returns the element count. */
  readList(onElement: (type: number, index: number) => void): number {
    const header = this.byte();
    const elementType = header & 0x0f;
    const size = header >> 4 === 15 ? this.varint() : header >> 4;
    for (let i = 0; i < size; i++) onElement(elementType, i);
    return size;
  }

  readInt(type: number): number {
    if (type === ThriftType.byte) return (this.byte() << 24) >> 24;
    return this.zigzag(this.varint());
  }

  readString(): string {
    const length = this.varint();
    this.check(length);
    const text = decoder.decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }

  skip(type: number): void {
    switch (type) {
      case ThriftType.boolTrue:
      case ThriftType.boolFalse:
        return;
      case ThriftType.byte:
        this.pos++;
        return;
      case ThriftType.i16:
      case ThriftType.i32:
      case ThriftType.i64:
        this.varint();
        return;
      case ThriftType.double:
        this.pos += 8;
        return;
      case ThriftType.binary: {
        const length = this.varint();
        this.check(length);
        this.pos += length;
        return;
      }
      case ThriftType.list:
      case ThriftType.set:
        this.readList((elementType) => this.skipElement(elementType));
        return;
      case ThriftType.map: {
        const size = this.varint();
        if (size === 0) return;
        const kinds = this.byte();
        for (let i = 0; i < size; i++) {
          this.skipElement(kinds >> 4);
          this.skipElement(kinds & 0x0f);
        }
        return;
      }
      case ThriftType.struct:
        this.readStruct((_, fieldType) => this.skip(fieldType));
        return;
      default:
        throw new ValidationError(`Parquet footer: unknown Thrift compact type ${type}`, {
          offset: this.pos,
        });
    }
  }

  /** In lists, sets and maps a boolean takes one byte. */
  private skipElement(type: number): void {
    if (type === ThriftType.boolTrue || type === ThriftType.boolFalse) this.pos++;
    else this.skip(type);
  }

  private byte(): number {
    this.check(1);
    return this.bytes[this.pos++] as number;
  }

  /** Unsigned LEB128; exact up to 2^53, which covers every size and offset in a footer. */
  private varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  }

  private zigzag(n: number): number {
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  private check(length: number): void {
    if (this.pos + length > this.bytes.length) {
      throw new ValidationError('Parquet footer is truncated', { offset: this.pos });
    }
  }
}
