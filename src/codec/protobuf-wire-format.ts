// The Confluent wire format for Protobuf: after the magic byte and the schema id
// (wire-format.ts) comes the record's message as a path of indexes into the
// schema file (top-level message, then nested messages), written as a count and
// that many zigzag varints; the common [0] (the file's first message) is the
// single byte 0. Then the Protobuf message itself.
import { PayloadError } from './payload-error.ts';

/** The indexes of the file's first message, shared (never mutated). */
export const FIRST_MESSAGE: readonly number[] = Object.freeze([0]);
// More levels than any schema nests: a corrupt count fails here, not in a loop.
const MAX_DEPTH = 100;

export interface MessageIndexes {
  readonly indexes: readonly number[];
  /** Where the Protobuf message begins. */
  readonly next: number;
}

/** Reads the message-index array at bytes[start..]; throws PayloadError ('malformed'). */
export function readMessageIndexes(bytes: Uint8Array, start: number): MessageIndexes {
  if (start >= bytes.length) throw badIndexes('the record ends before its message indexes');
  if (bytes[start] === 0) return { indexes: FIRST_MESSAGE, next: start + 1 };
  const position = { pos: start };
  const count = readZigzagVarint(bytes, position);
  if (count < 0 || count > MAX_DEPTH) throw badIndexes(`message index count ${count} is out of range`);
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const index = readZigzagVarint(bytes, position);
    if (index < 0) throw badIndexes(`message index ${index} is negative`);
    indexes.push(index);
  }
  return { indexes, next: position.pos };
}

/** The message-index bytes for `indexes` (producers and tests; [0] is the single byte 0). */
export function messageIndexBytes(indexes: readonly number[]): Uint8Array {
  if (indexes.length === 1 && indexes[0] === 0) return Uint8Array.of(0);
  const out: number[] = [];
  for (const value of [indexes.length, ...indexes]) {
    let n = (value << 1) ^ (value >> 31);
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
  }
  return Uint8Array.from(out);
}

function readZigzagVarint(bytes: Uint8Array, position: { pos: number }): number {
  let n = 0;
  let shift = 0;
  while (true) {
    if (position.pos >= bytes.length) throw badIndexes('the message indexes are truncated');
    const byte = bytes[position.pos++]!;
    if (shift > 28) throw badIndexes('a message index is longer than 32 bits');
    n |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return (n >>> 1) ^ -(n & 1);
}

function badIndexes(detail: string): PayloadError {
  return new PayloadError('malformed', `Confluent Protobuf header: ${detail}`);
}
