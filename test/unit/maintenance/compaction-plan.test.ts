import { describe, expect, it } from 'vitest';
import { type PlanFile, planCompaction } from '../../../src/maintenance/compaction-plan.ts';

const MB = 1024 * 1024;
const NOW = 10_000_000;

function file(i: number, over: Partial<PlanFile> = {}): PlanFile {
  return {
    path: `s3://w/t/data/p/${String(i).padStart(4, '0')}.parquet`,
    specId: 0,
    partitionKey: 'p',
    sizeBytes: MB,
    recordCount: 100,
    dataSequenceNumber: i,
    addedAtMs: NOW - 3_600_000,
    blocked: false,
    deleteFiles: 0,
    deletedRecords: 0,
    ...over,
  };
}

const files = (n: number, over: Partial<PlanFile> = {}) =>
  Array.from({ length: n }, (_, i) => file(i + 1, over));
const base = { targetFileSizeBytes: 8 * MB, nowMs: NOW };

describe('planCompaction', () => {
  it('packs the small files of a quiet partition toward the target, oldest first', () => {
    const groups = planCompaction(files(20), base);
    expect(groups.map((g) => g.files.length)).toEqual([8, 8, 4]);
    expect(groups[0]!.files.map((f) => f.dataSequenceNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(groups.every((g) => g.reason === 'quiet' && g.inputBytes <= 8 * MB)).toBe(true);
  });

  it('leaves a partition with too few small files', () => {
    expect(planCompaction(files(4), base)).toEqual([]);
    expect(planCompaction(files(4), { ...base, minInputFiles: 2 })).toHaveLength(1);
  });

  it('leaves large files where they are', () => {
    const big = files(6, { sizeBytes: 7 * MB });
    expect(planCompaction(big, base)).toEqual([]);
    const mixed = [...big, ...files(5).map((f) => ({ ...f, path: `${f.path}.small` }))];
    const groups = planCompaction(mixed, base);
    expect(groups.flatMap((g) => g.files).every((f) => f.sizeBytes === MB)).toBe(true);
  });

  it('waits for an active partition until it holds more files than the bound', () => {
    const active = (n: number) => files(n, { addedAtMs: NOW - 1_000 });
    expect(planCompaction(active(8), base)).toEqual([]);
    const groups = planCompaction(active(9), base);
    expect(groups.length).toBeGreaterThan(0);
    expect(groups[0]!.reason).toBe('too-many-files');
    expect(planCompaction(active(10), { ...base, maxFilesPerActivePartition: 9 })).not.toEqual([]);
    expect(planCompaction(active(10), { ...base, quietMs: 500 })).not.toEqual([]);
  });

  it('in an active partition, takes a grown file only once the small ones add up to it', () => {
    const grown = file(0, {
      sizeBytes: 3 * MB,
      addedAtMs: NOW - 1_000,
      path: 's3://w/t/data/p/grown.parquet',
    });
    const small = files(20, { sizeBytes: 100_000, addedAtMs: NOW - 1_000 });
    const [group] = planCompaction([grown, ...small], base);
    expect(group!.files).toHaveLength(20);
    expect(group!.files.some((f) => f.path === grown.path)).toBe(false);
    const many = files(45, { sizeBytes: 100_000, addedAtMs: NOW - 1_000 });
    const [all] = planCompaction([grown, ...many], base);
    expect(all!.files).toHaveLength(46);
  });

  it('never takes a file a delete it does not apply may reach', () => {
    const withDeletes = files(10).map((f, i) => (i < 6 ? { ...f, blocked: true } : f));
    expect(planCompaction(withDeletes, base)).toEqual([]);
    const groups = planCompaction(withDeletes, { ...base, minInputFiles: 2 });
    expect(groups.flatMap((g) => g.files).some((f) => f.blocked)).toBe(false);
    expect(groups.flatMap((g) => g.files)).toHaveLength(4);
  });

  it('takes small files with a few applied deletes like any small file', () => {
    const some = files(6).map((f, i) => (i < 3 ? { ...f, deleteFiles: 1, deletedRecords: 10 } : f));
    const [group, ...rest] = planCompaction(some, base);
    expect(rest).toEqual([]);
    expect(group!.files).toHaveLength(6);
    expect(group!.reason).toBe('quiet');
  });

  it('rewrites a file whose deleted fraction reaches the threshold, alone and whatever its size, even while its partition is active', () => {
    const big = 7 * MB; // not small (75% of 8 MB is 6 MB)
    const active = NOW - 1_000;
    const heavy = file(1, { sizeBytes: big, addedAtMs: active, deleteFiles: 2, deletedRecords: 30 });
    const light = file(2, { sizeBytes: big, addedAtMs: active, deleteFiles: 1, deletedRecords: 29 });
    const groups = planCompaction([heavy, light], base);
    expect(groups.map((g) => [g.reason, g.files.map((f) => f.path)])).toEqual([['deletes', [heavy.path]]]);
    expect(planCompaction([heavy, light], { ...base, deleteRatioThreshold: 0.5 })).toEqual([]);
    expect(planCompaction([heavy, light], { ...base, deleteRatioThreshold: 0.29 })).toHaveLength(2);
    // delete-file-threshold: two delete files are enough, whatever the ratio
    const byCount = planCompaction([heavy, light], {
      ...base,
      deleteRatioThreshold: 1,
      deleteFileThreshold: 2,
    });
    expect(byCount.map((g) => g.files.map((f) => f.path))).toEqual([[heavy.path]]);
    // a blocked file is never taken, however many rows are deleted
    expect(planCompaction([{ ...heavy, blocked: true }], base)).toEqual([]);
  });

  it('in a quiet partition, packs the small files with the delete-heavy ones, even fewer than min-input-files', () => {
    const heavy = file(9, { deleteFiles: 1, deletedRecords: 50 });
    const groups = planCompaction([...files(2), heavy], base);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.files).toHaveLength(3);
    expect(groups[0]!.reason).toBe('deletes');
  });

  it('groups a keyed table by the Kafka partition a file is attributed to; unattributed files together', () => {
    const attributed = (i: number, kp: string) =>
      file(i, {
        path: `s3://w/t/data/p/${i}-x.kp${kp}-orders.parquet`,
        attribution: `.kp${kp}-orders.parquet`,
      });
    const input = [
      ...[1, 2, 3, 4, 5].map((i) => attributed(i, '0')),
      ...[6, 7, 8, 9, 10].map((i) => attributed(i, '1')),
      ...files(5).map((f, i) => ({
        ...f,
        path: `s3://w/t/data/p/spark-${i}.parquet`,
      })),
    ];
    const groups = planCompaction(input, base);
    expect(groups).toHaveLength(3);
    for (const g of groups) {
      expect(new Set(g.files.map((f) => f.attribution)).size).toBe(1);
      expect(g.attribution).toBe(g.files[0]!.attribution);
    }
    expect(groups.map((g) => g.attribution ?? 'none').sort()).toEqual([
      '.kp0-orders.parquet',
      '.kp1-orders.parquet',
      'none',
    ]);
  });

  it('keeps partitions and specs apart', () => {
    const two = [
      ...files(6, { partitionKey: 'a' }),
      ...files(6, { partitionKey: 'b' }),
      ...files(6, { partitionKey: 'a', specId: 1 }),
    ];
    const groups = planCompaction(two, base);
    expect(groups).toHaveLength(3);
    for (const g of groups) {
      expect(new Set(g.files.map((f) => `${f.specId}/${f.partitionKey}`)).size).toBe(1);
    }
  });

  it('stays within the input budget of a run', () => {
    const groups = planCompaction(
      [...files(20, { partitionKey: 'a' }), ...files(20, { partitionKey: 'b' })],
      { ...base, maxInputBytes: 10 * MB },
    );
    expect(groups.reduce((n, g) => n + g.inputBytes, 0)).toBeLessThanOrEqual(10 * MB);
    expect(groups.length).toBeGreaterThan(0);
  });

  it('property: every file at most once, never a bin of one, rows preserved per partition', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(random() * 60);
      const input: PlanFile[] = Array.from({ length: n }, (_, i) =>
        file(i, {
          partitionKey: `p${Math.floor(random() * 4)}`,
          specId: random() < 0.2 ? 1 : 0,
          sizeBytes: Math.floor(random() * 10 * MB) + 1,
          recordCount: Math.floor(random() * 1000),
          addedAtMs: NOW - Math.floor(random() * 1_200_000),
          blocked: random() < 0.1,
          ...(random() < 0.2 ? { deleteFiles: 1, deletedRecords: Math.floor(random() * 600) } : {}),
          ...(random() < 0.3 ? { attribution: `.kp${Math.floor(random() * 3)}-t.parquet` } : {}),
        }),
      );
      const options = {
        targetFileSizeBytes: 8 * MB,
        nowMs: NOW,
        minInputFiles: 2 + Math.floor(random() * 5),
        maxFilesPerActivePartition: Math.floor(random() * 20),
      };
      const groups = planCompaction(input, options);
      const chosen = groups.flatMap((g) => g.files.map((f) => f.path));
      expect(new Set(chosen).size).toBe(chosen.length);
      for (const g of groups) {
        const heavy = (f: PlanFile) =>
          f.deleteFiles > 0 && f.deletedRecords >= 0.3 * Math.max(1, f.recordCount);
        // a bin of one only to drop its deletes; a large file only for its deletes
        if (g.files.length < 2) expect(g.files.some(heavy)).toBe(true);
        expect(g.files.some((f) => f.blocked || (f.sizeBytes >= 6 * MB && !heavy(f)))).toBe(false);
        expect(new Set(g.files.map((f) => f.attribution)).size).toBe(1);
        expect(g.recordCount).toBe(g.files.reduce((s, f) => s + f.recordCount, 0));
        expect(g.inputBytes).toBeLessThanOrEqual(8 * MB + Math.max(...g.files.map((f) => f.sizeBytes)));
        const key = `${g.specId}/${g.partitionKey}`;
        expect(g.files.every((f) => `${f.specId}/${f.partitionKey}` === key)).toBe(true);
      }
    }
  });
});
