import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { isPromotionAllowed, widenValue } from '../../../src/iceberg/schema-evolution.ts';
import type { PrimitiveType } from '../../../src/iceberg/types.ts';
import { decimal, fixed, primitive } from '../../../src/iceberg/types.ts';

const int = primitive('int');
const long = primitive('long');
const float = primitive('float');
const double = primitive('double');

describe('isPromotionAllowed', () => {
  it.each<[PrimitiveType, PrimitiveType]>([
    [int, long],
    [float, double],
    [decimal(9, 2), decimal(10, 2)],
    [decimal(1, 0), decimal(38, 0)],
    [int, int],
    [decimal(9, 2), decimal(9, 2)],
    [fixed(4), fixed(4)],
    [primitive('string'), primitive('string')],
  ])('allows %j -> %j', (from, to) => {
    expect(isPromotionAllowed(from, to)).toBe(true);
  });

  it.each<[PrimitiveType, PrimitiveType]>([
    [long, int],
    [double, float],
    [int, double],
    [int, float],
    [long, double],
    [int, decimal(10, 0)],
    [decimal(10, 2), decimal(9, 2)],
    [decimal(9, 2), decimal(10, 3)],
    [decimal(9, 2), decimal(9, 3)],
    [fixed(4), fixed(8)],
    [primitive('date'), primitive('timestamp')],
    [primitive('date'), primitive('timestamp_ns')],
    [primitive('timestamp'), primitive('timestamptz')],
    [primitive('timestamp'), primitive('timestamp_ns')],
    [primitive('string'), primitive('binary')],
    [primitive('binary'), primitive('string')],
    [primitive('uuid'), primitive('string')],
    [fixed(16), primitive('uuid')],
  ])('forbids %j -> %j', (from, to) => {
    expect(isPromotionAllowed(from, to)).toBe(false);
  });
});

describe('widenValue', () => {
  it.each<[string, unknown, PrimitiveType, PrimitiveType, unknown]>([
    ['int number to long bigint', 7, int, long, 7n],
    ['negative int to long', -2147483648, int, long, -2147483648n],
    ['int already a bigint', 7n, int, long, 7n],
    ['float to double', 1.5, float, double, 1.5],
    ['decimal with wider precision', 12345n, decimal(9, 2), decimal(12, 2), 12345n],
    ['null', null, int, long, null],
    ['undefined', undefined, int, long, undefined],
    ['an unchanged string', 'x', primitive('string'), primitive('string'), 'x'],
    ['an unchanged long', 9007199254740993n, long, long, 9007199254740993n],
  ])('widens %s', (_, value, from, to, expected) => {
    expect(widenValue(value, from, to)).toBe(expected);
  });

  it('keeps a binary value as the same array', () => {
    const bytes = new Uint8Array([1, 2]);
    expect(widenValue(bytes, primitive('binary'), primitive('binary'))).toBe(bytes);
  });

  it.each<[string, unknown, PrimitiveType, PrimitiveType, RegExp]>([
    ['a forbidden narrowing', 7n, long, int, /cannot widen a long value to int/],
    [
      'a scale change',
      1n,
      decimal(9, 2),
      decimal(12, 3),
      /cannot widen a decimal\(9,2\) value to decimal\(12,3\)/,
    ],
    ['a fractional int', 1.5, int, long, /cannot widen 1.5 \(number\) from int to long/],
    ['a string as int', '7', int, long, /cannot widen 7 \(string\) from int to long/],
  ])('rejects %s', (_, value, from, to, message) => {
    expect(() => widenValue(value, from, to)).toThrow(ValidationError);
    expect(() => widenValue(value, from, to)).toThrow(message);
  });
});
