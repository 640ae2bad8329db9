// Iceberg table properties that shape Parquet files (Iceberg "Configuration",
// "Write properties"), with Iceberg's defaults except the row group size.
import { ConfigError } from '../errors.ts';

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'lz4_raw' | 'brotli' | 'uncompressed';

export interface ParquetWriteProperties {
  readonly compression: ParquetCompression;
  /** Codec level (zstd 1-22, gzip 0-9, brotli 0-11); undefined = the writer's default. */
  readonly compressionLevel?: number;
  /** Target row group size; turned into a row limit from the observed bytes per row. */
  readonly rowGroupSizeBytes: number;
  readonly pageSizeBytes: number;
  readonly dictionaryEnabled: boolean;
  readonly dictionaryPageSizeBytes: number;
  /** When the sink should roll over to a new data file. */
  readonly targetFileSizeBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_PARQUET_WRITE_PROPERTIES: ParquetWriteProperties = {
  compression: 'zstd',
  // Iceberg's 128 MB is measured on compressed bytes; floe measures Arrow bytes, and the
  // encoder thread holds the open row group uncompressed (parquet-wasm writes plain
  // pages; parquet-page-recompressor.ts compresses them) and copies it once more as
  // it flushes. At 128 MiB that thread's WebAssembly memory (which never shrinks)
  // reached 380-460 MB on 50-field records and the worker's peak RSS 1.06-1.24 GB;
  // at 32 MiB 130 MB and 0.83 GB (docs/benchmarks.md, "Peak RSS").
  rowGroupSizeBytes: 32 * MiB,
  pageSizeBytes: 1 * MiB,
  dictionaryEnabled: true,
  dictionaryPageSizeBytes: 2 * MiB,
  targetFileSizeBytes: 512 * MiB,
};

export const PARQUET_PROPERTY_KEYS = {
  compressionCodec: 'write.parquet.compression-codec',
  compressionLevel: 'write.parquet.compression-level',
  rowGroupSizeBytes: 'write.parquet.row-group-size-bytes',
  pageSizeBytes: 'write.parquet.page-size-bytes',
  dictSizeBytes: 'write.parquet.dict-size-bytes',
  targetFileSizeBytes: 'write.target-file-size-bytes',
} as const;

const CODECS: Readonly<Record<string, ParquetCompression>> = {
  zstd: 'zstd',
  snappy: 'snappy',
  gzip: 'gzip',
  // Iceberg's "lz4" is the Hadoop-framed codec Parquet deprecated; LZ4_RAW is the readable successor.
  lz4: 'lz4_raw',
  lz4_raw: 'lz4_raw',
  brotli: 'brotli',
  uncompressed: 'uncompressed',
  none: 'uncompressed',
};

const LEVEL_RANGES: Readonly<Partial<Record<ParquetCompression, readonly [number, number]>>> = {
  zstd: [1, 22],
  gzip: [0, 9],
  brotli: [0, 11],
};

export function parquetWritePropertiesFromTable(
  properties: Readonly<Record<string, string>>,
): ParquetWriteProperties {
  const defaults = DEFAULT_PARQUET_WRITE_PROPERTIES;
  const codecText = properties[PARQUET_PROPERTY_KEYS.compressionCodec];
  let compression = defaults.compression;
  if (codecText !== undefined) {
    const codec = CODECS[codecText.trim().toLowerCase()];
    if (codec === undefined) {
      throw new ConfigError(`unsupported Parquet codec '${codecText}'`, {
        key: PARQUET_PROPERTY_KEYS.compressionCodec,
      });
    }
    compression = codec;
  }
  const compressionLevel = optionalInt(properties, PARQUET_PROPERTY_KEYS.compressionLevel, 0);
  if (compressionLevel !== undefined) {
    const range = LEVEL_RANGES[compression];
    if (range === undefined || compressionLevel < range[0] || compressionLevel > range[1]) {
      throw new ConfigError(
        `compression level ${compressionLevel} is not valid for ${compression}` +
          (range ? ` (expected ${range[0]}..${range[1]})` : ' (the codec has no levels)'),
        { key: PARQUET_PROPERTY_KEYS.compressionLevel },
      );
    }
  }
  return {
    compression,
    ...(compressionLevel === undefined ? {} : { compressionLevel }),
    rowGroupSizeBytes:
      optionalInt(properties, PARQUET_PROPERTY_KEYS.rowGroupSizeBytes, 1) ?? defaults.rowGroupSizeBytes,
    pageSizeBytes: optionalInt(properties, PARQUET_PROPERTY_KEYS.pageSizeBytes, 1) ?? defaults.pageSizeBytes,
    dictionaryEnabled: defaults.dictionaryEnabled,
    dictionaryPageSizeBytes:
      optionalInt(properties, PARQUET_PROPERTY_KEYS.dictSizeBytes, 1) ?? defaults.dictionaryPageSizeBytes,
    targetFileSizeBytes:
      optionalInt(properties, PARQUET_PROPERTY_KEYS.targetFileSizeBytes, 1) ?? defaults.targetFileSizeBytes,
  };
}

function optionalInt(
  properties: Readonly<Record<string, string>>,
  key: string,
  min: number,
): number | undefined {
  const text = properties[key];
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`table property ${key} must be an integer >= ${min}, got '${text}'`, { key });
  }
  return value;
}
