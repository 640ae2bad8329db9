import { describe, expect, it } from 'vitest';
import { InferredJsonSchema, inferSchema, widen } from '../../../src/codec/json-inference.ts';
import { createValueDecoder } from '../../../src/codec/record-decoder.ts';
import { RecordError } from '../../../src/errors.ts';
import type { Schema } from '../../../src/iceberg/types.ts';
import { decimal, primitive, typeToString } from '../../../src/iceberg/types.ts';
import { where } from './avro-fixtures.ts';

const show = (schema: Schema) => typeToString({ kind: 'struct', fields: schema.fields });

describe('JSON schema inference', () => {
  it('infers types with optional fields and depth-first ids, skipping nulls and empty values', () => {
    const schema = inferSchema({
      id: 1,
      price: 2.5,
      big: 2n ** 60n,
      name: 'x',
      ok: true,
      tags: ['a'],
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2.5 },
      ],
      nested: { deep: { n: 1 } },
      nothing: null,
      empty: [],
      blank: {},
    });
    expect(show(schema)).toBe(
      'struct<1: id: optional long, 2: price: optional double, 3: big: optional long, 4: name: optional string, ' +
        '5: ok: optional boolean, 6: tags: optional list<string>, ' +
        '8: items: optional list<struct<10: sku: optional string, 11: qty: optional double>>, ' +
        '12: nested: optional struct<13: deep: optional struct<14: n: optional long>>>',
    );
  });

  it('widens long to double, merges structs and lists, and rejects other conflicts', () => {
    const a = inferSchema({ n: 1, s: { x: 1 }, l: [1] });
    const b = inferSchema({ n: 1.5, s: { y: 'y' }, l: [0.5], extra: true });
    expect(show(widen(a, b))).toBe(
      'struct<1: n: optional double, 2: s: optional struct<3: x: optional long, 4: y: optional string>, ' +
        '5: l: optional list<double>, 7: extra: optional boolean>',
    );
    expect(() => widen(a, inferSchema({ n: 'one' }))).toThrow(
      'n: a string value where earlier records had long',
    );
    expect(() => widen(a, inferSchema({ s: [1] }))).toThrow(
      's: an array value where earlier records had an object',
    );
  });

  it('keeps the schema object while values fit, and converts rows to the widened types', () => {
    const inferred = new InferredJsonSchema();
    const first = inferred.convert({ id: 1, v: 2 });
    const second = inferred.convert({ id: 2, v: 3, missing: null });
    expect(second.schema).toBe(first.schema);
    expect(second.row).toEqual({ id: 2n, v: 3n });
    const third = inferred.convert({ id: 3, v: 3.5, note: 'n' });
    expect(third.schema).not.toBe(first.schema);
    expect(third.row).toEqual({ id: 3n, v: 3.5, note: 'n' });
    // earlier integers now land in the double column as numbers
    expect(inferred.convert({ id: 4, v: 4 }).row).toEqual({ id: 4n, v: 4, note: null });
    expect(show(inferred.schema)).toBe(
      'struct<1: id: optional long, 2: v: optional double, 3: note: optional string>',
    );
  });

  it('reports a conflicting record as incompatible and keeps going with the old schema', async () => {
    const decoder = createValueDecoder('json');
    const first = await decoder.decode(Buffer.from('{"id": 1}'), where);
    const error = await decoder
      .decode(Buffer.from('{"id": "one"}'), where)
      .catch((e: unknown) => e as RecordError);
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).message).toBe(
      'orders[3]@1234: id: a string value where earlier records had long',
    );
    expect((error as RecordError).context.reason).toBe('incompatible');
    expect((await decoder.decode(Buffer.from('{"id": 2}'), where)).schema).toBe(first.schema);
  });

  it('keeps integers beyond 2^53 exact', async () => {
    const { row } = await createValueDecoder('json').decode(
      Buffer.from('{"id": 12345678901234567890}'),
      where,
    );
    expect(row.id).toBe(12345678901234567890n);
  });

  it('reports invalid JSON and non-object values', async () => {
    const decoder = createValueDecoder('json');
    await expect(decoder.decode(Buffer.from('{"id": '), where)).rejects.toThrow(
      /^orders\[3\]@1234: invalid JSON/,
    );
    await expect(decoder.decode(Buffer.from('[1]'), where)).rejects.toThrow(/must be an object/);
    await expect(decoder.decode(Buffer.from([0, 0, 0, 0, 1, 0x7b, 0x7d]), where)).rejects.toThrow(
      /Confluent wire-format header; use value.format json-schema/,
    );
  });

  describe('dates and timestamps in strings', () => {
    it('infers YYYY-MM-DD as date, zoned date-times as timestamptz, others as timestamp; epoch numbers stay long', () => {
      const schema = inferSchema({
        day: '2024-02-29',
        at: '2024-03-01T10:15:30.123456Z',
        offset: '2024-03-01T12:15:30+02:00',
        local: '2024-03-01 10:15:30',
        epoch: 1709288130123,
        notADay: '2023-02-30',
        nanos: '2024-03-01T10:15:30.123456789Z',
        word: 'yesterday',
        version: '2024-03',
      });
      expect(show(schema)).toBe(
        'struct<1: day: optional date, 2: at: optional timestamptz, 3: offset: optional timestamptz, ' +
          '4: local: optional timestamp, 5: epoch: optional long, 6: notADay: optional string, ' +
          '7: nanos: optional string, 8: word: optional string, 9: version: optional string>',
      );
    });

    it('converts the text exactly: days, microseconds, offsets applied', () => {
      const { row } = new InferredJsonSchema().convert({
        day: '1970-01-02',
        at: '2024-03-01T10:15:30.123456Z',
        offset: '2024-03-01T12:15:30.123456+02:00',
        local: '2024-03-01T10:15:30.1',
      });
      expect(row).toEqual({
        day: 1,
        at: 1709288130123456n,
        offset: 1709288130123456n,
        local: 1709288130100000n,
      });
    });

    it('sends a later value that does not match a temporal column to the error policy, and keeps the column', async () => {
      const decoder = createValueDecoder('json');
      const first = await decoder.decode(Buffer.from('{"id": 1, "ts": "2024-03-01T10:15:30Z"}'), where);
      expect(show(first.schema)).toBe('struct<1: id: optional long, 2: ts: optional timestamptz>');
      const failure = (json: string) =>
        decoder.decode(Buffer.from(json), where).then(
          () => undefined,
          (e: unknown) => e as RecordError,
        );
      const word = await failure('{"id": 2, "ts": "soon"}');
      expect(word).toBeInstanceOf(RecordError);
      expect(word?.context.reason).toBe('incompatible');
      expect(word?.message).toBe(
        'orders[3]@1234: ts: a string that is not an ISO-8601 date or timestamp where earlier records had ' +
          'an ISO-8601 timestamp with a zone, so ts is a timestamptz column (an Iceberg timestamptz column ' +
          'cannot become another type); to keep such values, declare ts in value.schema as string ' +
          '(value.unknownFields: add infers the other fields)',
      );
      expect((await failure('{"id": 3, "ts": "2024-03-01T10:15:30"}'))?.message).toContain(
        'ts: an ISO-8601 timestamp without a zone where earlier records had an ISO-8601 timestamp with a zone',
      );
      expect((await failure('{"id": 4, "ts": 1709288130000}'))?.message).toBe(
        'orders[3]@1234: ts: a long value where earlier records had timestamptz',
      );
      const later = await decoder.decode(Buffer.from('{"id": 5, "ts": "2024-03-01T11:00:00+01:00"}'), where);
      expect(later.schema).toBe(first.schema);
      expect(later.row).toEqual({ id: 5n, ts: 1709287200000000n });
    });

    it('keeps a column that began as text a string column, also for later ISO values', () => {
      const inferred = new InferredJsonSchema();
      inferred.convert({ ts: 'unknown' });
      expect(inferred.convert({ ts: '2024-03-01T10:15:30Z' }).row).toEqual({ ts: '2024-03-01T10:15:30Z' });
      // a new field makes the record widen the schema: the string column stays a string column
      const widened = inferred.convert({ ts: '2024-03-01', day: '2024-03-01' });
      expect(widened.row).toEqual({ ts: '2024-03-01', day: 19783 });
      expect(show(widened.schema)).toBe('struct<1: ts: optional string, 2: day: optional date>');
    });

    it('widens the elements of one array of mixed text to string', () => {
      expect(show(inferSchema({ when: ['2024-03-01', '2024-03-01T10:15:30Z', 'later'] }))).toBe(
        'struct<1: when: optional list<string>>',
      );
      expect(show(inferSchema({ when: ['2024-03-01T10:15:30Z', '2024-03-02T10:15:30+01:00'] }))).toBe(
        'struct<1: when: optional list<timestamptz>>',
      );
    });
  });

  describe('continuing from the table (a restarted worker)', () => {
    const table: Schema = {
      schemaId: 3,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'ts', required: false, type: primitive('string') },
        { id: 2, name: 'n', required: false, type: primitive('double') },
        { id: 3, name: 'at', required: false, type: primitive('timestamptz') },
        { id: 4, name: 'price', required: false, type: decimal(10, 2) },
        {
          id: 5,
          name: '_kafka',
          required: false,
          type: {
            kind: 'struct',
            fields: [{ id: 6, name: 'topic', required: false, type: primitive('string') }],
          },
        },
      ],
    };

    it('keeps the table column types a fresh inference would get wrong', () => {
      const inferred = new InferredJsonSchema();
      inferred.follow(table);
      const { row, schema } = inferred.convert({
        ts: '2024-03-01T10:15:30Z',
        n: 1,
        at: '2024-03-01T10:15:30Z',
      });
      expect(row).toEqual({ ts: '2024-03-01T10:15:30Z', n: 1, at: 1709288130000000n, _kafka: null });
      // decimal is a type inference never makes: left to the table's schema evolution
      expect(show(schema)).toBe(
        'struct<1: ts: optional string, 2: n: optional double, 3: at: optional timestamptz, ' +
          '4: _kafka: optional struct<5: topic: optional string>>',
      );
      expect(() => inferred.convert({ at: 'soon' })).toThrow('at: a string that is not an ISO-8601');
    });

    it('is told the table through the decoder, without the metadata column', async () => {
      const decoder = createValueDecoder('json', { metadataColumn: { name: '_kafka' } });
      decoder.followTable?.(table);
      const { row, schema } = await decoder.decode(Buffer.from('{"ts": "2024-03-01", "n": 2}'), where);
      expect(row.ts).toBe('2024-03-01');
      expect(row.n).toBe(2);
      expect(schema.fields.map((field) => field.name)).toEqual(['ts', 'n', 'at', '_kafka']);
    });
  });
});
