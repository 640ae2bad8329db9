// Manifest merge planning (MergeAppend's bins), case by case.
import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import { ENTRY_STATUS, type ManifestEntry } from '../../../src/iceberg/manifest-entry.ts';
import type { ManifestFile } from '../../../src/iceberg/manifest-list.ts';
import {
  DEFAULT_MANIFEST_MERGE,
  type ManifestBin,
  manifestMergeSettings,
  mergedEntries,
  packEnd,
  planManifestMerge,
} from '../../../src/iceberg/manifest-merge.ts';

const manifest = (name: string, length = 100, specId = 0, content: 0 | 1 = 0): ManifestFile => ({
  manifestPath: name,
  manifestLength: length,
  partitionSpecId: specId,
  content,
  sequenceNumber: 1,
  minSequenceNumber: 1,
  addedSnapshotId: 1n,
  addedFilesCount: 1,
  existingFilesCount: 0,
  deletedFilesCount: 0,
  addedRowsCount: 1,
  existingRowsCount: 0,
  deletedRowsCount: 0,
});

const names = (bins: readonly ManifestBin[]) =>
  bins.map((b) =>
    b.kind === 'keep' ? b.manifest.manifestPath : `[${b.manifests.map((m) => m.manifestPath).join(' ')}]`,
  );

const settings = (minCountToMerge: number, targetSizeBytes = 1_000) => ({
  enabled: true,
  minCountToMerge,
  targetSizeBytes,
});

describe('manifestMergeSettings', () => {
  it('defaults to MergeAppend’s: enabled, 100 manifests, 8 MiB', () => {
    expect(manifestMergeSettings({})).toEqual(DEFAULT_MANIFEST_MERGE);
    expect(DEFAULT_MANIFEST_MERGE).toEqual({
      enabled: true,
      minCountToMerge: 100,
      targetSizeBytes: 8_388_608,
    });
  });

  it('reads the table properties', () => {
    expect(
      manifestMergeSettings({
        'commit.manifest-merge.enabled': 'FALSE',
        'commit.manifest.min-count-to-merge': '5',
        'commit.manifest.target-size-bytes': '4096',
      }),
    ).toEqual({ enabled: false, minCountToMerge: 5, targetSizeBytes: 4096 });
  });

  it('names the key of a malformed value', () => {
    expect(() => manifestMergeSettings({ 'commit.manifest.min-count-to-merge': 'ten' })).toThrow(
      /commit\.manifest\.min-count-to-merge must be an integer, got 'ten'/,
    );
    expect(() => manifestMergeSettings({ 'commit.manifest-merge.enabled': 'yes' })).toThrow(
      /commit\.manifest-merge\.enabled must be true or false/,
    );
  });
});

describe('packEnd', () => {
  it('fills bins from the end, so only the first may be light, and keeps order', () => {
    const list = ['a', 'b', 'c', 'd', 'e'].map((n) => manifest(n, 400));
    expect(packEnd(list, 1_000).map((bin) => bin.map((m) => m.manifestPath))).toEqual([
      ['a'],
      ['b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('gives a manifest longer than the target a bin of its own', () => {
    const list = [manifest('a', 100), manifest('big', 5_000), manifest('c', 100)];
    expect(packEnd(list, 1_000).map((bin) => bin.map((m) => m.manifestPath))).toEqual([
      ['a'],
      ['big'],
      ['c'],
    ]);
  });
});

describe('planManifestMerge', () => {
  const list = (n: number, length = 10) => Array.from({ length: n }, (_, i) => manifest(`m${i}`, length));

  it('keeps everything below min-count', () => {
    expect(names(planManifestMerge(list(4), settings(5)))).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('merges the new manifest’s bin once it reaches min-count', () => {
    expect(names(planManifestMerge(list(5), settings(5)))).toEqual(['[m0 m1 m2 m3 m4]']);
  });

  it('keeps everything when merging is disabled', () => {
    const bins = planManifestMerge(list(200), { ...settings(5), enabled: false });
    expect(bins.every((b) => b.kind === 'keep')).toBe(true);
    expect(bins).toHaveLength(200);
  });

  it('merges full bins that do not hold the first manifest whatever their count', () => {
    // 6 manifests of 400 with a 1,000 target: [m0] [m1 m2] [m3 m4]... packed from the end
    const bins = planManifestMerge(list(6, 400), settings(100));
    expect(names(bins)).toEqual(['m0', 'm1', '[m2 m3]', '[m4 m5]']);
  });

  it('merges per partition spec, highest spec id first, and never mixes specs', () => {
    const mixed = [
      manifest('new0', 10, 0),
      manifest('old1', 10, 1),
      manifest('old0', 10, 0),
      manifest('older1', 10, 1),
    ];
    expect(names(planManifestMerge(mixed, settings(2)))).toEqual(['[old1 older1]', '[new0 old0]']);
  });

  it('keeps delete manifests as they are, after the data manifests', () => {
    const mixed = [
      manifest('new', 10),
      manifest('del', 10, 0, 1),
      manifest('old', 10),
      manifest('del2', 10, 0, 1),
    ];
    expect(names(planManifestMerge(mixed, settings(2)))).toEqual(['[new old]', 'del', 'del2']);
  });
});

describe('mergedEntries', () => {
  const file = (path: string): DataFile => ({
    content: 0,
    filePath: path,
    fileFormat: 'PARQUET',
    specId: 0,
    partition: [],
    recordCount: 1,
    fileSizeInBytes: 10,
  });
  const entry = (
    path: string,
    status: ManifestEntry['status'],
    snapshotId: bigint,
    sequenceNumber: number | null,
  ): ManifestEntry => ({
    status,
    snapshotId,
    sequenceNumber,
    fileSequenceNumber: sequenceNumber,
    dataFile: file(path),
  });

  it('keeps the new snapshot’s adds, makes older live entries EXISTING with their ids, drops older deletes', () => {
    const merged = mergedEntries(
      [
        entry('new', ENTRY_STATUS.ADDED, 9n, null),
        entry('added-before', ENTRY_STATUS.ADDED, 3n, 3),
        entry('existing', ENTRY_STATUS.EXISTING, 2n, 1),
        entry('deleted-before', ENTRY_STATUS.DELETED, 4n, 2),
        entry('deleted-now', ENTRY_STATUS.DELETED, 9n, 2),
      ],
      9n,
    );
    expect(merged.map((e) => [e.dataFile.filePath, e.status, e.snapshotId, e.sequenceNumber])).toEqual([
      ['new', ENTRY_STATUS.ADDED, 9n, null],
      ['added-before', ENTRY_STATUS.EXISTING, 3n, 3],
      ['existing', ENTRY_STATUS.EXISTING, 2n, 1],
      ['deleted-now', ENTRY_STATUS.DELETED, 9n, 2],
    ]);
  });

  it('refuses an older entry whose sequence number was not inherited', () => {
    expect(() => mergedEntries([entry('x', ENTRY_STATUS.ADDED, 3n, null)], 9n)).toThrow(
      /x: sequence number not inherited/,
    );
  });
});
