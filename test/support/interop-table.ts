// The table of the interop tests (test/integration/table-interop.test.ts): every
// primitive the readers share, nested types, nulls at every level, NaN; and the
// record schema of its second version, which evolves it the way a producer's new
// schema would (a field added inside a struct, int -> long and decimal(10,2) ->
// decimal(12,2) promotions, a new string column and a new list<struct>).
import {
  decimal,
  fixed,
  type NestedField,
  primitive,
  type Row,
  type Schema,
} from '../../src/iceberg/types.ts';

const attrs = (aType: 'int' | 'long', extra: NestedField[] = []): NestedField => ({
  id: 8,
  name: 'attrs',
  required: false,
  type: {
    kind: 'struct',
    fields: [
      { id: 9, name: 'a', required: false, type: primitive(aType) },
      { id: 10, name: 'b', required: false, type: primitive('string') },
      ...extra,
    ],
  },
});

const baseFields = (attrsField: NestedField, amountPrecision: number): NestedField[] => [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'ts', required: true, type: primitive('timestamptz') },
  { id: 3, name: 'day', required: false, type: primitive('date') },
  { id: 4, name: 'name', required: false, type: primitive('string') },
  { id: 5, name: 'amount', required: false, type: decimal(amountPrecision, 2) },
  { id: 6, name: 'uid', required: false, type: primitive('uuid') },
  { id: 7, name: 'payload', required: false, type: primitive('binary') },
  attrsField,
  {
    id: 11,
    name: 'tags',
    required: false,
    type: { kind: 'list', elementId: 12, elementRequired: false, element: primitive('string') },
  },
  {
    id: 13,
    name: 'props',
    required: false,
    type: {
      kind: 'map',
      keyId: 14,
      key: primitive('string'),
      valueId: 15,
      valueRequired: false,
      value: primitive('long'),
    },
  },
  { id: 16, name: 'score', required: false, type: primitive('double') },
  { id: 17, name: 'code', required: false, type: fixed(3) },
];

export const interopSchema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: baseFields(attrs('int'), 10),
};

/** Version 2 of the records (ids are ignored: the table matches by name). */
export const evolvedRecordSchema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    ...baseFields(attrs('long', [{ id: 101, name: 'c', required: false, type: primitive('long') }]), 12),
    { id: 102, name: 'note', required: false, type: primitive('string') },
    {
      id: 103,
      name: 'points',
      required: false,
      type: {
        kind: 'list',
        elementId: 104,
        elementRequired: true,
        element: {
          kind: 'struct',
          fields: [
            { id: 105, name: 'x', required: true, type: primitive('double') },
            { id: 106, name: 'y', required: false, type: primitive('double') },
          ],
        },
      },
    },
  ],
};

const BASE_MICROS = 1_709_251_200_000_000n; // 2024-03-01T00:00:00Z
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

/** Row i of the first version. */
export function interopRow(i: number): Row {
  return {
    id: BigInt(i),
    ts: BASE_MICROS + BigInt(i) * 216_000_000n + BigInt(i % 1000),
    day: 19_783 + (i % 5),
    name: i % 7 === 0 ? null : `${NAMES[i % 5]}${i % 3}`,
    amount: i % 11 === 0 ? null : BigInt(i * 137 - 5000),
    uid:
      i % 8 === 0
        ? null
        : `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${(i * 7919).toString(16).padStart(12, '0')}`,
    payload: i % 4 === 0 ? null : new Uint8Array([i & 255, (i >> 8) & 255, 7]),
    attrs: i % 6 === 0 ? null : { a: i % 9 === 0 ? null : i, b: `b${i}` },
    tags: i % 5 === 0 ? null : i % 5 === 1 ? [] : [`x${i}`, null, 'y'],
    props:
      i % 4 === 1
        ? null
        : i % 4 === 2
          ? new Map()
          : new Map<string, bigint | null>([
              ['k', BigInt(i)],
              ['z', null],
            ]),
    score: i % 13 === 0 ? Number.NaN : i % 17 === 0 ? null : i / 4,
    code: i % 9 === 0 ? null : new Uint8Array([1, 2, i & 255]),
  };
}

/**
 * Row i of the second version. No NULL list<struct>: PyIceberg reads one as []
 * (iceberg-python #3833), the other readers as null.
 */
export function evolvedInteropRow(i: number): Row {
  const row = interopRow(i);
  const first = row.attrs as { a: number | null; b: string } | null;
  return {
    ...row,
    amount: row.amount === null ? null : (row.amount as bigint) * 1000n,
    attrs:
      first === null
        ? null
        : { a: first.a === null ? null : BigInt(first.a) << 33n, b: first.b, c: BigInt(-i) },
    note: i % 2 === 0 ? null : `note ${i} ünïcødé`,
    points:
      i % 3 === 0
        ? []
        : [
            { x: i / 8, y: i % 2 === 0 ? null : -i },
            { x: -0.5, y: 1e-9 },
          ],
  };
}
