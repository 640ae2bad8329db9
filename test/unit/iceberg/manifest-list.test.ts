import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { readAvroContainer } from '../../../src/iceberg/avro-container.ts';
import { encodeManifest } from '../../../src/iceberg/manifest.ts';
import type { ManifestEntry } from '../../../src/iceberg/manifest-entry.ts';
import { ENTRY_STATUS } from '../../../src/iceberg/manifest-entry.ts';
import type { ManifestFile } from '../../../src/iceberg/manifest-list.ts';
import {
  decodeManifestList,
  describeManifest,
  encodeManifestList,
  summarizePartitions,
  UNASSIGNED_SEQUENCE_NUMBER,
} from '../../../src/iceberg/manifest-list.ts';
import { decodeSingleValue, encodeSingleValue } from '../../../src/iceberg/single-value.ts';
import { primitive } from '../../../src/iceberg/types.ts';
import { readerPython } from '../../support/reader-python.ts';
import {
  BIG_SNAPSHOT_ID,
  dataFiles,
  PARENT_SNAPSHOT_ID,
  schema,
  spec,
  syncMarker,
} from './manifest-fixtures.ts';

const GOLDEN = new URL('../../golden/manifests/', import.meta.url);
const READER = new URL('../../interop/read-manifest-list.py', import.meta.url);

const older: ManifestFile = {
  manifestPath: 's3://bucket/warehouse/db/t/metadata/old-m0.avro',
  manifestLength: 5035,
  partitionSpecId: 1,
  content: 0,
  sequenceNumber: 4,
  minSequenceNumber: 2,
  addedSnapshotId: PARENT_SNAPSHOT_ID,
  addedFilesCount: 0,
  existingFilesCount: 3,
  deletedFilesCount: 0,
  addedRowsCount: 0,
  existingRowsCount: 7_000_000_000,
  deletedRowsCount: 0,
  partitions: [{ containsNull: true }],
  keyMetadata: Uint8Array.of(1, 2),
};
const ctx = {
  snapshotId: BIG_SNAPSHOT_ID,
  parentSnapshotId: PARENT_SNAPSHOT_ID,
  sequenceNumber: 7,
  formatVersion: 2 as const,
  syncMarker,
};
const addedEntries: ManifestEntry[] = dataFiles.map((dataFile) => ({
  status: ENTRY_STATUS.ADDED,
  snapshotId: BIG_SNAPSHOT_ID,
  sequenceNumber: null,
  fileSequenceNumber: null,
  dataFile,
}));
const fresh = describeManifest(addedEntries, {
  manifestPath: 's3://bucket/warehouse/db/t/metadata/new-m0.avro',
  manifestLength: 4321,
  spec,
  schema,
  content: 0,
  snapshotId: BIG_SNAPSHOT_ID,
});

describe('summarizePartitions', () => {
  it('records nulls, NaNs and single-value bounds per partition field', () => {
    const summaries = summarizePartitions(spec, schema, dataFiles);
    expect(summaries).toHaveLength(spec.fields.length);
    const [category, day, bucket, price, uid, hash, tsRaw, score, payload] = summaries;
    expect(category).toEqual({
      containsNull: true,
      containsNan: false,
      lowerBound: encodeSingleValue(primitive('string'), 'a'),
      upperBound: encodeSingleValue(primitive('string'), 'b'),
    });
    expect(decodeSingleValue(primitive('date'), day!.lowerBound!)).toBe(-1);
    expect(decodeSingleValue(primitive('date'), day!.upperBound!)).toBe(19_783);
    expect(bucket!.containsNull).toBe(false);
    expect(decodeSingleValue(primitive('int'), bucket!.upperBound!)).toBe(7);
    expect(Array.from(price!.lowerBound!)).toEqual([0xcf, 0xc7]); // -12345 as minimal big-endian bytes
    expect(uid!.containsNull).toBe(true);
    expect(Array.from(hash!.lowerBound!)).toEqual([0, 0, 0, 0]);
    expect(decodeSingleValue(primitive('timestamptz'), tsRaw!.lowerBound!)).toBe(-5n);
    expect(score).toMatchObject({ containsNull: false, containsNan: true });
    expect(decodeSingleValue(primitive('double'), score!.lowerBound!)).toBe(-0.5);
    expect(decodeSingleValue(primitive('double'), score!.upperBound!)).toBe(2.5);
    expect(Array.from(payload!.lowerBound!)).toEqual([]);
    expect(Array.from(payload!.upperBound!)).toEqual([0xff, 0]);
  });

  it('orders strings by code point, not UTF-16 unit', () => {
    const files = ['\u{1F600}', '\uFFFD'].map((category) => ({
      ...dataFiles[0]!,
      partition: [category, ...dataFiles[0]!.partition.slice(1)],
    }));
    const [category] = summarizePartitions(spec, schema, files);
    expect(new TextDecoder().decode(category!.upperBound)).toBe('\u{1F600}');
  });
});

describe('encodeManifestList / decodeManifestList', () => {
  it('describes a new manifest with counts and unassigned sequence numbers', () => {
    expect(fresh).toMatchObject({
      addedFilesCount: 3,
      addedRowsCount: 5_000_000_003,
      existingFilesCount: 0,
      sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
      minSequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
      addedSnapshotId: BIG_SNAPSHOT_ID,
    });
  });

  it('round-trips v2 lists, assigning the snapshot sequence number to its own manifests', () => {
    const bytes = encodeManifestList([fresh, older], ctx);
    const decoded = decodeManifestList(bytes);
    expect(decoded).toEqual([{ ...fresh, sequenceNumber: 7, minSequenceNumber: 7 }, older]);
    expect(decoded[0]!.addedSnapshotId).toBe(BIG_SNAPSHOT_ID);
    const { metadata } = readAvroContainer(bytes);
    expect(metadata).toMatchObject({
      'snapshot-id': BIG_SNAPSHOT_ID.toString(),
      'parent-snapshot-id': PARENT_SNAPSHOT_ID.toString(),
      'sequence-number': '7',
      'format-version': '2',
    });
  });

  it('refuses to assign a sequence number to another snapshot manifest', () => {
    const foreign = { ...older, sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER };
    expect(() => encodeManifestList([foreign], ctx)).toThrow(ValidationError);
  });

  it('writes v1 lists (no sequence numbers, data only) and reads them with sequence number 0', () => {
    const v1 = { ...ctx, formatVersion: 1 as const, parentSnapshotId: null, codec: 'null' as const };
    const bytes = encodeManifestList([older], v1);
    expect(decodeManifestList(bytes)).toEqual([{ ...older, sequenceNumber: 0, minSequenceNumber: 0 }]);
    expect(readAvroContainer(bytes).metadata['parent-snapshot-id']).toBe('null');
    expect(readAvroContainer(bytes).metadata['sequence-number']).toBeUndefined();
    expect(() => encodeManifestList([{ ...older, content: 1 }], v1)).toThrow(/delete manifests/);
  });

  it('decodes a manifest list written by PyIceberg', () => {
    const expected = JSON.parse(readFileSync(new URL('expected.json', GOLDEN), 'utf8'));
    const decoded = decodeManifestList(readFileSync(new URL('manifest-list.avro', GOLDEN)));
    expect(decoded).toHaveLength(expected.manifests.length);
    decoded.forEach((file, i) => {
      const want = expected.manifests[i];
      expect(file).toMatchObject({
        manifestPath: want.manifest_path,
        manifestLength: want.manifest_length,
        partitionSpecId: want.partition_spec_id,
        content: want.content,
        sequenceNumber: want.sequence_number,
        minSequenceNumber: want.min_sequence_number,
        addedSnapshotId: BigInt(want.added_snapshot_id),
        addedFilesCount: want.added_files_count,
        existingFilesCount: want.existing_files_count,
        deletedFilesCount: want.deleted_files_count,
        addedRowsCount: want.added_rows_count,
        existingRowsCount: want.existing_rows_count,
        deletedRowsCount: want.deleted_rows_count,
      });
      expect(
        file.partitions!.map((p) => ({
          contains_null: p.containsNull,
          contains_nan: p.containsNan,
          lower_bound: p.lowerBound === undefined ? null : Buffer.from(p.lowerBound).toString('base64'),
          upper_bound: p.upperBound === undefined ? null : Buffer.from(p.upperBound).toString('base64'),
        })),
      ).toEqual(want.partitions);
    });
  });

  // The reference Python reader (the venv scripts/services provisions) reads what floe wrote.
  it.each([1, 2] as const)('v%i is read back by PyIceberg with the right values', (formatVersion) => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-manifest-interop-'));
    try {
      const manifestPath = join(dir, 'new-m0.avro');
      const manifest = encodeManifest(addedEntries, {
        schema,
        spec,
        formatVersion,
        content: 'data',
        syncMarker,
      });
      writeFileSync(manifestPath, manifest);
      const listed = { ...fresh, manifestPath, manifestLength: manifest.length };
      const listPath = join(dir, 'snap.avro');
      writeFileSync(listPath, encodeManifestList([listed], { ...ctx, formatVersion }));
      const sequenceNumber = formatVersion === 1 ? '0' : '7'; // v1: always 0
      const seen = JSON.parse(
        execFileSync(readerPython(), [READER.pathname, listPath], { encoding: 'utf8' }),
      );
      expect(seen).toHaveLength(1);
      const [m] = seen;
      expect(m).toMatchObject({
        manifest_path: manifestPath,
        manifest_length: String(manifest.length),
        partition_spec_id: '1',
        sequence_number: sequenceNumber,
        min_sequence_number: sequenceNumber,
        added_snapshot_id: BIG_SNAPSHOT_ID.toString(),
        added_files_count: '3',
        added_rows_count: '5000000003',
      });
      expect(m.partitions[0]).toEqual({
        contains_null: true,
        contains_nan: false,
        lower_bound: 'YQ==',
        upper_bound: 'Yg==',
      });
      expect(m.entries.map((e: { sequence_number: string }) => e.sequence_number)).toEqual(
        Array(3).fill(sequenceNumber),
      );
      expect(m.entries.map((e: { snapshot_id: string }) => e.snapshot_id)).toEqual(
        Array(3).fill(BIG_SNAPSHOT_ID.toString()),
      );
      const [first, second, third] = m.entries;
      expect(first).toMatchObject({
        status: '1',
        file_path: dataFiles[0]!.filePath,
        file_format: 'PARQUET',
        record_count: '2',
        column_sizes: { '1': '114', '2': '75' },
        lower_bounds: {
          '1': Buffer.from(dataFiles[0]!.lowerBounds!.get(1)!).toString('base64'),
          '2': 'YQ==',
        },
        split_offsets: ['4'],
        sort_order_id: '0',
      });
      expect(first.partition).toEqual([
        'a',
        '19724',
        '3',
        '-123.45',
        '0f8fad5b-d9cb-469f-a165-70867728950e',
        'AQIDBA==',
        '1704164645000000',
        2.5,
        '/wA=',
      ]);
      expect(second.partition.slice(0, 4)).toEqual([null, '19783', '0', '999.99']);
      expect(third).toMatchObject({ record_count: '5000000000', file_size_in_bytes: String(2 ** 40) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
