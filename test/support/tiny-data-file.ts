// A data file entry for a one-row, 8-byte placeholder file: what the tests and
// benches of snapshot expiry commit (expiry never reads a data file, only
// which manifests name it).
import type { DataFile } from '../../src/iceberg/data-file.ts';

export function tinyDataFile(filePath: string): DataFile {
  return {
    content: 0,
    filePath,
    fileFormat: 'PARQUET',
    specId: 0,
    partition: [],
    recordCount: 1,
    fileSizeInBytes: 8,
  };
}
