import { describe, expect, it } from 'vitest';
import { updateSnapshotSummary } from '../../../src/iceberg/snapshot.ts';

describe('updateSnapshotSummary', () => {
  it('starts totals at 0 for the first snapshot', () => {
    expect(updateSnapshotSummary(undefined, { files: 3, records: 30, bytes: 13269 })).toEqual({
      operation: 'append',
      'added-files-size': '13269',
      'added-data-files': '3',
      'added-records': '30',
      'total-records': '30',
      'total-files-size': '13269',
      'total-data-files': '3',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
    });
    expect(updateSnapshotSummary({}, { files: 1, records: 1, bytes: 1 })['total-records']).toBe('1');
  });

  it("adds to the parent's totals, as PyIceberg's second append shows", () => {
    // the first snapshot summary of test/golden/metadata/pyiceberg-v2.metadata.json
    const parent = {
      operation: 'append',
      'added-files-size': '13269',
      'added-data-files': '3',
      'added-records': '3',
      'changed-partition-count': '3',
      'total-data-files': '3',
      'total-delete-files': '0',
      'total-records': '3',
      'total-files-size': '13269',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
    };
    const next = updateSnapshotSummary(parent, { files: 3, records: 3, bytes: 13269, changedPartitions: 3 });
    expect(next).toMatchObject({
      'changed-partition-count': '3',
      'total-data-files': '6',
      'total-records': '6',
      'total-files-size': '26538',
      'total-delete-files': '0',
    });
  });

  it('leaves out a total the parent does not carry, and counts beyond 2^53 exactly', () => {
    const next = updateSnapshotSummary(
      { operation: 'append', 'total-records': '9007199254740993' },
      { files: 1, records: 2, bytes: 10 },
    );
    expect(next['total-records']).toBe('9007199254740995');
    expect(next).not.toHaveProperty('total-files-size');
  });
});
