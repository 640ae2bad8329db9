import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import type { ManifestEntry } from '../../../src/iceberg/manifest-entry.ts';
import { ENTRY_STATUS } from '../../../src/iceberg/manifest-entry.ts';
import type { ManifestFile } from '../../../src/iceberg/manifest-list.ts';
import { assignRowIds, inheritFirstRowIds } from '../../../src/iceberg/row-lineage.ts';

const manifest = (
  path: string,
  rows: { added?: number; existing?: number; deleted?: number },
  extra: Partial<ManifestFile> = {},
): ManifestFile => ({
  manifestPath: path,
  manifestLength: 100,
  partitionSpecId: 0,
  content: 0,
  sequenceNumber: 1,
  minSequenceNumber: 1,
  addedSnapshotId: 1n,
  addedFilesCount: 0,
  existingFilesCount: 0,
  deletedFilesCount: 0,
  addedRowsCount: rows.added ?? 0,
  existingRowsCount: rows.existing ?? 0,
  deletedRowsCount: rows.deleted ?? 0,
  ...extra,
});

const file = (path: string, recordCount: number, extra: Partial<DataFile> = {}): DataFile => ({
  content: 0,
  filePath: path,
  fileFormat: 'PARQUET',
  specId: 0,
  partition: [],
  recordCount,
  fileSizeInBytes: 10,
  ...extra,
});

const entry = (dataFile: DataFile, status: ManifestEntry['status'] = ENTRY_STATUS.ADDED): ManifestEntry => ({
  status,
  snapshotId: 1n,
  sequenceNumber: status === ENTRY_STATUS.ADDED ? null : 1,
  fileSequenceNumber: status === ENTRY_STATUS.ADDED ? null : 1,
  dataFile,
});

describe('assignRowIds', () => {
  it('hands consecutive ranges to data manifests without first_row_id, counting added and existing rows', () => {
    const result = assignRowIds(
      [
        manifest('new-a', { added: 50 }),
        manifest('deletes', { added: 7 }, { content: 1 }),
        manifest('merged', { added: 10, existing: 30, deleted: 99 }),
        manifest('listed', { existing: 500 }, { firstRowId: 0n }),
        manifest('empty', {}),
      ],
      1000n,
    );
    expect(result.manifests.map((m) => m.firstRowId)).toEqual([1000n, undefined, 1050n, 0n, 1090n]);
    expect(result.firstRowId).toBe(1000n);
    // deleted rows and delete manifests take no ids; the empty manifest takes none either
    expect(result.addedRows).toBe(90n);
  });

  it('the spec example: existing manifests keep their ids, new ones continue from next-row-id', () => {
    const result = assignRowIds(
      [manifest('added1', { added: 100 }), manifest('added2', { existing: 75 }, { firstRowId: 0n })],
      1000n,
    );
    expect(result.manifests.map((m) => m.firstRowId)).toEqual([1000n, 0n]);
    expect(result.addedRows).toBe(100n);
  });

  it('gives manifests written before an upgrade to v3 (no first_row_id) a range of their own', () => {
    const result = assignRowIds([manifest('v2-era', { added: 3, existing: 4 })], 0n);
    expect(result.manifests[0]!.firstRowId).toBe(0n);
    expect(result.addedRows).toBe(7n);
  });

  it('rejects a negative next-row-id', () => {
    expect(() => assignRowIds([], -1n)).toThrow(ValidationError);
  });
});

describe('inheritFirstRowIds', () => {
  it('fills null first_row_id from the manifest, counting only files that had none', () => {
    const entries = [
      entry(file('a', 50)),
      entry(file('kept', 20, { firstRowId: 7n }), ENTRY_STATUS.EXISTING),
      entry(file('b', 50)),
    ];
    const read = inheritFirstRowIds(entries, { manifestPath: 'm', content: 0, firstRowId: 1000n });
    expect(read.map((e) => e.dataFile.firstRowId)).toEqual([1000n, 7n, 1050n]);
  });

  it('leaves files of a manifest without first_row_id alone and refuses one on a delete manifest', () => {
    const entries = [entry(file('a', 5))];
    expect(
      inheritFirstRowIds(entries, { manifestPath: 'm', content: 0 })[0]!.dataFile.firstRowId,
    ).toBeUndefined();
    expect(() => inheritFirstRowIds(entries, { manifestPath: 'd', content: 1, firstRowId: 0n })).toThrow(
      /delete manifest/,
    );
  });
});

/** A deterministic generator (mulberry32) so a failing seed can be replayed. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface ModelManifest {
  readonly file: ManifestFile;
  readonly entries: readonly ManifestEntry[];
}

describe('row lineage over random commit sequences', () => {
  it('row ids never overlap, never move, and next-row-id = first-row-id + added-rows chains', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = random(seed);
      // manifests from before an upgrade to v3: EXISTING files, no first_row_id
      let listed: ModelManifest[] = Array.from({ length: rand(3) }, (_, i) => {
        const entries = Array.from({ length: 1 + rand(3) }, (_, j) =>
          entry(file(`v2-${i}-${j}`, rand(40)), ENTRY_STATUS.EXISTING),
        );
        const existing = entries.reduce((n, e) => n + e.dataFile.recordCount, 0);
        return { file: manifest(`v2-${i}`, { existing }), entries };
      });
      let nextRowId = BigInt(rand(3)) * 1000n; // a table may start anywhere
      const idsOf = new Map<string, bigint>(); // data file -> its first row id, once assigned
      let fileNo = 0;
      for (let commit = 0; commit < 25; commit++) {
        const own: ModelManifest[] = [];
        for (let m = rand(3); m > 0; m--) {
          const entries = Array.from({ length: rand(4) }, () => entry(file(`f${fileNo++}`, rand(60))));
          const added = entries.reduce((n, e) => n + e.dataFile.recordCount, 0);
          own.push({ file: manifest(`c${commit}-m${m}`, { added }), entries });
        }
        if (rand(4) === 0)
          own.push({ file: manifest(`c${commit}-d`, { added: 3 }, { content: 1 }), entries: [] });
        // sometimes merge a few listed data manifests: copied files keep their ids
        let carried = listed;
        if (rand(3) === 0 && listed.length >= 2) {
          const bin = listed.filter((m) => m.file.content === 0).slice(0, 2 + rand(3));
          const copied = bin.flatMap((m) =>
            inheritFirstRowIds(m.entries, m.file).map((e) => ({ ...e, status: ENTRY_STATUS.EXISTING })),
          );
          const existing = copied.reduce((n, e) => n + e.dataFile.recordCount, 0);
          const merged = { file: manifest(`c${commit}-merged`, { existing }), entries: copied };
          carried = [merged, ...listed.filter((m) => !bin.includes(m))];
        }
        const before = [...own, ...carried];
        const result = assignRowIds(
          before.map((m) => m.file),
          nextRowId,
        );
        expect(result.firstRowId, `seed ${seed}`).toBe(nextRowId);
        nextRowId = result.firstRowId + result.addedRows;
        listed = before.map((m, i) => ({ file: result.manifests[i]!, entries: m.entries }));

        const ranges: [bigint, bigint, string][] = [];
        for (const m of listed) {
          if (m.file.content !== 0) {
            expect(m.file.firstRowId, `seed ${seed}`).toBeUndefined();
            continue;
          }
          for (const e of inheritFirstRowIds(m.entries, m.file)) {
            const first = e.dataFile.firstRowId!;
            const known = idsOf.get(e.dataFile.filePath);
            if (known !== undefined) expect(first, `seed ${seed}: ${e.dataFile.filePath} moved`).toBe(known);
            idsOf.set(e.dataFile.filePath, first);
            // an empty file holds no ids
            if (e.dataFile.recordCount > 0)
              ranges.push([first, first + BigInt(e.dataFile.recordCount), e.dataFile.filePath]);
            expect(first + BigInt(e.dataFile.recordCount) <= nextRowId, `seed ${seed}`).toBe(true);
          }
        }
        ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (let i = 1; i < ranges.length; i++) {
          const [, prevEnd, prev] = ranges[i - 1]!;
          const [start, , path] = ranges[i]!;
          if (start < prevEnd) throw new Error(`seed ${seed}: rows of ${prev} and ${path} share ids`);
        }
      }
    }
  });
});
