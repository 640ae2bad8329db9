// Deletion vectors as Iceberg Java 1.12 writes them (test/vectors/deletion-vectors/,
// from test/interop/generate-golden-dv.py: Spark deleted ids 1, 4 (first file)
// and 101 (second file) from a merge-on-read v3 table, one Puffin file with two
// blobs, then ids 7 and 19, merged into a new vector for the first file whose
// old entry its rewritten delete manifest marks DELETED). floe reads Java's
// Puffin footers and vectors back as the positions Spark showed through _pos,
// and writes byte for byte the same blobs for the same positions.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CARDINALITY_PROPERTY,
  DELETION_VECTOR_BLOB_TYPE,
  decodeDeletionVector,
  encodeDeletionVector,
  REFERENCED_DATA_FILE_PROPERTY,
  ROW_POSITION_FIELD_ID,
} from '../../../src/iceberg/deletion-vector.ts';
import { decodeManifest } from '../../../src/iceberg/manifest.ts';
import { decodePuffinFooter, puffinBlobBytes } from '../../../src/iceberg/puffin-file.ts';
import { roaringCodec } from '../../../src/sink/deletion-vector-roaring.ts';

const GOLDEN = new URL('../../vectors/deletion-vectors/', import.meta.url);
interface Entry {
  manifest: string;
  status: number;
  content: number;
  file_format: string;
  file: string;
  referenced_data_file: string;
  content_offset: number;
  content_size_in_bytes: number;
  record_count: number;
  file_size_in_bytes: number;
}
const expected = JSON.parse(readFileSync(new URL('expected.json', GOLDEN), 'utf8')) as {
  deleted: Record<string, number[]>;
  entries: Entry[];
  summaries: Record<string, string>[];
};
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const puffin = (name: string) => new Uint8Array(readFileSync(new URL(name, GOLDEN)));

describe('deletion vectors written by Iceberg Java (Spark)', () => {
  it('reads every live vector as the positions Spark deleted, through the manifest entry', () => {
    const live = expected.entries.filter((e) => e.status !== 2);
    expect(live.map((e) => e.referenced_data_file).sort()).toEqual(Object.keys(expected.deleted).sort());
    for (const entry of live) {
      const bytes = puffin(entry.file);
      expect(bytes.length).toBe(entry.file_size_in_bytes);
      const blob = puffinBlobBytes(bytes, entry.content_offset, entry.content_size_in_bytes, entry.file);
      const positions = decodeDeletionVector(blob, roaringCodec, entry.file);
      expect(positions).toEqual(expected.deleted[entry.referenced_data_file]);
      expect(positions.length).toBe(entry.record_count);
      // the same positions encode to Java's bytes exactly
      expect(Buffer.from(encodeDeletionVector(positions, roaringCodec))).toEqual(Buffer.from(blob));
    }
  });

  it('reads Java footers: blob type, _pos field, -1 snapshot and sequence, offsets, properties', () => {
    for (const file of new Set(expected.entries.map((e) => e.file))) {
      const footer = decodePuffinFooter(puffin(file), file);
      expect(footer.properties?.['created-by']).toMatch(/^Apache Iceberg 1\.12/);
      for (const blob of footer.blobs) {
        expect(blob).toMatchObject({ type: DELETION_VECTOR_BLOB_TYPE, fields: [ROW_POSITION_FIELD_ID] });
        expect([blob.snapshotId, blob.sequenceNumber, blob.compressionCodec]).toEqual([-1, -1, undefined]);
        const entry = expected.entries.find(
          (e) =>
            e.file === file &&
            e.referenced_data_file === baseName(blob.properties![REFERENCED_DATA_FILE_PROPERTY]!),
        )!;
        expect([blob.offset, blob.length]).toEqual([entry.content_offset, entry.content_size_in_bytes]);
        expect(blob.properties![CARDINALITY_PROPERTY]).toBe(String(entry.record_count));
      }
    }
  });

  it('decodes Java delete manifests holding vectors: PUFFIN entries with offset, size and referenced file', () => {
    for (const manifestName of new Set(expected.entries.map((e) => e.manifest))) {
      const decoded = decodeManifest(puffin(manifestName));
      expect(decoded.content).toBe('deletes');
      const got = decoded.entries.map((e) => ({
        manifest: manifestName,
        status: e.status,
        content: e.dataFile.content,
        file_format: e.dataFile.fileFormat,
        file: baseName(e.dataFile.filePath),
        referenced_data_file: baseName(e.dataFile.referencedDataFile!),
        content_offset: e.dataFile.contentOffset,
        content_size_in_bytes: e.dataFile.contentSizeInBytes,
        record_count: e.dataFile.recordCount,
        file_size_in_bytes: e.dataFile.fileSizeInBytes,
      }));
      expect(got).toEqual(expected.entries.filter((e) => e.manifest === manifestName));
    }
  });
});
