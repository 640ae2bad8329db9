// Thrift's compact protocol as a tree that can be edited and written back: what
// the page recompressor needs to change sizes and offsets in Parquet page headers,
// offset indexes and the footer while keeping every other field byte for byte
// (fields it does not know included). i64 values are bigints, so offsets of any
// size survive the round trip.
import { ValidationError } from '../errors.ts';
import { ThriftType } from './thrift-compact-reader.ts';

export type ThriftValue =
  | { readonly type: typeof ThriftType.boolTrue | typeof ThriftType.boolFalse }
  | { readonly type: typeof ThriftType.byte | typeof ThriftType.i16 | typeof ThriftType.i32; value: number }
  | { readonly type: typeof ThriftType.i64; value: bigint }
  | { readonly type: typeof ThriftType.double; readonly bytes: Uint8Array }
  | { readonly type: typeof ThriftType.binary; readonly bytes: Uint8Array }
  | { readonly type: typeof ThriftType.list | typeof ThriftType.set; readonly list: ThriftList }
  | { readonly type: typeof ThriftType.map; readonly map: ThriftMap }
  | { readonly type: typeof ThriftType.struct; readonly struct: ThriftStruct };

export interface ThriftField {
  readonly id: number;
  value: ThriftValue;
}

/** Fields in the order they were read (and are written). */
export type ThriftStruct = ThriftField[];

export interface ThriftList {
  readonly elementType: number;
  readonly items: ThriftValue[];
}

export interface ThriftMap {
  readonly keyType: number;
  readonly valueType: number;
  readonly entries: [ThriftValue, ThriftValue][];
}

/** Thrown when the bytes end before the struct does (more bytes may still arrive). */
export class ThriftTruncated extends ValidationError {}

/** Reads one struct at `start`; returns it and the offset just past it. */
export function readThriftStruct(bytes: Uint8Array, start = 0): { struct: ThriftStruct; end: number } {
  const reader = new TreeReader(bytes, start);
  const struct = reader.struct();
  return { struct, end: reader.pos };
}

export function writeThriftStruct(struct: ThriftStruct): Uint8Array {
  const writer = new TreeWriter();
  writer.struct(struct);
  return writer.bytes();
}

export function field(struct: ThriftStruct, id: number): ThriftField | undefined {
  return struct.find((f) => f.id === id);
}

/** The integer value of field `id` (any integer type), or undefined. */
export function intField(struct: ThriftStruct, id: number): number | undefined {
  const value = field(struct, id)?.value;
  if (value === undefined) return undefined;
  if (value.type === ThriftType.i64) return Number(value.value);
  if (value.type === ThriftType.byte || value.type === ThriftType.i16 || value.type === ThriftType.i32)
    return value.value;
  return undefined;
}

/** Sets field `id` (an i32 or i64 by `type`), adding it in id order when missing. */
export function setIntField(
  struct: ThriftStruct,
  id: number,
  type: typeof ThriftType.i32 | typeof ThriftType.i64,
  value: number,
): void {
  const next: ThriftValue =
    type === ThriftType.i64 ? { type, value: BigInt(value) } : { type, value: checkedI32(value) };
  const existing = field(struct, id);
  if (existing !== undefined) {
    existing.value = next;
    return;
  }
  const at = struct.findIndex((f) => f.id > id);
  struct.splice(at === -1 ? struct.length : at, 0, { id, value: next });
}

export function structField(struct: ThriftStruct, id: number): ThriftStruct | undefined {
  const value = field(struct, id)?.value;
  return value?.type === ThriftType.struct ? value.struct : undefined;
}

export function listField(struct: ThriftStruct, id: number): ThriftValue[] | undefined {
  const value = field(struct, id)?.value;
  return value?.type === ThriftType.list || value?.type === ThriftType.set ? value.list.items : undefined;
}

function checkedI32(value: number): number {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new ValidationError(`Thrift i32 out of range: ${value}`);
  }
  return value;
}

class TreeReader {
  readonly #bytes: Uint8Array;
  pos: number;

  constructor(bytes: Uint8Array, start: number) {
    this.#bytes = bytes;
    this.pos = start;
  }

  struct(): ThriftStruct {
    const fields: ThriftStruct = [];
    let lastId = 0;
    for (;;) {
      const header = this.#byte();
      if (header === 0) return fields;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? Number(zigzag(this.#varint())) : lastId + delta;
      lastId = id;
      fields.push({ id, value: this.#value(type, false) });
    }
  }

  #value(type: number, inCollection: boolean): ThriftValue {
    switch (type) {
      case ThriftType.boolTrue:
      case ThriftType.boolFalse:
        // In a struct the type carries the value; in a collection one byte does.
        if (inCollection) return { type: this.#byte() === 1 ? ThriftType.boolTrue : ThriftType.boolFalse };
        return { type };
      case ThriftType.byte:
        return { type, value: (this.#byte() << 24) >> 24 };
      case ThriftType.i16:
      case ThriftType.i32:
        return { type, value: Number(zigzag(this.#varint())) };
      case ThriftType.i64:
        return { type, value: zigzag(this.#varint()) };
      case ThriftType.double:
        return { type, bytes: this.#take(8) };
      case ThriftType.binary:
        return { type, bytes: this.#take(Number(this.#varint())) };
      case ThriftType.list:
      case ThriftType.set: {
        const header = this.#byte();
        const elementType = header & 0x0f;
        const size = header >> 4 === 15 ? Number(this.#varint()) : header >> 4;
        const items: ThriftValue[] = [];
        for (let i = 0; i < size; i++) items.push(this.#value(elementType, true));
        return { type, list: { elementType, items } };
      }
      case ThriftType.map: {
        const size = Number(this.#varint());
        const kinds = size === 0 ? 0 : this.#byte();
        const map: ThriftMap = { keyType: kinds >> 4, valueType: kinds & 0x0f, entries: [] };
        for (let i = 0; i < size; i++) {
          map.entries.push([this.#value(map.keyType, true), this.#value(map.valueType, true)]);
        }
        return { type, map };
      }
      case ThriftType.struct:
        return { type, struct: this.struct() };
      default:
        throw new ValidationError(`unknown Thrift compact type ${type}`, { offset: this.pos });
    }
  }

  #take(length: number): Uint8Array {
    this.#need(length);
    const bytes = this.#bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return bytes;
  }

  #byte(): number {
    this.#need(1);
    return this.#bytes[this.pos++] as number;
  }

  #varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.#byte();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  }

  #need(length: number): void {
    if (this.pos + length > this.#bytes.length) throw new ThriftTruncated('Thrift struct is truncated');
  }
}

function zigzag(n: bigint): bigint {
  return (n & 1n) === 0n ? n >> 1n : -((n + 1n) >> 1n);
}

class TreeWriter {
  #buffer = new Uint8Array(256);
  #length = 0;

  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }

  struct(fields: ThriftStruct): void {
    let lastId = 0;
    for (const { id, value } of fields) {
      const delta = id - lastId;
      if (delta > 0 && delta <= 15) this.#byte((delta << 4) | value.type);
      else {
        this.#byte(value.type);
        this.#varint(unzigzag(BigInt(id)));
      }
      lastId = id;
      this.#value(value, false);
    }
    this.#byte(0);
  }

  #value(value: ThriftValue, inCollection: boolean): void {
    switch (value.type) {
      case ThriftType.boolTrue:
      case ThriftType.boolFalse:
        if (inCollection) this.#byte(value.type === ThriftType.boolTrue ? 1 : 0);
        return;
      case ThriftType.byte:
        this.#byte(value.value & 0xff);
        return;
      case ThriftType.i16:
      case ThriftType.i32:
        this.#varint(unzigzag(BigInt(value.value)));
        return;
      case ThriftType.i64:
        this.#varint(unzigzag(value.value));
        return;
      case ThriftType.double:
        this.#put(value.bytes);
        return;
      case ThriftType.binary:
        this.#varint(BigInt(value.bytes.length));
        this.#put(value.bytes);
        return;
      case ThriftType.list:
      case ThriftType.set: {
        const { elementType, items } = value.list;
        if (items.length < 15) this.#byte((items.length << 4) | elementType);
        else {
          this.#byte(0xf0 | elementType);
          this.#varint(BigInt(items.length));
        }
        for (const item of items) this.#value(item, true);
        return;
      }
      case ThriftType.map: {
        const { keyType, valueType, entries } = value.map;
        this.#varint(BigInt(entries.length));
        if (entries.length > 0) this.#byte((keyType << 4) | valueType);
        for (const [k, v] of entries) {
          this.#value(k, true);
          this.#value(v, true);
        }
        return;
      }
      case ThriftType.struct:
        this.struct(value.struct);
        return;
    }
  }

  #varint(n: bigint): void {
    let rest = n;
    while (rest >= 0x80n) {
      this.#byte(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.#byte(Number(rest));
  }

  #byte(b: number): void {
    this.#room(1);
    this.#buffer[this.#length++] = b;
  }

  #put(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #room(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + extra));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}

function unzigzag(n: bigint): bigint {
  return n >= 0n ? n << 1n : (-n << 1n) - 1n;
}
