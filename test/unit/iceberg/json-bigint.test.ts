import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { parseJson, stringifyJson } from '../../../src/iceberg/json-bigint.ts';

describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact as bigint', () => {
    // JSON.parse alone rounds 2^53 + 1 down to 2^53.
    expect(JSON.parse('9007199254740993')).toBe(9007199254740992);
    expect(parseJson('9007199254740993')).toBe(9007199254740993n);
    expect(parseJson('{"id": 9223372036854775807}')).toEqual({ id: 9223372036854775807n });
    expect(parseJson('[-9223372036854775808]')).toEqual([-9223372036854775808n]);
  });

  it('leaves safe integers, fractions and exponents as numbers', () => {
    expect(parseJson('[0, -1, 9007199254740991, 1.5, 1e300, 1e20, -0.25]')).toEqual([
      0, -1, 9007199254740991, 1.5, 1e300, 1e20, -0.25,
    ]);
  });

  it('parses nested structures like JSON.parse', () => {
    const text = '{"a": {"b": [true, null, "x", {"c": 4038257664511396235}]}, "d": "9007199254740993"}';
    expect(parseJson(text)).toEqual({
      a: { b: [true, null, 'x', { c: 4038257664511396235n }] },
      d: '9007199254740993',
    });
  });

  it('fails on invalid JSON with a ValidationError', () => {
    expect(() => parseJson('{"a": ')).toThrow(ValidationError);
  });
});

describe('stringifyJson', () => {
  const sample = {
    z: 1,
    a: [1, 'two', null, false, { nested: [] }, {}],
    m: { 'key-with-dash': 'v', quote: 'say "hi"\n' },
    skipped: undefined,
    n: -0.5,
  };

  it('matches JSON.stringify for plain values, compact and indented', () => {
    expect(stringifyJson(sample)).toBe(JSON.stringify(sample));
    expect(stringifyJson(sample, 2)).toBe(JSON.stringify(sample, null, 2));
    expect(stringifyJson([undefined, 1])).toBe('[null,1]');
  });

  it('writes bigint as a bare number that parses back exactly', () => {
    const value = { 'snapshot-id': 4038257664511396235n, small: 3n, list: [-9223372036854775808n] };
    const text = stringifyJson(value);
    expect(text).toBe('{"snapshot-id":4038257664511396235,"small":3,"list":[-9223372036854775808]}');
    expect(parseJson(text)).toEqual({
      'snapshot-id': 4038257664511396235n,
      small: 3,
      list: [-9223372036854775808n],
    });
  });

  it('keeps key insertion order', () => {
    expect(stringifyJson({ b: 1, a: 2, c: 3 })).toBe('{"b":1,"a":2,"c":3}');
  });

  it('refuses values JSON cannot hold instead of writing null', () => {
    expect(() => stringifyJson({ x: Number.NaN })).toThrow(/NaN.*\$\.x/);
    expect(() => stringifyJson({ x: new Map() })).toThrow(ValidationError);
    expect(() => stringifyJson({ f: () => 1 })).toThrow(ValidationError);
  });
});
