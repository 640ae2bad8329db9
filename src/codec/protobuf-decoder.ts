// Protobuf binary message -> Row, by a tree of field handlers built once per
// message type (no type switch per value), producing Iceberg values directly
// (protobuf-to-iceberg.ts has the mapping). Fields may come in any order and
// more than once (the last wins; repeated ones append); fields the schema does
// not know are skipped. An absent field is null when it has presence, else its
// default (0, "", false, the enum's zero value, [] or an empty map).
import type { Row, Schema } from '../iceberg/types.ts';
import { PayloadError } from './payload-error.ts';
import {
  FIXED32,
  FIXED64,
  LENGTH_DELIMITED,
  ProtoCursor,
  readBool,
  readBytes,
  readDouble,
  readFixed32,
  readFixed64,
  readFloat,
  readInt32,
  readInt64,
  readLength,
  readSfixed32,
  readSfixed64,
  readSint32,
  readSint64,
  readString,
  readVarint32,
  readVarintU64,
  secondsNanosToMicros,
  skipField,
  truncated,
  VARINT,
} from './protobuf-binary-reader.ts';
import type { ProtoField, ProtoMessage, ProtoOneof, ProtoScalar, ProtoValueType } from './protobuf-schema.ts';
import { join, ONEOF_TAG_FIELD, protobufToIceberg, wellKnownType } from './protobuf-to-iceberg.ts';
import { readingRowFactory } from './row-factory.ts';

type Read = (c: ProtoCursor) => unknown;
/** Stores a field's value into the message's slots; the key's wire type is checked by the handler. */
type Handler = (c: ProtoCursor, wireType: number, slots: unknown[]) => void;

/** A message type ready to decode: its Iceberg schema and a reader for its payloads. */
export interface CompiledProtobufMessage {
  readonly schema: Schema;
  /** Decodes the message that spans bytes[start..]; throws PayloadError. */
  decode(bytes: Buffer, start: number): Row;
}

export function compileProtobufDecoder(message: ProtoMessage): CompiledProtobufMessage {
  const schema = protobufToIceberg(message); // rejects what has no Iceberg equivalent first
  const read = new HandlerCompiler().message(message, '');
  const cursor = new ProtoCursor();
  return {
    schema,
    decode(bytes: Buffer, start: number): Row {
      cursor.reset(bytes, start);
      return read(cursor) as Row;
    },
  };
}

interface Scalar {
  readonly read: Read;
  readonly wireType: number;
  readonly zero: unknown;
}

const EMPTY_BYTES = new Uint8Array(0);
const SCALARS: Record<ProtoScalar, Scalar> = {
  double: { read: readDouble, wireType: FIXED64, zero: 0 },
  float: { read: readFloat, wireType: FIXED32, zero: 0 },
  int32: { read: readInt32, wireType: VARINT, zero: 0 },
  int64: { read: readInt64, wireType: VARINT, zero: 0n },
  uint32: { read: readVarint32, wireType: VARINT, zero: 0 },
  uint64: { read: readVarintU64, wireType: VARINT, zero: 0n },
  sint32: { read: readSint32, wireType: VARINT, zero: 0 },
  sint64: { read: readSint64, wireType: VARINT, zero: 0n },
  fixed32: { read: readFixed32, wireType: FIXED32, zero: 0 },
  fixed64: { read: readFixed64, wireType: FIXED64, zero: 0n },
  sfixed32: { read: readSfixed32, wireType: FIXED32, zero: 0 },
  sfixed64: { read: readSfixed64, wireType: FIXED64, zero: 0n },
  bool: { read: readBool, wireType: VARINT, zero: false },
  string: { read: readString, wireType: LENGTH_DELIMITED, zero: '' },
  bytes: { read: readBytes, wireType: LENGTH_DELIMITED, zero: EMPTY_BYTES },
};
// Beyond this field number handlers live in a Map instead of an array.
const DENSE_LIMIT = 4096;

class HandlerCompiler {
  readonly #messages = new Map<ProtoMessage, Read>();

  /** Reads a message that spans c.pos..c.end. */
  message(message: ProtoMessage, path: string): Read {
    const known = this.#messages.get(message);
    if (known !== undefined) return known;
    const handlers = new Map<number, Handler>();
    const names: string[] = [];
    const fresh: Array<() => unknown> = [];
    let read: Read | undefined;
    const reader: Read = (c) => read!(c);
    this.#messages.set(message, reader);
    message.members.forEach((member, slot) => {
      names.push(member.name);
      if (member.kind === 'oneof') {
        fresh.push(() => null);
        for (const [field, handler] of this.#oneof(member, slot, join(path, member.name))) {
          handlers.set(field.number, handler);
        }
        return;
      }
      const fieldPath = join(path, member.name);
      fresh.push(initialValue(member));
      handlers.set(member.number, this.#field(member, slot, fieldPath));
    });
    const build = readingRowFactory<unknown[]>(
      names,
      names.map((_, i) => (slots) => slots[i]),
    );
    const lookup = handlerLookup(handlers);
    read = (c) => {
      const slots = fresh.map((f) => f());
      const end = c.end;
      while (c.pos < end) {
        const key = readVarint32(c);
        const fieldNumber = key >>> 3;
        const handler = lookup(fieldNumber);
        if (handler === undefined) skipField(c, key & 7, fieldNumber);
        else handler(c, key & 7, slots);
      }
      if (c.pos > end) throw truncated();
      return build(slots);
    };
    return reader;
  }

  #field(field: ProtoField, slot: number, path: string): Handler {
    if (field.label === 'map') return this.#map(field, slot, path);
    const { read, wireType } = this.#value(field.type, path);
    if (field.label === 'single') {
      return (c, wire, slots) => {
        if (wire !== wireType) throw wrongWireType(path, wire, wireType);
        slots[slot] = read(c);
      };
    }
    const packable = wireType !== LENGTH_DELIMITED;
    return (c, wire, slots) => {
      const items = slots[slot] as unknown[];
      if (wire === wireType) {
        items.push(read(c));
      } else if (packable && wire === LENGTH_DELIMITED) {
        const length = readLength(c);
        const end = c.pos + length;
        while (c.pos < end) items.push(read(c));
        if (c.pos > end) throw truncated();
      } else {
        throw wrongWireType(path, wire, wireType);
      }
    };
  }

  #oneof(oneof: ProtoOneof, slot: number, path: string): Array<[ProtoField, Handler]> {
    const names = [ONEOF_TAG_FIELD, ...oneof.fields.map((field) => field.name)];
    return oneof.fields.map((field, branch) => {
      const memberPath = join(path, field.name);
      const { read, wireType } = this.#value(field.type, memberPath);
      const value = readingRowFactory<unknown>(
        names,
        names.map((_, i) => (i === 0 ? () => field.number : i === branch + 1 ? (v) => v : () => null)),
      );
      const handler: Handler = (c, wire, slots) => {
        if (wire !== wireType) throw wrongWireType(memberPath, wire, wireType);
        slots[slot] = value(read(c));
      };
      return [field, handler];
    });
  }

  #map(field: ProtoField, slot: number, path: string): Handler {
    const key = SCALARS[field.mapKey!];
    const value = this.#value(field.type, `${path}.value`);
    const valueZero = zeroOf(field.type, value.read);
    return (c, wire, slots) => {
      if (wire !== LENGTH_DELIMITED) throw wrongWireType(path, wire, LENGTH_DELIMITED);
      const length = readLength(c);
      const end = c.pos + length;
      const outer = c.end;
      c.end = end;
      let k: unknown = key.zero;
      let v: unknown;
      while (c.pos < end) {
        const entryKey = readVarint32(c);
        const number = entryKey >>> 3;
        const wireType = entryKey & 7;
        if (number === 1 && wireType === key.wireType) k = key.read(c);
        else if (number === 2 && wireType === value.wireType) v = value.read(c);
        else skipField(c, wireType, number);
      }
      c.end = outer;
      if (c.pos > end) throw truncated();
      (slots[slot] as Map<unknown, unknown>).set(k, v === undefined ? valueZero(c) : v);
    };
  }

  /** How one value of the type is read, and its wire type. */
  #value(type: ProtoValueType, path: string): { read: Read; wireType: number } {
    switch (type.kind) {
      case 'scalar':
        return SCALARS[type.scalar];
      case 'enum': {
        const names = type.names;
        // proto3 enums are open: a number the schema does not name is kept as its text.
        const read: Read = (c) => {
          const number = readInt32(c);
          return names.get(number) ?? String(number);
        };
        return { read, wireType: VARINT };
      }
      case 'message':
        return { read: embedded(this.#messageValue(type.message, path)), wireType: LENGTH_DELIMITED };
    }
  }

  /** Reads a message value spanning c.pos..c.end: a row, or a well-known type's primitive. */
  #messageValue(message: ProtoMessage, path: string): Read {
    const known = wellKnownType(message);
    if (known === undefined) return this.message(message, path);
    if (known.kind === 'wrapper') {
      const { read, wireType, zero } = SCALARS[known.scalar];
      return (c) => {
        let value = zero;
        while (c.pos < c.end) {
          const key = readVarint32(c);
          if (key === (1 << 3) + wireType) value = read(c);
          else skipField(c, key & 7, key >>> 3);
        }
        return value;
      };
    }
    return (c) => {
      let seconds = 0n;
      let nanos = 0;
      while (c.pos < c.end) {
        const key = readVarint32(c);
        if (key === (1 << 3) + VARINT) seconds = readInt64(c);
        else if (key === (2 << 3) + VARINT) nanos = readInt32(c);
        else skipField(c, key & 7, key >>> 3);
      }
      return secondsNanosToMicros(seconds, nanos);
    };
  }
}

/** A length-delimited message: the reader runs with the cursor's end moved to the message's end. */
function embedded(read: Read): Read {
  return (c) => {
    const length = readLength(c);
    const end = c.pos + length;
    const outer = c.end;
    c.end = end;
    const value = read(c);
    c.end = outer;
    if (c.pos > end) throw truncated();
    return value;
  };
}

/** The value of a field the message does not carry. */
function initialValue(field: ProtoField): () => unknown {
  if (field.label === 'repeated') return () => [];
  if (field.label === 'map') return () => new Map();
  if (field.presence) return () => null;
  const zero =
    field.type.kind === 'enum'
      ? field.type.zero
      : field.type.kind === 'scalar'
        ? SCALARS[field.type.scalar].zero
        : null;
  return () => zero;
}

/** A map entry without a value: the value type's default (an empty message for messages). */
function zeroOf(type: ProtoValueType, read: Read): (c: ProtoCursor) => unknown {
  if (type.kind === 'scalar') {
    const zero = SCALARS[type.scalar].zero;
    return () => zero;
  }
  if (type.kind === 'enum') {
    const zero = type.zero;
    return () => zero;
  }
  const empty = Buffer.of(0);
  const scratch = new ProtoCursor();
  return () => {
    scratch.reset(empty, 0);
    return read(scratch);
  };
}

function handlerLookup(handlers: ReadonlyMap<number, Handler>): (fieldNumber: number) => Handler | undefined {
  const highest = Math.max(0, ...handlers.keys());
  if (highest > DENSE_LIMIT) return (fieldNumber) => handlers.get(fieldNumber);
  const dense: (Handler | undefined)[] = Array.from({ length: highest + 1 }, (_, i) => handlers.get(i));
  return (fieldNumber) => dense[fieldNumber];
}

const WIRE_TYPE_NAMES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];

function wrongWireType(path: string, wire: number, expected: number): PayloadError {
  return new PayloadError(
    'malformed',
    `${path}: wire type ${WIRE_TYPE_NAMES[wire] ?? wire}, but the schema's type is encoded as ${WIRE_TYPE_NAMES[expected]}`,
  );
}
