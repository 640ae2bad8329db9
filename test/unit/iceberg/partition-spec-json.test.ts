import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { partitionSpecFromJson, partitionSpecToJson } from '../../../src/iceberg/partition-spec-json.ts';
import { sortOrderFromJson, sortOrderToJson, UNSORTED_ORDER } from '../../../src/iceberg/sort-order.ts';
import golden from '../../vectors/spec-json.json' with { type: 'json' };

describe('partition spec JSON (spec Appendix C, "Partition Specs")', () => {
  it('reads the JSON PyIceberg writes and writes it back field for field', () => {
    const spec = partitionSpecFromJson(golden.partitionSpec);
    expect(spec.specId).toBe(3);
    expect(spec.fields[0]).toEqual({
      sourceId: 4,
      fieldId: 1000,
      name: 'ts_day',
      transform: { kind: 'day' },
    });
    expect(spec.fields[1]?.transform).toEqual({ kind: 'bucket', numBuckets: 16 });
    expect(spec.fields[4]?.transform).toEqual({ kind: 'void' });
    expect(partitionSpecToJson(spec)).toEqual(golden.partitionSpec);
  });

  it('writes the example of the spec', () => {
    const spec = partitionSpecFromJson({
      'spec-id': 0,
      fields: [
        { 'source-id': 4, 'field-id': 1000, name: 'ts_day', transform: 'day' },
        { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[16]' },
      ],
    });
    expect(JSON.stringify(partitionSpecToJson(spec))).toBe(
      '{"spec-id":0,"fields":[{"source-id":4,"field-id":1000,"name":"ts_day","transform":"day"},' +
        '{"source-id":1,"field-id":1001,"name":"id_bucket","transform":"bucket[16]"}]}',
    );
  });

  it('keeps unknown transforms by name', () => {
    const json = {
      'spec-id': 1,
      fields: [{ 'source-id': 1, 'field-id': 1000, name: 'z', transform: 'zorder' }],
    };
    const spec = partitionSpecFromJson(json);
    expect(spec.fields[0]?.transform).toEqual({ kind: 'unknown', name: 'zorder' });
    expect(partitionSpecToJson(spec)).toEqual(json);
  });

  it("reads v1's bare field list, numbering fields from 1000", () => {
    const spec = partitionSpecFromJson([
      { 'source-id': 1, name: 'a', transform: 'identity' },
      { 'source-id': 2, name: 'b_bucket', transform: 'bucket[4]' },
    ]);
    expect(spec).toEqual({
      specId: 0,
      fields: [
        { sourceId: 1, fieldId: 1000, name: 'a', transform: { kind: 'identity' } },
        { sourceId: 2, fieldId: 1001, name: 'b_bucket', transform: { kind: 'bucket', numBuckets: 4 } },
      ],
    });
  });

  it("reads a v3 'source-ids' list of one id", () => {
    const spec = partitionSpecFromJson({
      'spec-id': 2,
      fields: [{ 'source-ids': [7], 'field-id': 1000, name: 'x', transform: 'identity' }],
    });
    expect(spec.fields[0]?.sourceId).toBe(7);
  });

  it('says what is wrong and where', () => {
    expect(() => partitionSpecFromJson({ fields: [] })).toThrow(/'spec-id' of partition spec/);
    expect(() =>
      partitionSpecFromJson({ 'spec-id': 1, fields: [{ 'field-id': 1000, name: 'x', transform: 'day' }] }),
    ).toThrow(/field 0 of partition spec 1/);
    expect(() =>
      partitionSpecFromJson({
        'spec-id': 1,
        fields: [{ 'source-ids': [1, 2], 'field-id': 1000, name: 'x', transform: 'zorder' }],
      }),
    ).toThrow(ValidationError);
    expect(() =>
      partitionSpecFromJson({
        'spec-id': 1,
        fields: [
          { 'source-id': 1, 'field-id': 1000, name: 'x', transform: 'identity' },
          { 'source-id': 2, 'field-id': 1000, name: 'y', transform: 'identity' },
        ],
      }),
    ).toThrow(/repeats a partition field id/);
  });
});

describe('sort order JSON (spec Appendix C, "Sort Orders")', () => {
  it('reads the JSON PyIceberg writes and writes it back', () => {
    const order = sortOrderFromJson(golden.sortOrder);
    expect(order).toEqual({
      orderId: 1,
      fields: [
        { sourceId: 2, transform: { kind: 'identity' }, direction: 'asc', nullOrder: 'nulls-first' },
        {
          sourceId: 3,
          transform: { kind: 'bucket', numBuckets: 4 },
          direction: 'desc',
          nullOrder: 'nulls-last',
        },
      ],
    });
    expect(sortOrderToJson(order)).toEqual(golden.sortOrder);
  });

  it('round-trips the unsorted order', () => {
    expect(sortOrderToJson(UNSORTED_ORDER)).toEqual({ 'order-id': 0, fields: [] });
    expect(sortOrderFromJson({ 'order-id': 0, fields: [] })).toEqual(UNSORTED_ORDER);
  });

  it('refuses bad directions, null orders and fields on order 0', () => {
    const field = { 'source-id': 1, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' };
    expect(() => sortOrderFromJson({ 'order-id': 1, fields: [{ ...field, direction: 'up' }] })).toThrow(
      /'direction' of field 0 of sort order 1/,
    );
    expect(() => sortOrderFromJson({ 'order-id': 1, fields: [{ ...field, 'null-order': 'first' }] })).toThrow(
      ValidationError,
    );
    expect(() => sortOrderFromJson({ 'order-id': 0, fields: [field] })).toThrow(/reserved/);
  });
});
