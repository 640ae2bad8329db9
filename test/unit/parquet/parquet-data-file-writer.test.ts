// Writes Parquet with floe and reads it back with PyArrow (and PyIceberg) from the
// project venv: values, field ids, logical types and statistics must agree.
import { describe, expect, it } from 'vitest';
import { schemaToJson } from '../../../src/iceberg/schema-json.ts';
import { primitive, type Row, type Schema } from '../../../src/iceberg/types.ts';
import { writeParquetDataFile } from '../../../src/parquet/parquet-data-file-writer.ts';
import { readParquetFooter } from '../../../src/parquet/parquet-footer.ts';
import {
  DEFAULT_PARQUET_WRITE_PROPERTIES,
  type ParquetCompression,
} from '../../../src/parquet/parquet-write-properties.ts';
import { RecordBatchBuilder } from '../../../src/parquet/record-batch-builder.ts';
import { ALL_TYPES_ROWS, ALL_TYPES_SCHEMA, normalizeRow } from './all-types-fixture.ts';
import { type PyArrowField, readParquetWithPyArrow } from './pyarrow-reader.ts';

const props = DEFAULT_PARQUET_WRITE_PROPERTIES;

function fieldIds(fields: PyArrowField[], into: Record<string, number | null> = {}, prefix = '') {
  for (const f of fields) {
    into[`${prefix}${f.name}`] = f.field_id;
    fieldIds(f.children, into, `${prefix}${f.name}.`);
  }
  return into;
}

describe('writeParquetDataFile read back by PyArrow', () => {
  const written = writeParquetDataFile(ALL_TYPES_SCHEMA, ALL_TYPES_ROWS, props);
  // PyIceberg 0.12 refuses nanosecond timestamps in v2 tables, so its projection leaves them out.
  const pyicebergSchema: Schema = {
    ...ALL_TYPES_SCHEMA,
    fields: ALL_TYPES_SCHEMA.fields.filter(
      (f) => f.type.kind !== 'timestamp_ns' && f.type.kind !== 'timestamptz_ns',
    ),
  };
  const read = readParquetWithPyArrow(written.bytes, schemaToJson(pyicebergSchema));
  const expected = ALL_TYPES_ROWS.map((row) => normalizeRow(ALL_TYPES_SCHEMA, row));

  it('round-trips every type, nulls included', () => {
    expect(written.recordCount).toBe(4);
    expect(read.rows).toEqual(expected);
  });

  it('is read by PyIceberg through the field ids', () => {
    const iceberg = expected.map((row) => {
      const { tsns: _ns, tstzns: _tzns, ...rest } = row;
      // PyIceberg 0.12 rebuilds projected maps from offsets alone and turns a null map
      // into an empty one (it does the same for files PyArrow writes).
      return rest.mp === null ? { ...rest, mp: [] } : rest;
    });
    expect(read.iceberg_rows).toEqual(iceberg);
  });

  it('carries field ids at every level of the Parquet schema', () => {
    const ids = fieldIds(read.arrow_schema);
    expect(ids).toMatchObject({
      id: 1,
      st: 20,
      'st.a': 21,
      'st.inner': 23,
      'st.inner.x': 24,
      ls: 25,
      'ls.element': 26,
      mp: 27,
      // PyArrow lists a map's key and value fields directly under the map.
      'mp.key': 28,
      'mp.value': 29,
      'mp.value.q': 30,
      ll: 31,
      'll.element': 32,
      'll.element.element': 33,
    });
    expect(read.columns.map((c) => [c.path, c.field_id])).toContainEqual([
      'll.list.element.list.element',
      33,
    ]);
    expect(read.columns.every((c) => c.field_id !== null)).toBe(true);
  });

  it('uses the Parquet types Iceberg specifies', () => {
    const column = (path: string) => read.columns.find((c) => c.path === path);
    expect(column('dec9')).toMatchObject({
      physical_type: 'INT32',
      logical_type: { Type: 'Decimal', precision: 9, scale: 2 },
    });
    expect(column('dec18')).toMatchObject({
      physical_type: 'INT64',
      logical_type: { Type: 'Decimal', precision: 18 },
    });
    expect(column('dec38')).toMatchObject({
      physical_type: 'FIXED_LEN_BYTE_ARRAY',
      logical_type: { Type: 'Decimal' },
    });
    expect(column('dt')?.logical_type).toMatchObject({ Type: 'Date' });
    expect(column('t')?.logical_type).toMatchObject({
      Type: 'Time',
      isAdjustedToUTC: false,
      timeUnit: 'microseconds',
    });
    expect(column('ts')?.logical_type).toMatchObject({ isAdjustedToUTC: false, timeUnit: 'microseconds' });
    expect(column('tstz')?.logical_type).toMatchObject({ isAdjustedToUTC: true, timeUnit: 'microseconds' });
    expect(column('tstzns')?.logical_type).toMatchObject({ isAdjustedToUTC: true, timeUnit: 'nanoseconds' });
    expect(column('s')?.logical_type).toMatchObject({ Type: 'String' });
    expect(column('u')).toMatchObject({ physical_type: 'FIXED_LEN_BYTE_ARRAY' });
    expect(column('bin')).toMatchObject({ physical_type: 'BYTE_ARRAY', logical_type: { Type: 'None' } });
    expect(read.columns.map((c) => c.path)).toContain('mp.key_value.key');
    expect(read.columns.map((c) => c.path)).toContain('ls.list.element');
  });

  it('reports the counts and compressed sizes the Parquet footer holds', () => {
    const chunks = read.row_groups.flatMap((g) => g.columns);
    expect(chunks).toHaveLength(written.columns.size);
    read.columns.forEach((column, leaf) => {
      const chunk = chunks[leaf];
      const stats = written.columns.get(column.field_id as number);
      expect({ path: column.path, ...stats }).toMatchObject({
        path: column.path,
        valueCount: chunk?.num_values,
        nullCount: chunk?.null_count,
        compressedSize: chunk?.total_compressed_size,
      });
    });
    expect(written.splitOffsets).toEqual([4]);
  });
});

describe('writeParquetDataFile options', () => {
  const schema: Schema = {
    schemaId: 0,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'n', required: true, type: primitive('long') },
      { id: 2, name: 'label', required: false, type: primitive('string') },
    ],
  };
  const rows: Row[] = Array.from({ length: 5000 }, (_, i) => ({ n: BigInt(i), label: `row-${i % 7}` }));

  // Parquet's CompressionCodec enum: UNCOMPRESSED 0, SNAPPY 1, GZIP 2, ZSTD 6, LZ4_RAW 7.
  const codecs: Array<[ParquetCompression, string, number]> = [
    ['zstd', 'ZSTD', 6],
    ['snappy', 'SNAPPY', 1],
    ['gzip', 'GZIP', 2],
    ['lz4_raw', 'LZ4', 7],
    ['uncompressed', 'UNCOMPRESSED', 0],
  ];
  for (const [codec, parquetName, thriftCodec] of codecs) {
    it(`writes ${codec}`, () => {
      const written = writeParquetDataFile(schema, rows, { ...props, compression: codec });
      const read = readParquetWithPyArrow(written.bytes);
      // PyArrow names Parquet's LZ4_RAW codec "LZ4"; the footer check below tells them apart.
      expect(read.row_groups[0]?.columns.map((c) => c.compression)).toEqual([parquetName, parquetName]);
      const codecs = readParquetFooter(written.bytes).rowGroups[0]?.columns.map((c) => c.codec);
      expect(codecs).toEqual([thriftCodec, thriftCodec]);
      expect(read.rows.length).toBe(5000);
      expect(read.rows[4999]).toEqual({ n: '4999', label: 'row-1' });
    });
  }

  it('splits row groups by the byte target and reports their offsets', () => {
    const builder = new RecordBatchBuilder(schema);
    for (const row of rows) builder.append(row);
    const perRow = builder.estimatedBytes / builder.rowCount;
    const written = writeParquetDataFile(schema, builder, {
      ...props,
      rowGroupSizeBytes: Math.ceil(perRow * 1000),
    });
    const read = readParquetWithPyArrow(written.bytes);
    expect(read.row_groups.map((g) => g.num_rows)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(written.splitOffsets).toHaveLength(5);
    expect(written.splitOffsets[0]).toBe(4);
    expect([...written.splitOffsets].sort((a, b) => a - b)).toEqual(written.splitOffsets);
    const sizes = read.row_groups.reduce((sum, g) => sum + (g.columns[0]?.total_compressed_size ?? 0), 0);
    expect(written.columns.get(1)?.compressedSize).toBe(sizes);
  });

  it('writes an empty file that PyArrow reads as zero rows', () => {
    const written = writeParquetDataFile(schema, [], props);
    expect(written.recordCount).toBe(0);
    expect(readParquetWithPyArrow(written.bytes).rows).toEqual([]);
  });
});
