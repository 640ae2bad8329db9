// The comparison of the three readers (test/support/three-readers.ts) and floe's
// side of the canonical form (test/support/canonical-form.ts), without services:
// a changed value, a lost row or a duplicated one makes the readers differ.
import { describe, expect, it } from 'vitest';
import { decimal, fixed, primitive, type Schema } from '../../src/iceberg/types.ts';
import { canonicalDecimal, canonicalRow, canonicalTimestamp } from '../support/canonical-form.ts';
import { type ReaderLines, readerDifferences } from '../support/three-readers.ts';

const rowA = '{"id":1,"name":"a"}';
const rowB = '{"id":2,"name":"b"}';

function reads(pyiceberg: string[], spark: string[], duckdb: string[]): ReaderLines {
  return new Map([
    ['ns.t', { pyiceberg: [...pyiceberg].sort(), spark: [...spark].sort(), duckdb: [...duckdb].sort() }],
  ]);
}

describe('readerDifferences', () => {
  it('finds none when every reader returns the same rows', () => {
    expect(readerDifferences(reads([rowA, rowB], [rowB, rowA], [rowA, rowB]))).toBeUndefined();
  });

  it('names the table, the reader and the rows when one value differs', () => {
    const changed = '{"id":2,"name":"B"}';
    const message = readerDifferences(reads([rowA, rowB], [rowA, rowB], [rowA, changed]));
    expect(message).toBe(
      [
        'ns.t: pyiceberg read 2 rows, duckdb 2; 1 only in pyiceberg, 1 only in duckdb',
        `  pyiceberg: ${rowB}`,
        `  duckdb: ${changed}`,
      ].join('\n'),
    );
  });

  it('counts a lost and a duplicated row', () => {
    const message = readerDifferences(reads([rowA, rowB], [rowA], [rowA, rowB, rowB]));
    expect(message).toContain('ns.t: pyiceberg read 2 rows, spark 1; 1 only in pyiceberg, 0 only in spark');
    expect(message).toContain('ns.t: pyiceberg read 2 rows, duckdb 3; 0 only in pyiceberg, 1 only in duckdb');
  });
});

describe('canonical form of floe values', () => {
  it('formats timestamps, decimals, bytes, uuids and maps as the readers print them', () => {
    expect(canonicalTimestamp(-1n, true)).toBe('1969-12-31T23:59:59.999999Z');
    expect(canonicalTimestamp(1_709_251_200_000_007n, false)).toBe('2024-03-01T00:00:00.000007');
    expect([canonicalDecimal(-5n, 2), canonicalDecimal(12345n, 0), canonicalDecimal(100n, 3)]).toEqual([
      '-0.05',
      '12345',
      '0.100',
    ]);
    const schema: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: true, type: primitive('long') },
        { id: 2, name: 'amount', required: false, type: decimal(9, 2) },
        { id: 3, name: 'code', required: false, type: fixed(2) },
        { id: 4, name: 'uid', required: false, type: primitive('uuid') },
        { id: 5, name: 'f', required: false, type: primitive('float') },
        {
          id: 6,
          name: 'm',
          required: false,
          type: {
            kind: 'map',
            keyId: 7,
            key: primitive('string'),
            valueId: 8,
            valueRequired: false,
            value: primitive('double'),
          },
        },
        { id: 9, name: 'later', required: false, type: primitive('string') },
      ],
    };
    const row = {
      id: 7n,
      amount: -123n,
      code: new Uint8Array([0, 255]),
      uid: 'A0000000-0000-4000-8000-00000000000F',
      f: 0.1,
      m: new Map([
        ['z', Number.NaN],
        ['a', 1.5],
      ]),
    };
    expect(canonicalRow(schema, row)).toEqual({
      id: 7,
      amount: '-1.23',
      code: '0x00ff',
      uid: 'a0000000-0000-4000-8000-00000000000f',
      f: Math.fround(0.1),
      m: [
        ['a', 1.5],
        ['z', 'NaN'],
      ],
      later: null,
    });
  });
});
