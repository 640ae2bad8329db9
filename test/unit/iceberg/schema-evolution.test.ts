import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { IncompatibleSchemaError, unionByName } from '../../../src/iceberg/schema-evolution.ts';
import type { IcebergType, NestedField, Schema } from '../../../src/iceberg/types.ts';
import { decimal, fixed, primitive } from '../../../src/iceberg/types.ts';

// Builders: ids only matter for the table side; record ids are provisional.
const opt = (id: number, name: string, type: IcebergType, doc?: string): NestedField =>
  doc === undefined ? { id, name, required: false, type } : { id, name, required: false, type, doc };
const req = (id: number, name: string, type: IcebergType): NestedField => ({
  id,
  name,
  required: true,
  type,
});
const struct = (...fields: NestedField[]): IcebergType => ({ kind: 'struct', fields });
const list = (elementId: number, element: IcebergType, elementRequired = false): IcebergType => ({
  kind: 'list',
  elementId,
  elementRequired,
  element,
});
const map = (
  keyId: number,
  key: IcebergType,
  valueId: number,
  value: IcebergType,
  valueRequired = false,
): IcebergType => ({
  kind: 'map',
  keyId,
  key,
  valueId,
  valueRequired,
  value,
});
const schema = (fields: NestedField[], schemaId = 0, identifierFieldIds: number[] = []): Schema => ({
  schemaId,
  identifierFieldIds,
  fields,
});
const long = primitive('long');
const int = primitive('int');
const str = primitive('string');

// The table of most tests: ids 1..10, lastColumnId 20 (columns were dropped once).
const table = schema(
  [
    req(1, 'id', long),
    opt(2, 'amount', int, 'in cents'),
    opt(3, 'payload', struct(opt(4, 'kind', str), req(5, 'at', primitive('timestamptz')))),
    opt(6, 'tags', list(7, str, true)),
    opt(8, 'attrs', map(9, str, 10, primitive('float'), true)),
  ],
  4,
  [1],
);
const LAST = 20;

// The same columns as the record would describe them: other ids, no docs.
const sameAsRecord = (): NestedField[] => [
  req(101, 'id', long),
  opt(102, 'amount', int),
  opt(103, 'payload', struct(opt(104, 'kind', str), req(105, 'at', primitive('timestamptz')))),
  opt(106, 'tags', list(107, str, true)),
  opt(108, 'attrs', map(109, str, 110, primitive('float'), true)),
];

const incompatibility = (run: () => unknown): IncompatibleSchemaError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IncompatibleSchemaError);
    expect(error).toBeInstanceOf(ValidationError);
    return error as IncompatibleSchemaError;
  }
  throw new Error('expected an IncompatibleSchemaError');
};

const expectIdempotent = (result: { schema: Schema; lastColumnId: number }, incoming: Schema): void => {
  const again = unionByName(result.schema, incoming, result.lastColumnId);
  expect(again.changes).toEqual([]);
  expect(again.schema).toBe(result.schema);
  expect(again.lastColumnId).toBe(result.lastColumnId);
};

describe('unionByName without changes', () => {
  it.each([
    ['the same columns with other ids', sameAsRecord()],
    [
      'only the required columns',
      [req(1, 'id', long), opt(3, 'payload', struct(req(5, 'at', primitive('timestamptz'))))],
    ],
    ['required where the table is optional', sameAsRecord().map((field) => ({ ...field, required: true }))],
    ['columns in another order', [...sameAsRecord()].reverse()],
    ['narrower types the table already promoted', [req(1, 'id', int)]],
  ])('returns the table schema itself for %s', (_, fields) => {
    const result = unionByName(table, schema(fields, 9), LAST);
    expect(result.changes).toEqual([]);
    expect(result.schema).toBe(table);
    expect(result.lastColumnId).toBe(LAST);
  });

  it('keeps a table that is wider than the record', () => {
    const wide = schema([
      opt(1, 'n', long),
      opt(2, 'x', primitive('double')),
      opt(3, 'd', decimal(12, 2)),
      opt(4, 'l', list(5, long)),
      opt(6, 'm', map(7, long, 8, decimal(20, 4))),
    ]);
    const narrow = schema([
      opt(1, 'n', int),
      opt(2, 'x', primitive('float')),
      opt(3, 'd', decimal(9, 2)),
      opt(4, 'l', list(5, int)),
      opt(6, 'm', map(7, int, 8, decimal(10, 4))),
    ]);
    const result = unionByName(wide, narrow, 8);
    expect(result.changes).toEqual([]);
    expect(result.schema).toBe(wide);
  });
});

describe('unionByName adding columns', () => {
  it('appends a new column as optional with the next id after lastColumnId', () => {
    const incoming = schema([...sameAsRecord(), req(111, 'note', str)]);
    const result = unionByName(table, incoming, LAST);
    expect(result.changes).toEqual(['added optional column note (id 21): string']);
    expect(result.lastColumnId).toBe(21);
    expect(result.schema.schemaId).toBe(5);
    expect(result.schema.identifierFieldIds).toEqual([1]);
    expect(result.schema.fields.slice(0, 5)).toEqual(table.fields);
    expect(result.schema.fields[5]).toEqual({ id: 21, name: 'note', required: false, type: str });
    expectIdempotent(result, incoming);
  });

  it('keeps the doc of a new column and the table docs of existing ones', () => {
    const incoming = schema([
      opt(1, 'amount', int, 'other doc'),
      opt(2, 'memo', str, 'free text'),
      req(3, 'id', long),
    ]);
    const result = unionByName(table, incoming, LAST);
    expect(result.schema.fields.find((f) => f.name === 'amount')?.doc).toBe('in cents');
    expect(result.schema.fields.find((f) => f.name === 'memo')).toEqual(opt(21, 'memo', str, 'free text'));
  });

  it('assigns ids depth-first inside a new struct, list and map, keeping nested nullability', () => {
    const incoming = schema([
      req(1, 'id', long),
      req(
        2,
        'customer',
        struct(
          req(3, 'name', str),
          opt(4, 'address', struct(opt(5, 'street', str), req(6, 'zip', str))),
          opt(7, 'phones', list(8, struct(req(9, 'number', str)), true)),
          opt(10, 'prefs', map(11, str, 12, list(13, int))),
          opt(14, 'vip', primitive('boolean')),
        ),
      ),
    ]);
    const result = unionByName(table, incoming, LAST);
    expect(result.changes).toEqual([
      'added optional column customer (id 21): struct<name: string, address: struct<street: string, zip: string>, ' +
        'phones: list<struct<number: string>>, prefs: map<string, list<int>>, vip: boolean>',
    ]);
    expect(result.lastColumnId).toBe(33);
    expect(result.schema.fields[5]).toEqual(
      opt(
        21,
        'customer',
        struct(
          req(22, 'name', str),
          opt(23, 'address', struct(opt(24, 'street', str), req(25, 'zip', str))),
          opt(26, 'phones', list(27, struct(req(28, 'number', str)), true)),
          opt(29, 'prefs', map(30, str, 31, list(32, int))),
          opt(33, 'vip', primitive('boolean')),
        ),
      ),
    );
    expectIdempotent(result, incoming);
  });

  it('adds a field inside a struct inside a list inside a map value', () => {
    const deep = schema([opt(1, 'm', map(2, str, 3, list(4, struct(opt(5, 'a', long)))))]);
    const incoming = schema([
      opt(
        1,
        'm',
        map(2, str, 3, list(4, struct(opt(5, 'a', long), opt(6, 'note', str), opt(7, 'xs', list(8, int))))),
      ),
    ]);
    const result = unionByName(deep, incoming, 5);
    expect(result.changes).toEqual([
      'added optional column m.value.element.note (id 6): string',
      'added optional column m.value.element.xs (id 7): list<int>',
    ]);
    expect(result.schema.fields).toEqual([
      opt(
        1,
        'm',
        map(2, str, 3, list(4, struct(opt(5, 'a', long), opt(6, 'note', str), opt(7, 'xs', list(8, int))))),
      ),
    ]);
    expect(result.lastColumnId).toBe(8);
    expectIdempotent(result, incoming);
  });

  it('numbers additions in the record order, nested ones before later top-level ones', () => {
    const incoming = schema([
      opt(1, 'b_new', str),
      opt(2, 'payload', struct(opt(3, 'extra', int), req(4, 'at', primitive('timestamptz')))),
      opt(5, 'a_new', str),
      opt(6, 'tags', list(7, str, true)),
      req(8, 'id', long),
    ]);
    const result = unionByName(table, incoming, LAST);
    expect(result.changes).toEqual([
      'added optional column b_new (id 21): string',
      'added optional column payload.extra (id 22): int',
      'added optional column a_new (id 23): string',
    ]);
    expect(result.schema.fields.map((f) => f.name)).toEqual([
      'id',
      'amount',
      'payload',
      'tags',
      'attrs',
      'b_new',
      'a_new',
    ]);
    expect(result.schema.fields[2]?.type).toEqual(
      struct(opt(4, 'kind', str), req(5, 'at', primitive('timestamptz')), opt(22, 'extra', int)),
    );
    expectIdempotent(result, incoming);
  });

  it('matches names case-sensitively', () => {
    const lower = schema([opt(1, 'name', str)]);
    const result = unionByName(lower, schema([opt(1, 'Name', str)]), 1);
    expect(result.changes).toEqual(['added optional column Name (id 2): string']);
  });

  it('does not modify its inputs', () => {
    const before = JSON.stringify(table);
    const incoming = schema([...sameAsRecord(), opt(120, 'z', struct(opt(121, 'q', str)))]);
    const incomingBefore = JSON.stringify(incoming);
    unionByName(table, incoming, LAST);
    expect(JSON.stringify(table)).toBe(before);
    expect(JSON.stringify(incoming)).toBe(incomingBefore);
  });
});

describe('unionByName promoting types', () => {
  it.each([
    ['int', int, long, 'int -> long'],
    ['float', primitive('float'), primitive('double'), 'float -> double'],
    ['decimal', decimal(9, 2), decimal(12, 2), 'decimal(9,2) -> decimal(12,2)'],
    ['decimal to max precision', decimal(1, 0), decimal(38, 0), 'decimal(1,0) -> decimal(38,0)'],
  ])('promotes %s at the top, in a struct, a list element and a map value', (_, from, to, text) => {
    const before = schema([
      opt(1, 'v', from),
      opt(2, 's', struct(opt(3, 'v', from))),
      opt(4, 'l', list(5, from)),
      opt(6, 'm', map(7, str, 8, from)),
    ]);
    const incoming = schema([
      opt(1, 'v', to),
      opt(2, 's', struct(opt(3, 'v', to))),
      opt(4, 'l', list(5, to)),
      opt(6, 'm', map(7, str, 8, to)),
    ]);
    const result = unionByName(before, incoming, 8);
    expect(result.changes).toEqual([
      `promoted v: ${text}`,
      `promoted s.v: ${text}`,
      `promoted l.element: ${text}`,
      `promoted m.value: ${text}`,
    ]);
    expect(result.schema.fields).toEqual(incoming.fields);
    expect(result.lastColumnId).toBe(8);
    expect(result.schema.schemaId).toBe(1);
    expectIdempotent(result, incoming);
  });
});

describe('unionByName relaxing nullability', () => {
  it('makes a required column, list element and map value optional when the record is', () => {
    const incoming = schema(
      sameAsRecord().map((field) => {
        if (field.name === 'payload')
          return opt(3, 'payload', struct(opt(4, 'kind', str), opt(5, 'at', primitive('timestamptz'))));
        if (field.name === 'tags') return opt(6, 'tags', list(7, str, false));
        if (field.name === 'attrs') return opt(8, 'attrs', map(9, str, 10, primitive('float'), false));
        return field;
      }),
    );
    const result = unionByName(table, incoming, LAST);
    expect(result.changes).toEqual([
      'made payload.at optional',
      'made tags.element optional',
      'made attrs.value optional',
    ]);
    expect(result.schema.fields[2]).toEqual(
      opt(3, 'payload', struct(opt(4, 'kind', str), opt(5, 'at', primitive('timestamptz')))),
    );
    expect(result.schema.fields[3]).toEqual(opt(6, 'tags', list(7, str, false)));
    expect(result.schema.fields[4]).toEqual(opt(8, 'attrs', map(9, str, 10, primitive('float'), false)));
    expect(result.lastColumnId).toBe(LAST);
    expectIdempotent(result, incoming);
  });

  it('records both the relaxation and the promotion of one column', () => {
    const before = schema([req(1, 'customer', int)]);
    const result = unionByName(before, schema([opt(1, 'customer', long)]), 1);
    expect(result.changes).toEqual(['made customer optional', 'promoted customer: int -> long']);
    expect(result.schema.fields).toEqual([opt(1, 'customer', long)]);
  });

  it('refuses to make an identifier column optional', () => {
    const error = incompatibility(() =>
      unionByName(table, schema(sameAsRecord().map((f) => (f.name === 'id' ? opt(1, 'id', long) : f))), LAST),
    );
    expect(error.message).toBe('identifier column id is optional in the record but must stay required');
  });
});

describe('unionByName rejecting incompatible records', () => {
  it.each([
    ['a required column is absent', [opt(1, 'amount', int)], 'required column id is missing from the record'],
    [
      'a required nested column is absent',
      [req(1, 'id', long), opt(2, 'payload', struct(opt(3, 'kind', str)))],
      'required column payload.at is missing from the record',
    ],
    [
      'the record has two fields with one name',
      [req(1, 'id', long), opt(2, 'x', str), opt(3, 'x', long)],
      'the record has two fields named x',
    ],
  ])('throws when %s', (_, fields, message) => {
    expect(incompatibility(() => unionByName(table, schema(fields), LAST)).message).toBe(message);
  });

  const cases: Array<[string, IcebergType, IcebergType, string, string]> = [
    ['string to long', str, long, 'string', 'long'],
    ['long to string', long, str, 'long', 'string'],
    ['narrowing decimal scale', decimal(10, 2), decimal(12, 3), 'decimal(10,2)', 'decimal(12,3)'],
    ['decimal scale down', decimal(10, 4), decimal(10, 2), 'decimal(10,4)', 'decimal(10,2)'],
    ['fixed length', fixed(16), fixed(8), 'fixed[16]', 'fixed[8]'],
    ['int to double', int, primitive('double'), 'int', 'double'],
    ['date to timestamp (v3 only)', primitive('date'), primitive('timestamp'), 'date', 'timestamp'],
    [
      'timestamp to timestamptz',
      primitive('timestamp'),
      primitive('timestamptz'),
      'timestamp',
      'timestamptz',
    ],
    ['string to binary', str, primitive('binary'), 'string', 'binary'],
    ['uuid to string', primitive('uuid'), str, 'uuid', 'string'],
    ['struct to primitive', struct(opt(9, 'a', int)), int, 'struct<a: int>', 'int'],
    ['primitive to struct', int, struct(opt(9, 'a', int)), 'int', 'struct<a: int>'],
    ['list to map', list(9, int), map(9, str, 10, int), 'list<int>', 'map<string, int>'],
    ['map to list', map(9, str, 10, int), list(9, int), 'map<string, int>', 'list<int>'],
  ];

  it.each(cases)(
    'rejects %s, naming the dotted path and both types',
    (_, tableType, recordType, tableText, recordText) => {
      const nested = (type: IcebergType, doc?: string): Schema =>
        schema([opt(1, 'outer', list(2, struct(opt(3, 'inner', struct(opt(4, 'v', type, doc))))))]);
      const error = incompatibility(() => unionByName(nested(tableType, 'doc'), nested(recordType), 20));
      expect(error.message).toBe(
        `incompatible type for column outer.element.inner.v: table has ${tableText}, record has ${recordText}`,
      );
      expect(error.context).toEqual({
        column: 'outer.element.inner.v',
        tableType: tableText,
        recordType: recordText,
      });
    },
  );

  it.each([
    ['type', str, long, 'string', 'long'],
    ['promotion', int, long, 'int', 'long'],
  ])('rejects a map key %s change', (_, tableKey, recordKey, tableText, recordText) => {
    const error = incompatibility(() =>
      unionByName(
        schema([opt(1, 'm', map(2, tableKey, 3, str))]),
        schema([opt(1, 'm', map(2, recordKey, 3, str))]),
        3,
      ),
    );
    expect(error.message).toBe(
      `incompatible type for column m.key: table has ${tableText}, record has ${recordText} (map keys cannot change)`,
    );
  });

  it('rejects a new field inside a struct map key', () => {
    const before = schema([opt(1, 'm', map(2, struct(req(3, 'a', int)), 4, str))]);
    const after = schema([opt(1, 'm', map(2, struct(req(3, 'a', int), opt(5, 'b', int)), 4, str))]);
    expect(incompatibility(() => unionByName(before, after, 4)).message).toContain('column m.key');
  });

  it('rejects a lastColumnId below the ids the table already uses', () => {
    expect(() => unionByName(table, schema(sameAsRecord()), 9)).toThrow(ValidationError);
    expect(() => unionByName(table, schema(sameAsRecord()), 9)).toThrow(
      /last column id 9 is below the highest field id 10/,
    );
  });
});
