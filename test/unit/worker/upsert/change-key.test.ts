// The canonical key: exact for longs, decimals and bytes, the same from a row,
// a Kafka key record or a primitive Kafka key, refused for null and for float keys.
import { describe, expect, it } from 'vitest';
import { decimal, fixed, primitive } from '../../../../src/iceberg/types.ts';
import { KeyEncoder, MAX_KEY_LENGTH } from '../../../../src/worker/upsert/change-key.ts';

const longKey = new KeyEncoder([{ name: 'id', type: primitive('long') }]);

describe('KeyEncoder', () => {
  it('writes longs beyond 2^53 exactly, and a number and a bigint of one value alike', () => {
    expect(longKey.fromRow({ id: 9007199254740993n })).toBe('["9007199254740993"]');
    expect(longKey.fromRow({ id: 9007199254740992n })).not.toBe(longKey.fromRow({ id: 9007199254740993n }));
    expect(longKey.fromRow({ id: 42 })).toBe(longKey.fromRow({ id: 42n }));
  });

  it('gives a row, a Kafka key record and a primitive Kafka key the same key', () => {
    expect(longKey.fromKafkaKey({ id: 7 })).toBe(longKey.fromRow({ id: 7n, name: 'x' }));
    expect(longKey.fromKafkaKey(7n)).toBe(longKey.fromRow({ id: 7n }));
  });

  it('keeps the columns in order and apart (no separator confusion)', () => {
    const two = new KeyEncoder([
      { name: 'a', type: primitive('string') },
      { name: 'b', type: primitive('string') },
    ]);
    expect(two.fromRow({ a: 'x","y', b: '' })).not.toBe(two.fromRow({ a: 'x', b: 'y' }));
    expect(two.fromRow({ a: 'x', b: 'y' })).toBe('["x","y"]');
    expect(() => two.fromKafkaKey('x')).toThrow(
      'the Kafka key is a single value but the key has 2 columns (a, b)',
    );
  });

  it('writes decimals as their unscaled value, bytes as hex, uuids in lower case', () => {
    const keys = new KeyEncoder([
      { name: 'd', type: decimal(38, 9) },
      { name: 'f', type: fixed(2) },
      { name: 'b', type: primitive('binary') },
      { name: 'u', type: primitive('uuid') },
      { name: 'ok', type: primitive('boolean') },
    ]);
    expect(
      keys.fromRow({
        d: -123456789012345678901234567890n,
        f: new Uint8Array([0, 255]),
        b: new Uint8Array([]),
        u: 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6',
        ok: false,
      }),
    ).toBe('["-123456789012345678901234567890","00ff","","f81d4fae-7dec-11d0-a765-00a0c91e6bf6",false]');
  });

  it('refuses a null or mistyped key value, naming the column', () => {
    expect(() => longKey.fromRow({ id: null })).toThrow('key column id is null');
    expect(() => longKey.fromRow({})).toThrow('key column id is null');
    expect(() => longKey.fromRow({ id: 1.5 })).toThrow('key column id must be an integer, got number 1.5');
    expect(() => longKey.fromRow({ id: '1' })).toThrow('key column id must be an integer, got string "1"');
  });

  it.each(['float', 'double'] as const)('refuses a %s key column (Iceberg identifier fields)', (kind) => {
    expect(() => new KeyEncoder([{ name: 'x', type: primitive(kind) }])).toThrow(`key column x is ${kind}`);
  });

  it('hashes keys too long for the store, keeping them apart', () => {
    const text = new KeyEncoder([{ name: 's', type: primitive('string') }]);
    const long = 'k'.repeat(MAX_KEY_LENGTH);
    const a = text.fromRow({ s: long });
    const b = text.fromRow({ s: `${long}!` });
    expect(a).toMatch(/^#[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(text.fromRow({ s: long })).toBe(a);
  });
});
