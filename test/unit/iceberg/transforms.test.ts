import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { hashValue, murmur3Bytes, murmur3Long, murmur3String } from '../../../src/iceberg/murmur3.ts';
import type { Transform } from '../../../src/iceberg/partition-spec.ts';
import {
  applyTransform,
  canTransform,
  parseTransform,
  transformResultType,
  transformToString,
} from '../../../src/iceberg/transforms.ts';
import type { PrimitiveType } from '../../../src/iceberg/types.ts';
import { decimal, fixed, primitive } from '../../../src/iceberg/types.ts';
import bucketHashes from '../../vectors/bucket-hashes.json' with { type: 'json' };
import bucketTransforms from '../../vectors/bucket-transforms.json' with { type: 'json' };
import murmur3Vectors from '../../vectors/murmur3-bytes.json' with { type: 'json' };
import temporal from '../../vectors/temporal-transforms.json' with { type: 'json' };
import truncateVectors from '../../vectors/truncate.json' with { type: 'json' };
import { hexToBytes, vectorType, vectorValue } from './vector-values.ts';

const bucket = (numBuckets: number): Transform => ({ kind: 'bucket', numBuckets });
const truncate = (width: number): Transform => ({ kind: 'truncate', width });

describe('murmur3 (spec Appendix B)', () => {
  it.each(murmur3Vectors.cases)('hashes bytes $hex like mmh3', ({ hex, hash }) => {
    expect(murmur3Bytes(hexToBytes(hex))).toBe(hash);
  });

  it.each(bucketHashes.hashes)('hashes $type $specValue to $hash', ({ type, value, hash }) => {
    const primitiveType = vectorType(type);
    expect(hashValue(primitiveType, vectorValue(primitiveType, value))).toBe(hash);
  });

  it('hashes a long the same whether given as number or bigint, ints like longs', () => {
    for (const value of [
      0,
      34,
      -1,
      2 ** 31,
      -(2 ** 31) - 1,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ]) {
      expect(murmur3Long(value)).toBe(murmur3Long(BigInt(value)));
    }
    expect(hashValue(primitive('int'), -1)).toBe(hashValue(primitive('long'), -1n));
  });

  it('hashes a string as its UTF-8 bytes, including long ones beyond the scratch buffer', () => {
    const long = 'ü😀x'.repeat(500);
    expect(murmur3String(long)).toBe(murmur3Bytes(new TextEncoder().encode(long)));
  });

  it('refuses types the spec does not bucket', () => {
    expect(() => hashValue(primitive('double'), 1)).toThrow(ValidationError);
    expect(() => hashValue(primitive('boolean'), true)).toThrow(ValidationError);
  });
});

describe('bucket[N]', () => {
  it.each(bucketTransforms.cases)('bucket[$numBuckets] of $type $value is $bucket (PyIceberg)', (c) => {
    const type = vectorType(c.type);
    expect(applyTransform(bucket(c.numBuckets), type, vectorValue(type, c.value))).toBe(c.bucket);
  });

  it('uses the spec hash with the sign bit dropped', () => {
    // spec: 34 hashes to 2017239379, so bucket[16] is 2017239379 % 16
    expect(applyTransform(bucket(16), primitive('int'), 34)).toBe(2017239379 % 16);
    // a negative hash: 14.20 -> -500754589
    expect(applyTransform(bucket(100), decimal(9, 2), 1420n)).toBe((-500754589 & 0x7fffffff) % 100);
  });
});

describe('truncate[W]', () => {
  const cases = [...truncateVectors.spec, ...truncateVectors.pyiceberg];
  it.each(cases)('truncate[$width] of $type $value is $expected', (c) => {
    const type = vectorType(c.type);
    expect(applyTransform(truncate(c.width), type, vectorValue(type, c.value))).toEqual(
      vectorValue(type, c.expected),
    );
  });

  it('accepts a long given as a number and returns a bigint', () => {
    expect(applyTransform(truncate(10), primitive('long'), -1)).toBe(-10n);
  });

  it('never splits a surrogate pair', () => {
    expect(applyTransform(truncate(1), primitive('string'), '😀b')).toBe('😀');
  });

  it('refuses types outside int, long, decimal, string, binary', () => {
    expect(() =>
      applyTransform(truncate(4), primitive('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7'),
    ).toThrow(ValidationError);
    expect(() => applyTransform(truncate(4), fixed(4), new Uint8Array(4))).toThrow(ValidationError);
  });
});

describe('year, month, day, hour', () => {
  const parts = ['year', 'month', 'day', 'hour'] as const;
  it.each(temporal.cases)('on $type $value (PyIceberg), floor-rounded before 1970', (c) => {
    const types: PrimitiveType[] =
      c.type === 'date'
        ? [primitive('date')]
        : c.type === 'timestamp'
          ? [primitive('timestamp'), primitive('timestamptz')]
          : [primitive('timestamp_ns'), primitive('timestamptz_ns')];
    for (const type of types) {
      const value = vectorValue(type, c.value);
      for (const part of parts) {
        const expected = (c as Record<string, unknown>)[part];
        if (expected === undefined) continue;
        expect(applyTransform({ kind: part }, type, value), `${part}(${type.kind} ${c.value})`).toBe(
          expected,
        );
        if (typeof value === 'bigint' && Number.isSafeInteger(Number(value)) && c.type === 'timestamp') {
          expect(applyTransform({ kind: part }, type, Number(value))).toBe(expected);
        }
      }
    }
  });

  it('refuses hour on a date and date parts on non-temporal types', () => {
    expect(() => applyTransform({ kind: 'hour' }, primitive('date'), 1)).toThrow(ValidationError);
    expect(() => applyTransform({ kind: 'day' }, primitive('long'), 1n)).toThrow(ValidationError);
  });
});

describe('identity, void, unknown and nulls', () => {
  it('identity normalizes longs to bigint and checks the value type', () => {
    expect(applyTransform({ kind: 'identity' }, primitive('long'), 5)).toBe(5n);
    expect(applyTransform({ kind: 'identity' }, primitive('string'), 'x')).toBe('x');
    expect(() => applyTransform({ kind: 'identity' }, primitive('int'), 2 ** 31)).toThrow(ValidationError);
    expect(() => applyTransform({ kind: 'identity' }, primitive('string'), 5)).toThrow(ValidationError);
  });

  it('every transform maps null to null, void maps everything to null', () => {
    const transforms: Transform[] = [
      { kind: 'identity' },
      bucket(4),
      truncate(2),
      { kind: 'day' },
      { kind: 'void' },
    ];
    for (const transform of transforms) {
      expect(applyTransform(transform, primitive('timestamp'), null)).toBeNull();
      expect(applyTransform(transform, primitive('timestamp'), undefined)).toBeNull();
    }
    expect(applyTransform({ kind: 'void' }, primitive('string'), 'x')).toBeNull();
  });

  it('an unknown transform cannot produce values', () => {
    expect(() => applyTransform({ kind: 'unknown', name: 'zorder' }, primitive('int'), 1)).toThrow(
      ValidationError,
    );
  });
});

describe('parseTransform / transformToString (spec Appendix C, "Partition Specs")', () => {
  it.each(['identity', 'bucket[16]', 'truncate[20]', 'year', 'month', 'day', 'hour', 'void'])(
    'round-trips %s',
    (text) => {
      expect(transformToString(parseTransform(text))).toBe(text);
    },
  );

  it('reads names in any case and keeps unknown transforms by name', () => {
    expect(parseTransform('Bucket[8]')).toEqual({ kind: 'bucket', numBuckets: 8 });
    expect(parseTransform('DAY')).toEqual({ kind: 'day' });
    expect(parseTransform('zorder')).toEqual({ kind: 'unknown', name: 'zorder' });
    expect(parseTransform('geohash[5]')).toEqual({ kind: 'unknown', name: 'geohash[5]' });
    expect(transformToString(parseTransform('geohash[5]'))).toBe('geohash[5]');
  });

  it('refuses a zero bucket count or width', () => {
    expect(() => parseTransform('bucket[0]')).toThrow(ValidationError);
    expect(() => parseTransform('truncate[0]')).toThrow(ValidationError);
  });
});

describe('transformResultType / canTransform (spec "Partition Transforms" table)', () => {
  it('gives the result types of the table', () => {
    const ts = primitive('timestamp_ns');
    expect(transformResultType({ kind: 'identity' }, ts)).toEqual(ts);
    expect(transformResultType(bucket(3), ts)).toEqual(primitive('int'));
    expect(transformResultType(truncate(3), primitive('string'))).toEqual(primitive('string'));
    expect(transformResultType({ kind: 'year' }, ts)).toEqual(primitive('int'));
    expect(transformResultType({ kind: 'month' }, ts)).toEqual(primitive('int'));
    expect(transformResultType({ kind: 'day' }, ts)).toEqual(primitive('date'));
    expect(transformResultType({ kind: 'hour' }, ts)).toEqual(primitive('int'));
    expect(transformResultType({ kind: 'void' }, ts)).toEqual(ts);
  });

  it('accepts exactly the listed source types', () => {
    expect(canTransform(bucket(2), primitive('uuid'))).toBe(true);
    expect(canTransform(bucket(2), primitive('float'))).toBe(false);
    expect(canTransform(bucket(2), primitive('boolean'))).toBe(false);
    expect(canTransform(truncate(2), decimal(9, 2))).toBe(true);
    expect(canTransform(truncate(2), primitive('timestamp'))).toBe(false);
    expect(canTransform({ kind: 'hour' }, primitive('date'))).toBe(false);
    expect(canTransform({ kind: 'hour' }, primitive('timestamptz_ns'))).toBe(true);
    expect(canTransform({ kind: 'month' }, primitive('date'))).toBe(true);
    expect(canTransform({ kind: 'identity' }, primitive('double'))).toBe(true);
    expect(canTransform({ kind: 'unknown', name: 'x' }, primitive('int'))).toBe(false);
  });
});
