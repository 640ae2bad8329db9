import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.ts';
import type { TableMetadata } from '../../../src/iceberg/table-metadata.ts';
import { readSnapshotFiles } from '../../../src/maintenance/compaction-files.ts';
import { testFileIO } from '../../support/io.ts';

describe('compaction of v3 tables', () => {
  it('is refused before anything is read or rewritten: rewritten rows would lose their row ids', async () => {
    const metadata = { formatVersion: 3, location: 'file:///nonexistent/floe-v3' } as TableMetadata;
    const snapshot = {
      snapshotId: 1n,
      sequenceNumber: 1,
      timestampMs: 0,
      manifestList: 'file:///nonexistent/floe-v3/missing.avro',
      summary: {},
    };
    await expect(readSnapshotFiles(testFileIO(), metadata, snapshot)).rejects.toThrow(UnsupportedError);
    await expect(readSnapshotFiles(testFileIO(), metadata, snapshot)).rejects.toThrow(/row ids/);
  });
});
