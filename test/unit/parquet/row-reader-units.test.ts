// Data files other writers registered (add_files, an in-place migration) may
// store timestamps in milliseconds or nanoseconds (INT96 reads as nanoseconds);
// compaction reads them back with readParquetRows, which must give Iceberg's
// microseconds (nanoseconds for timestamp_ns), flooring like Iceberg does.
import {
  Schema as ArrowSchema,
  Field,
  Int64,
  makeData,
  RecordBatch,
  Struct,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { type PrimitiveTypeName, primitive, type Schema } from '../../../src/iceberg/types.ts';
import { readParquetRows } from '../../../src/parquet/parquet-row-reader.ts';
import { writeArrowTableToParquet } from '../../../src/parquet/parquet-wasm-writer.ts';

function readBack(
  arrowType: TimestampMillisecond | TimestampNanosecond,
  stored: bigint[],
  kind: PrimitiveTypeName,
): unknown[] {
  const fieldId = (id: number) => new Map([['PARQUET:field_id', String(id)]]);
  const fields = [
    new Field('id', new Int64(), false, fieldId(1)),
    new Field('ts', arrowType, true, fieldId(2)),
  ];
  const arrowSchema = new ArrowSchema(fields);
  const length = stored.length;
  const ids = makeData({
    type: new Int64(),
    length,
    data: BigInt64Array.from(stored.map((_, i) => BigInt(i))),
  });
  // One overload per Arrow type: both timestamp units share the millisecond one's props.
  const ts = makeData({ type: arrowType as TimestampMillisecond, length, data: BigInt64Array.from(stored) });
  const struct = makeData({ type: new Struct(arrowSchema.fields), length, children: [ids, ts] });
  const table = new Table(arrowSchema, [new RecordBatch(arrowSchema, struct)]);
  const bytes = writeArrowTableToParquet(table, { compression: 'uncompressed' });
  const schema: Schema = {
    schemaId: 0,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'id', required: true, type: primitive('long') },
      { id: 2, name: 'ts', required: false, type: primitive(kind) },
    ],
  };
  return readParquetRows(bytes, schema, 'units.parquet').map((row) => row.ts);
}

describe('readParquetRows of timestamps stored in other units', () => {
  it('milliseconds become microseconds', () => {
    expect(readBack(new TimestampMillisecond(), [1_709_251_200_123n, -1n], 'timestamp')).toEqual([
      1_709_251_200_123_000n,
      -1000n,
    ]);
  });

  it('nanoseconds become microseconds, floored; timestamp_ns keeps them', () => {
    const ns = [1_709_251_200_123_456_789n, -1n];
    expect(readBack(new TimestampNanosecond(), ns, 'timestamptz')).toEqual([1_709_251_200_123_456n, -1n]);
    expect(readBack(new TimestampNanosecond(), ns, 'timestamp_ns')).toEqual(ns);
  });
});
