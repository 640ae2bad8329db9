// A schema with every Iceberg type (nested ones at several depths), rows that
// exercise nulls, NaN, extremes and non-ASCII text, and the normalization that
// test/interop/read_parquet.py applies, so values can be compared with PyArrow's.
import {
  decimal,
  fixed,
  type IcebergType,
  primitive,
  type Row,
  type Schema,
} from '../../../src/iceberg/types.ts';

export const ALL_TYPES_SCHEMA: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'b', required: false, type: primitive('boolean') },
    { id: 3, name: 'i', required: false, type: primitive('int') },
    { id: 4, name: 'l', required: false, type: primitive('long') },
    { id: 5, name: 'f', required: false, type: primitive('float') },
    { id: 6, name: 'd', required: false, type: primitive('double') },
    { id: 7, name: 'dec9', required: false, type: decimal(9, 2) },
    { id: 8, name: 'dec18', required: false, type: decimal(18, 4) },
    { id: 9, name: 'dec38', required: false, type: decimal(38, 10) },
    { id: 10, name: 'dt', required: false, type: primitive('date') },
    { id: 11, name: 't', required: false, type: primitive('time') },
    { id: 12, name: 'ts', required: false, type: primitive('timestamp') },
    { id: 13, name: 'tstz', required: false, type: primitive('timestamptz') },
    { id: 14, name: 'tsns', required: false, type: primitive('timestamp_ns') },
    { id: 15, name: 'tstzns', required: false, type: primitive('timestamptz_ns') },
    { id: 16, name: 's', required: false, type: primitive('string') },
    { id: 17, name: 'u', required: false, type: primitive('uuid') },
    { id: 18, name: 'fx', required: false, type: fixed(4) },
    { id: 19, name: 'bin', required: false, type: primitive('binary') },
    {
      id: 20,
      name: 'st',
      required: false,
      type: {
        kind: 'struct',
        fields: [
          { id: 21, name: 'a', required: true, type: primitive('int') },
          { id: 22, name: 'b', required: false, type: primitive('string') },
          {
            id: 23,
            name: 'inner',
            required: false,
            type: {
              kind: 'struct',
              fields: [{ id: 24, name: 'x', required: false, type: primitive('double') }],
            },
          },
        ],
      },
    },
    {
      id: 25,
      name: 'ls',
      required: false,
      type: { kind: 'list', elementId: 26, elementRequired: false, element: primitive('long') },
    },
    {
      id: 27,
      name: 'mp',
      required: false,
      type: {
        kind: 'map',
        keyId: 28,
        key: primitive('string'),
        valueId: 29,
        valueRequired: false,
        value: { kind: 'struct', fields: [{ id: 30, name: 'q', required: false, type: primitive('int') }] },
      },
    },
    {
      id: 31,
      name: 'll',
      required: false,
      type: {
        kind: 'list',
        elementId: 32,
        elementRequired: true,
        element: { kind: 'list', elementId: 33, elementRequired: true, element: primitive('string') },
      },
    },
  ],
};

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

export const ALL_TYPES_ROWS: Row[] = [
  {
    id: 1n,
    b: true,
    i: 2147483647,
    l: 9223372036854775807n,
    f: 1.5,
    d: Math.PI,
    dec9: 12345n,
    dec18: -99999999999999n,
    dec38: 10n ** 38n - 1n,
    dt: 19723,
    t: 86399999999n,
    ts: 1704067200123456n,
    tstz: -1n,
    tsns: 1704067200123456789n,
    tstzns: 0n,
    s: 'hello',
    u: 'f79c3e09-677c-4bbd-a479-3f349cb785e7',
    fx: bytes(0, 1, 2, 255),
    bin: bytes(),
    st: { a: 1, b: 'x', inner: { x: 2.5 } },
    ls: [1n, null, 3n],
    mp: new Map<string, unknown>([
      ['k1', { q: 1 }],
      ['k2', null],
    ]),
    ll: [['a', 'b'], []],
  },
  {
    id: 2n,
    b: false,
    i: -2147483648,
    l: -9223372036854775808n,
    f: Number.NaN,
    d: -0,
    dec9: -9999999n,
    dec18: 0n,
    dec38: -(10n ** 38n) + 1n,
    dt: -1,
    t: 0n,
    ts: -62135596800000000n,
    tstz: 1704067200000000n,
    tsns: -1n,
    tstzns: 1n,
    s: 'ünïcødé 😀',
    u: '00000000-0000-0000-0000-000000000000',
    fx: bytes(255, 255, 255, 255),
    bin: bytes(0, 0xff, 0x10),
    st: { a: 2, b: null, inner: null },
    ls: [],
    mp: new Map(),
    ll: [],
  },
  {
    id: 3n,
    b: null,
    i: null,
    l: null,
    f: null,
    d: null,
    dec9: null,
    dec18: null,
    dec38: null,
    dt: null,
    t: null,
    ts: null,
    tstz: null,
    tsns: null,
    tstzns: null,
    s: null,
    u: null,
    fx: null,
    bin: null,
    st: null,
    ls: null,
    mp: null,
    ll: null,
  },
  {
    // Absent keys are nulls too; numbers are accepted for long-backed types.
    id: 4,
    f: Number.POSITIVE_INFINITY,
    d: Number.NaN,
    s: '',
    u: 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
    st: { a: 3, inner: { x: null } },
    ls: [null],
    ll: [['c']],
  },
];

/** The value as read_parquet.py prints it. */
export function normalizeValue(type: IcebergType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'struct': {
      const row = value as Row;
      return Object.fromEntries(type.fields.map((f) => [f.name, normalizeValue(f.type, row[f.name])]));
    }
    case 'list':
      return (value as unknown[]).map((v) => normalizeValue(type.element, v));
    case 'map':
      return [...(value as Map<unknown, unknown>)].map(([k, v]) => [
        normalizeValue(type.key, k),
        normalizeValue(type.value, v),
      ]);
    case 'boolean':
    case 'string':
      return value;
    case 'float':
    case 'double': {
      const n = type.kind === 'float' ? Math.fround(value as number) : (value as number);
      if (Number.isNaN(n)) return 'NaN';
      if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
      return n;
    }
    case 'uuid':
      return (value as string).replaceAll('-', '').toLowerCase();
    case 'fixed':
    case 'binary':
      return Buffer.from(value as Uint8Array).toString('hex');
    default:
      return String(value);
  }
}

export function normalizeRow(schema: Schema, row: Row): Record<string, unknown> {
  return Object.fromEntries(schema.fields.map((f) => [f.name, normalizeValue(f.type, row[f.name])]));
}
