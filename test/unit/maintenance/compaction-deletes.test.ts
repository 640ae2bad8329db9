// Which delete files compaction applies and drops with the files they name, and
// which only block the data files they may reach (spec: "Scan Planning"), case
// by case.
import { describe, expect, it } from 'vitest';
import { type DataFile, POSITION_DELETE_FILE_PATH_ID } from '../../../src/iceberg/data-file.ts';
import { ENTRY_STATUS, type ManifestEntry } from '../../../src/iceberg/manifest-entry.ts';
import {
  appliedByFloe,
  fileScopedTarget,
  mayApply,
  scopeDeletes,
} from '../../../src/maintenance/compaction-deletes.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

function entry(sequenceNumber: number, file: Partial<DataFile> & { filePath: string }): ManifestEntry {
  return {
    status: ENTRY_STATUS.EXISTING,
    snapshotId: 1n,
    sequenceNumber,
    fileSequenceNumber: sequenceNumber,
    dataFile: {
      content: 0,
      fileFormat: 'PARQUET',
      specId: 0,
      partition: ['a'],
      recordCount: 10,
      fileSizeInBytes: 100,
      ...file,
    },
  };
}

const data = (path: string, seq: number, partition: DataFile['partition'] = ['a']) =>
  entry(seq, { filePath: path, partition });
const positionDeletes = (path: string, seq: number, over: Partial<DataFile> = {}) =>
  entry(seq, { filePath: path, content: 1, ...over });

describe('delete scope', () => {
  it('a position-delete file is file-scoped by referenced_data_file, or by equal file_path bounds (as Java writes them)', () => {
    const byField = positionDeletes('d1', 3, { referencedDataFile: 'f1' }).dataFile;
    expect(fileScopedTarget(byField)).toBe('f1');
    const byBounds = positionDeletes('d2', 3, {
      lowerBounds: new Map([[POSITION_DELETE_FILE_PATH_ID, utf8('s3://b/t/f2.parquet')]]),
      upperBounds: new Map([[POSITION_DELETE_FILE_PATH_ID, utf8('s3://b/t/f2.parquet')]]),
    }).dataFile;
    expect(fileScopedTarget(byBounds)).toBe('s3://b/t/f2.parquet');
    const spanning = positionDeletes('d3', 3, {
      lowerBounds: new Map([[POSITION_DELETE_FILE_PATH_ID, utf8('s3://b/t/f1.parquet')]]),
      upperBounds: new Map([[POSITION_DELETE_FILE_PATH_ID, utf8('s3://b/t/f2.parquet')]]),
    }).dataFile;
    expect(fileScopedTarget(spanning)).toBeUndefined();
    expect(fileScopedTarget(positionDeletes('d4', 3).dataFile)).toBeUndefined();
    expect(fileScopedTarget(entry(3, { filePath: 'eq', content: 2 }).dataFile)).toBeUndefined();
  });

  it('applies Parquet position-delete files and deletion vectors, not Avro or ORC delete files', () => {
    expect(appliedByFloe(positionDeletes('d', 1, { referencedDataFile: 'f' }).dataFile)).toBe(true);
    const dv = positionDeletes('dv.puffin', 1, {
      referencedDataFile: 'f',
      fileFormat: 'PUFFIN',
      contentOffset: 4,
      contentSizeInBytes: 40,
    }).dataFile;
    expect(appliedByFloe(dv)).toBe(true);
    expect(
      appliedByFloe(positionDeletes('d.avro', 1, { referencedDataFile: 'f', fileFormat: 'AVRO' }).dataFile),
    ).toBe(false);
    expect(
      appliedByFloe(positionDeletes('d.orc', 1, { referencedDataFile: 'f', fileFormat: 'ORC' }).dataFile),
    ).toBe(false);
  });

  it('follows the spec’s sequence number rules: position deletes reach data up to theirs, equality deletes below', () => {
    const pos = positionDeletes('d', 5);
    const eq = entry(5, { filePath: 'e', content: 2, equalityIds: [1] });
    expect(mayApply(pos, data('f', 5))).toBe(true);
    expect(mayApply(pos, data('f', 6))).toBe(false);
    expect(mayApply(eq, data('f', 4))).toBe(true);
    expect(mayApply(eq, data('f', 5))).toBe(false);
    // partition: same spec and tuple, or an unpartitioned delete file
    expect(mayApply(pos, data('f', 1, ['b']))).toBe(false);
    expect(mayApply(positionDeletes('d', 5, { partition: [] }), data('f', 1, ['b']))).toBe(true);
    expect(mayApply(positionDeletes('d', 5, { specId: 1 }), data('f', 1))).toBe(false);
    // file-scoped: its file only
    const scoped = positionDeletes('d', 5, { referencedDataFile: 'f' });
    expect(mayApply(scoped, data('f', 2))).toBe(true);
    expect(mayApply(scoped, data('g', 2))).toBe(false);
  });

  it('file-scoped deletes go with their file; others block what they may reach, nothing else', () => {
    const files = [data('f1', 1), data('f2', 2), data('f3', 4), data('g1', 1, ['b']), data('h1', 1, ['c'])];
    const scope = scopeDeletes(
      [
        positionDeletes('d-f1', 3, { referencedDataFile: 'f1' }),
        positionDeletes('d-f1b', 5, { referencedDataFile: 'f1' }),
        // a partition-scoped position delete of partition a at sequence 3: f1, f2 (not f3, added later)
        positionDeletes('d-a', 3),
        // an equality delete of partition b at 2: g1
        entry(2, { filePath: 'eq-b', content: 2, partition: ['b'], equalityIds: [1] }),
        // a deletion vector on h1: applied with it
        positionDeletes('dv-h1', 2, {
          partition: ['c'],
          referencedDataFile: 'h1',
          fileFormat: 'PUFFIN',
          contentOffset: 4,
          contentSizeInBytes: 30,
        }),
        // an Avro position-delete file on f3: floe does not read it, so f3 stays
        positionDeletes('d-f3.avro', 4, { referencedDataFile: 'f3', fileFormat: 'AVRO' }),
      ],
      files,
    );
    expect([...scope.blocked].sort()).toEqual(['f1', 'f2', 'f3', 'g1']);
    expect([...scope.fileScoped.keys()].sort()).toEqual(['f1', 'h1']);
    expect(scope.fileScoped.get('f1')!.map((d) => d.dataFile.filePath)).toEqual(['d-f1', 'd-f1b']);
  });

  it('an unpartitioned equality delete blocks every older data file of every partition', () => {
    const files = [data('f1', 1), data('g1', 1, ['b']), data('f2', 3)];
    const scope = scopeDeletes(
      [entry(2, { filePath: 'eq', content: 2, partition: [], equalityIds: [1] })],
      files,
    );
    expect([...scope.blocked].sort()).toEqual(['f1', 'g1']);
  });
});
