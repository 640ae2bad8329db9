import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../src/codec/payload-error.ts';
import {
  FIRST_MESSAGE,
  messageIndexBytes,
  readMessageIndexes,
} from '../../../src/codec/protobuf-wire-format.ts';

const read = (bytes: number[], start = 0) => readMessageIndexes(Uint8Array.from(bytes), start);
const failure = (bytes: number[]) => {
  try {
    read(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadError);
    return (error as PayloadError).message;
  }
  return expect.fail('read');
};

describe('Confluent Protobuf message indexes', () => {
  it('reads the single byte 0 as [0], the first message of the file', () => {
    expect(read([0x00, 0x08])).toEqual({ indexes: [0], next: 1 });
    expect(read([0x00, 0x08]).indexes).toBe(FIRST_MESSAGE);
    expect(read([9, 9, 9, 9, 9, 0x00], 5)).toEqual({ indexes: [0], next: 6 });
  });

  it('reads a zigzag count and as many zigzag indexes', () => {
    // what confluent-kafka 2.16.1 wrote for a message nested at [0, 1]
    expect(read([0x04, 0x00, 0x02, 0x0a])).toEqual({ indexes: [0, 1], next: 3 });
    expect(read([0x02, 0x06])).toEqual({ indexes: [3], next: 2 });
    // index 100 = zigzag 200 = 0xc8 0x01
    expect(read([0x06, 0xc8, 0x01, 0x00, 0x02])).toEqual({ indexes: [100, 0, 1], next: 5 });
  });

  it('writes what it reads, [0] as one byte', () => {
    for (const indexes of [[0], [1], [0, 1], [100, 0, 1], [5, 3, 70000]]) {
      const bytes = messageIndexBytes(indexes);
      expect(readMessageIndexes(bytes, 0)).toEqual({ indexes, next: bytes.length });
    }
    expect([...messageIndexBytes([0])]).toEqual([0]);
    expect([...messageIndexBytes([0, 1])]).toEqual([0x04, 0x00, 0x02]);
  });

  it('refuses missing, truncated, negative and absurd indexes', () => {
    expect(failure([])).toBe('Confluent Protobuf header: the record ends before its message indexes');
    expect(failure([0x04, 0x00])).toBe('Confluent Protobuf header: the message indexes are truncated');
    expect(failure([0x02, 0x01])).toBe('Confluent Protobuf header: message index -1 is negative');
    expect(failure([0x01])).toBe('Confluent Protobuf header: message index count -1 is out of range');
    expect(failure([0xca, 0x01])).toBe('Confluent Protobuf header: message index count 101 is out of range');
    expect(failure([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).toBe(
      'Confluent Protobuf header: a message index is longer than 32 bits',
    );
  });
});
