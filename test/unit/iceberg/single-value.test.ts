import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import {
  decodeSingleValue,
  encodeSingleValue,
  truncateLowerBound,
  truncateUpperBound,
} from '../../../src/iceberg/single-value.ts';
import { decimal, fixed, primitive } from '../../../src/iceberg/types.ts';
import singleValues from '../../vectors/single-values.json' with { type: 'json' };
import { bytesToHex, hexToBytes, vectorType, vectorValue } from './vector-values.ts';

describe('binary single-value serialization (spec Appendix D)', () => {
  it.each(singleValues.cases)('encodes $type $value as $hex like PyIceberg, and back', (c) => {
    const type = vectorType(c.type);
    const value = vectorValue(type, c.value);
    expect(bytesToHex(encodeSingleValue(type, value))).toBe(c.hex);
    const decoded = decodeSingleValue(type, hexToBytes(c.hex));
    expect(decoded).toEqual(value);
    if (typeof value === 'number') expect(Object.is(decoded, value)).toBe(true);
  });

  it('accepts a long as a safe integer number and decodes it as bigint', () => {
    expect(bytesToHex(encodeSingleValue(primitive('long'), -2))).toBe('feffffffffffffff');
    expect(decodeSingleValue(primitive('timestamp'), hexToBytes('feffffffffffffff'))).toBe(-2n);
  });

  it('reads 4-byte bounds of columns promoted from int to long and float to double', () => {
    expect(decodeSingleValue(primitive('long'), hexToBytes('feffffff'))).toBe(-2n);
    expect(decodeSingleValue(primitive('double'), hexToBytes('0000c03f'))).toBe(1.5);
  });

  it('reads any non-zero byte as true and keeps NaN', () => {
    expect(decodeSingleValue(primitive('boolean'), Uint8Array.of(7))).toBe(true);
    expect(
      decodeSingleValue(primitive('double'), encodeSingleValue(primitive('double'), Number.NaN)),
    ).toBeNaN();
  });

  it('refuses values that do not fit their type', () => {
    const cases: [Parameters<typeof encodeSingleValue>[0], unknown][] = [
      [primitive('int'), 2 ** 31],
      [primitive('int'), 1.5],
      [primitive('long'), 2n ** 63n],
      [primitive('long'), 2 ** 60],
      [primitive('string'), 1],
      [primitive('uuid'), 'not-a-uuid'],
      [fixed(4), new Uint8Array(3)],
      [decimal(3, 2), 1000n],
      [primitive('boolean'), 1],
    ];
    for (const [type, value] of cases) {
      expect(() => encodeSingleValue(type, value), `${type.kind} ${String(value)}`).toThrow(ValidationError);
    }
  });

  it('refuses bytes of the wrong length and invalid UTF-8', () => {
    expect(() => decodeSingleValue(primitive('int'), new Uint8Array(3))).toThrow(ValidationError);
    expect(() => decodeSingleValue(primitive('uuid'), new Uint8Array(15))).toThrow(ValidationError);
    expect(() => decodeSingleValue(decimal(9, 2), new Uint8Array(0))).toThrow(ValidationError);
    expect(() => decodeSingleValue(primitive('string'), Uint8Array.of(0xc3))).toThrow(ValidationError);
  });

  it('writes uuids given in upper case in the same bytes', () => {
    const uuid = primitive('uuid');
    expect(encodeSingleValue(uuid, 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toEqual(
      encodeSingleValue(uuid, 'f79c3e09-677c-4bbd-a479-3f349cb785e7'),
    );
  });
});

describe('bound truncation', () => {
  const string = primitive('string');
  const binary = primitive('binary');

  it('truncates string bounds by code points, never inside a surrogate pair', () => {
    expect(truncateLowerBound(string, 'iceberg', 3)).toBe('ice');
    expect(truncateLowerBound(string, '😀😁😂', 2)).toBe('😀😁');
    expect(truncateUpperBound(string, 'iceberg', 3)).toBe('icf');
    expect(truncateUpperBound(string, '😀😁😂', 2)).toBe('😀😂');
  });

  it('leaves values within the length unchanged', () => {
    expect(truncateLowerBound(string, 'ice', 3)).toBe('ice');
    expect(truncateUpperBound(string, 'ice', 3)).toBe('ice');
    expect(truncateUpperBound(binary, Uint8Array.of(0xff, 0xff), 2)).toEqual(Uint8Array.of(0xff, 0xff));
  });

  it('increments the last code point that can be, dropping those after it', () => {
    expect(truncateUpperBound(string, 'a\u{10ffff}bc', 2)).toBe('b');
    expect(truncateUpperBound(string, '\u{10ffff}\u{10ffff}x', 2)).toBeNull();
    // U+D7FF + 1 would be a surrogate, which UTF-8 cannot hold
    expect(truncateUpperBound(string, 'a\ud7ffz', 2)).toBe('a\ue000');
  });

  it('increments the last byte below 0xff for binary upper bounds', () => {
    expect(truncateLowerBound(binary, Uint8Array.of(1, 2, 3, 4), 2)).toEqual(Uint8Array.of(1, 2));
    expect(truncateUpperBound(binary, Uint8Array.of(1, 2, 3, 4), 2)).toEqual(Uint8Array.of(1, 3));
    expect(truncateUpperBound(binary, Uint8Array.of(1, 0xff, 3), 2)).toEqual(Uint8Array.of(2));
    expect(truncateUpperBound(binary, Uint8Array.of(0xff, 0xff, 3), 2)).toBeNull();
  });

  it('returns other types unchanged and refuses a non-positive length', () => {
    expect(truncateUpperBound(primitive('long'), 5n, 1)).toBe(5n);
    expect(() => truncateLowerBound(string, 'abc', 0)).toThrow(ValidationError);
  });
});
