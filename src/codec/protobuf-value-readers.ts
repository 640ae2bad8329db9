// Readers of single Protobuf values as Iceberg values, for the generated message
// readers of protobuf-decoder.ts: the scalar types, the well-known messages that
// map to primitives (protobuf-to-iceberg.ts), embedded messages, and the default
// of a map entry without a value.
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
  readInt64Loose,
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
import type { ProtoScalar, ProtoValueType } from './protobuf-schema.ts';
import type { WellKnownType } from './protobuf-to-iceberg.ts';

export type Read = (c: ProtoCursor) => unknown;

export interface Scalar {
  readonly read: Read;
  readonly wireType: number;
  readonly zero: unknown;
}

const EMPTY_BYTES = new Uint8Array(0);
export const SCALARS: Record<ProtoScalar, Scalar> = {
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

/** Reads a well-known message that maps to a primitive, spanning c.pos..c.end. */
export function wellKnownReader(known: WellKnownType): Read {
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
    let seconds: number | bigint = 0;
    let nanos = 0;
    while (c.pos < c.end) {
      const key = readVarint32(c);
      if (key === (1 << 3) + VARINT) seconds = readInt64Loose(c);
      else if (key === (2 << 3) + VARINT) nanos = readInt32(c);
      else skipField(c, key & 7, key >>> 3);
    }
    return secondsNanosToMicros(seconds, nanos);
  };
}

export /** A length-delimited message: the reader runs with the cursor's end moved to the message's end. */
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

export /** A map entry without a value: the value type's default (an empty message for messages). */
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
