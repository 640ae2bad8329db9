import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import {
  DEFAULT_PARQUET_WRITE_PROPERTIES,
  parquetWritePropertiesFromTable,
} from '../../../src/parquet/parquet-write-properties.ts';

describe('parquetWritePropertiesFromTable', () => {
  it("uses Iceberg's defaults when no property is set, row groups of 32 MiB of Arrow data", () => {
    expect(parquetWritePropertiesFromTable({})).toEqual({
      compression: 'zstd',
      rowGroupSizeBytes: 33554432,
      pageSizeBytes: 1048576,
      dictionaryEnabled: true,
      dictionaryPageSizeBytes: 2097152,
      targetFileSizeBytes: 536870912,
    });
    expect(parquetWritePropertiesFromTable({})).toEqual(DEFAULT_PARQUET_WRITE_PROPERTIES);
  });

  it('maps the write.* table properties', () => {
    expect(
      parquetWritePropertiesFromTable({
        'write.parquet.compression-codec': 'GZIP',
        'write.parquet.compression-level': '6',
        'write.parquet.row-group-size-bytes': '1000',
        'write.parquet.page-size-bytes': '2000',
        'write.parquet.dict-size-bytes': '3000',
        'write.target-file-size-bytes': '4000',
        'write.format.default': 'parquet',
      }),
    ).toEqual({
      compression: 'gzip',
      compressionLevel: 6,
      rowGroupSizeBytes: 1000,
      pageSizeBytes: 2000,
      dictionaryEnabled: true,
      dictionaryPageSizeBytes: 3000,
      targetFileSizeBytes: 4000,
    });
  });

  it.each([
    ['snappy', 'snappy'],
    ['lz4', 'lz4_raw'],
    ['uncompressed', 'uncompressed'],
    ['none', 'uncompressed'],
    ['brotli', 'brotli'],
  ])('accepts codec %s', (codec, expected) => {
    expect(parquetWritePropertiesFromTable({ 'write.parquet.compression-codec': codec }).compression).toBe(
      expected,
    );
  });

  it('rejects unknown codecs, bad numbers and levels outside the codec range, naming the key', () => {
    expect(() => parquetWritePropertiesFromTable({ 'write.parquet.compression-codec': 'lzo' })).toThrow(
      ConfigError,
    );
    expect(() => parquetWritePropertiesFromTable({ 'write.parquet.row-group-size-bytes': '12MB' })).toThrow(
      /write.parquet.row-group-size-bytes must be an integer/,
    );
    expect(() => parquetWritePropertiesFromTable({ 'write.target-file-size-bytes': '0' })).toThrow(/>= 1/);
    expect(() => parquetWritePropertiesFromTable({ 'write.parquet.compression-level': '23' })).toThrow(
      /level 23 is not valid for zstd/,
    );
    expect(() =>
      parquetWritePropertiesFromTable({
        'write.parquet.compression-codec': 'snappy',
        'write.parquet.compression-level': '1',
      }),
    ).toThrow(/has no levels/);
  });
});
