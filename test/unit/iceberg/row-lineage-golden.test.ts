// Row lineage as Iceberg Java 1.12 writes it (test/golden/manifests/spark-v3/, from
// test/interop/generate-golden-v3-lineage.py: Spark appended 10, 5 and 7 rows to
// a v3 table, the third commit merged the manifests). floe reads the same first
// row ids Spark shows as _row_id, and its arithmetic hands out the same range.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeManifest } from '../../../src/iceberg/manifest.ts';
import { decodeManifestList } from '../../../src/iceberg/manifest-list.ts';
import { assignRowIds, inheritFirstRowIds } from '../../../src/iceberg/row-lineage.ts';

const GOLDEN = new URL('../../golden/manifests/spark-v3/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', GOLDEN), 'utf8')) as {
  'next-row-id': number;
  'first-row-id': number;
  'added-rows': number;
  manifests: Record<string, number>;
  files: Record<string, number>;
};
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

describe('row lineage written by Iceberg Java (Spark)', () => {
  const list = decodeManifestList(readFileSync(new URL('manifest-list.avro', GOLDEN)));

  it('reads the manifests first_row_id from a v3 manifest list', () => {
    expect(Object.fromEntries(list.map((m) => [baseName(m.manifestPath), Number(m.firstRowId)]))).toEqual(
      expected.manifests,
    );
  });

  it('gives every data file the first row id Spark shows as _row_id at _pos 0', () => {
    const files: Record<string, number> = {};
    for (const manifest of list) {
      const bytes = readFileSync(new URL(baseName(manifest.manifestPath), GOLDEN));
      const decoded = decodeManifest(bytes);
      expect(decoded.formatVersion).toBe(3);
      for (const entry of inheritFirstRowIds(decoded.entries, manifest)) {
        files[baseName(entry.dataFile.filePath)] = Number(entry.dataFile.firstRowId);
      }
    }
    expect(files).toEqual(expected.files);
    expect(readdirSync(GOLDEN).filter((f) => f.endsWith('.avro'))).toHaveLength(list.length + 1);
  });

  it('hands the merged manifest the range Java did (added plus existing rows)', () => {
    const unassigned = list.map(({ firstRowId: _, ...rest }) => rest);
    const lineage = assignRowIds(unassigned, BigInt(expected['first-row-id']));
    expect(lineage.manifests.map((m) => Number(m.firstRowId))).toEqual(list.map((m) => Number(m.firstRowId)));
    expect(Number(lineage.addedRows)).toBe(expected['added-rows']);
    expect(Number(lineage.firstRowId + lineage.addedRows)).toBe(expected['next-row-id']);
  });
});
