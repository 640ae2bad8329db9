// The packed batch layout of floe's consumePacked patch, unpacked into records.
import { describe, expect, it } from 'vitest';
import { unpack } from '../../../src/worker/kafka/packed-consume.ts';

/** Builds what the patched binding hands over for the given messages. */
function pack(
  messages: Array<{
    topic: number;
    partition: number;
    offset: number;
    timestamp: number;
    key: Buffer | null;
    value: Buffer | null;
    headers?: Array<[string, Buffer | null]>;
  }>,
): { data: Buffer; meta: Float64Array } {
  const parts: Buffer[] = [];
  const meta: number[] = [];
  let at = 0;
  const put = (bytes: Buffer) => {
    parts.push(bytes);
    at += bytes.length;
  };
  for (const m of messages) {
    meta.push(m.topic, m.partition, m.offset, m.timestamp);
    for (const bytes of [m.key, m.value]) {
      meta.push(at, bytes === null ? -1 : bytes.length);
      if (bytes !== null) put(bytes);
    }
    if (m.headers === undefined) {
      meta.push(at, -1);
      continue;
    }
    const start = at;
    for (const [name, value] of m.headers) {
      const nameBytes = Buffer.from(name);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(nameBytes.length);
      put(length);
      put(nameBytes);
      const valueLength = Buffer.alloc(4);
      valueLength.writeInt32LE(value === null ? -1 : value.length);
      put(valueLength);
      if (value !== null) put(value);
    }
    meta.push(start, at - start);
  }
  return { data: Buffer.concat(parts), meta: new Float64Array(meta) };
}

describe('unpack (consumePacked batches)', () => {
  it('gives each record its topic, partition, offset, timestamp, key, value and headers', () => {
    const { data, meta } = pack([
      {
        topic: 0,
        partition: 3,
        offset: 41,
        timestamp: 1_700_000_000_000,
        key: null,
        value: Buffer.from('v1'),
      },
      {
        topic: 1,
        partition: 0,
        offset: 2 ** 40,
        timestamp: -1,
        key: Buffer.from('k'),
        value: null,
        headers: [
          ['trace', Buffer.from('abc')],
          ['née', null],
          ['empty', Buffer.alloc(0)],
        ],
      },
      {
        topic: 0,
        partition: 3,
        offset: 42,
        timestamp: 5,
        key: Buffer.alloc(0),
        value: Buffer.alloc(0),
        headers: [],
      },
    ]);
    const records = unpack(data, meta, ['orders', 'payments']);
    expect(records).toHaveLength(3);
    const [first, second, third] = records;
    expect(first).toMatchObject({
      topic: 'orders',
      partition: 3,
      offset: 41n,
      timestampMs: 1_700_000_000_000,
    });
    expect(first!.key).toBeNull();
    expect(first!.value?.toString()).toBe('v1');
    expect(first!.headers).toEqual([]);
    expect(first!.sizeBytes).toBe(2);

    expect(second).toMatchObject({ topic: 'payments', partition: 0, offset: 2n ** 40n, timestampMs: -1 });
    expect(second!.key?.toString()).toBe('k');
    expect(second!.value).toBeNull();
    expect(second!.headers.map(([name, value]) => [name, value.toString()])).toEqual([
      ['trace', 'abc'],
      ['née', ''],
      ['empty', ''],
    ]);
    expect(second!.sizeBytes).toBe(1 + 5 + 3 + 3 + 5);

    expect(third!.key?.length).toBe(0);
    expect(third!.value?.length).toBe(0);
    expect(third!.headers).toEqual([]);
  });

  it('returns no records for an empty batch', () => {
    expect(unpack(Buffer.alloc(0), new Float64Array(0), [])).toEqual([]);
  });
});
