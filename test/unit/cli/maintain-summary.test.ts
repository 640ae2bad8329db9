// What `floe maintain` prints: the dry run's plan per partition, the summary
// rows per table and step (text and JSON), byte sizes.
import { describe, expect, it } from 'vitest';
import {
  compactionPlanLines,
  describeStep,
  formatBytes,
  type StepSummary,
  summaryJson,
  summaryLines,
} from '../../../src/cli/maintain-report.ts';

const compacted: StepSummary = {
  table: 'shop.orders',
  step: 'compact',
  dryRun: false,
  seconds: 2.345,
  groups: 4,
  filesRewritten: 96,
  filesAdded: 4,
  bytesRewritten: 3 * 1024 * 1024,
  bytesWritten: 2.5 * 1024 * 1024,
  deleteFilesRemoved: 0,
  records: 12_000,
};
const expired: StepSummary = {
  table: 'shop.orders',
  step: 'expire',
  dryRun: false,
  seconds: 0.41,
  snapshotsExpired: 97,
  snapshotsKept: 1,
  refsRemoved: 0,
  dataFilesDeleted: 96,
  manifestsDeleted: 97,
  manifestListsDeleted: 97,
  statisticsFilesDeleted: 0,
};
const orphans: StepSummary = {
  table: 'web.clicks',
  step: 'orphans',
  dryRun: false,
  seconds: 0.2,
  filesListed: 300,
  orphans: 3,
  orphanBytes: 12_288,
  orphansRemoved: 3,
  youngerKept: 2,
};

describe('summaryLines', () => {
  it('is one aligned row per table and step with what it did and its seconds', () => {
    expect(summaryLines([compacted, expired, orphans])).toEqual([
      'summary',
      '  shop.orders  compact  rewrote 96 files (3.0 MiB) into 4 files (2.5 MiB)  2.3 s',
      '  shop.orders  expire   expired 97 snapshots (1 kept), deleted 290 files: 96 data/delete, 97 manifests, 97 manifest lists, 0 statistics  0.4 s',
      '  web.clicks   orphans  removed 3 orphans (12.0 KiB) of 300 files listed; 2 unreferenced but younger kept  0.2 s',
    ]);
  });

  it('says so on a dry run, with what would be done, and when a signal stopped it', () => {
    const lines = summaryLines(
      [
        { ...compacted, dryRun: true, filesAdded: 0, bytesWritten: 0, partitions: 4 },
        { ...expired, dryRun: true },
        { ...orphans, dryRun: true, orphansRemoved: 0 },
      ],
      true,
    );
    expect(lines[0]).toBe('summary (dry run: nothing changed) (interrupted: the steps below ran)');
    expect(lines[1]).toContain('would rewrite 96 files (3.0 MiB) into about 4 files in 4 partitions');
    expect(lines[2]).toContain('would expire 97 snapshots (1 kept), would delete 290 files');
    expect(lines[3]).toContain('would remove 3 orphans (12.0 KiB)');
    expect(summaryLines([])).toEqual(['summary', '  no step ran']);
  });

  it('gives the reason when a step had nothing to do', () => {
    expect(describeStep({ ...compacted, skipped: 'no partition needs compaction' })).toBe(
      'nothing to do: no partition needs compaction',
    );
  });

  it('counts delete files applied and refs removed', () => {
    expect(describeStep({ ...compacted, deleteFilesRemoved: 1 })).toContain(
      ', 1 delete file applied and removed',
    );
    expect(describeStep({ ...expired, refsRemoved: 2 })).toContain('(1 kept, 2 refs removed)');
  });
});

describe('summaryJson', () => {
  it('holds every step with its figures, seconds rounded to milliseconds', () => {
    const parsed = JSON.parse(summaryJson([compacted, expired]));
    expect(parsed).toEqual({
      dryRun: false,
      interrupted: false,
      steps: [
        { ...compacted, seconds: 2.345 },
        { ...expired, seconds: 0.41 },
      ],
    });
  });
});

describe('compactionPlanLines', () => {
  it('sums the groups of a partition into one line, partitions in order', () => {
    const group = (partition: string, files: number, reason = 'quiet') => ({
      partition,
      files,
      bytes: files * 1024,
      records: files * 10,
      reason,
    });
    expect(
      compactionPlanLines('shop.orders', [
        group('id_bucket=3', 6),
        group('id_bucket=1', 5, 'too-many-files'),
        group('id_bucket=3', 1, 'deletes'),
        group('', 2),
      ]),
    ).toEqual([
      'shop.orders compact (unpartitioned): would rewrite 2 files (2.0 KiB, 20 rows) into 1 file (quiet)',
      'shop.orders compact id_bucket=1: would rewrite 5 files (5.0 KiB, 50 rows) into 1 file (too-many-files)',
      'shop.orders compact id_bucket=3: would rewrite 7 files (7.0 KiB, 70 rows) into 2 files (quiet, deletes)',
    ]);
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '5.0 GiB',
    ]);
  });
});
