import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { readAvroContainer } from '../../../src/iceberg/avro-container.ts';
import {
  type DataFile,
  POSITION_DELETE_FILE_PATH_ID,
  POSITION_DELETE_POS_ID,
} from '../../../src/iceberg/data-file.ts';
import { decodeManifest, encodeManifest } from '../../../src/iceberg/manifest.ts';
import { ENTRY_STATUS, type ManifestEntry } from '../../../src/iceberg/manifest-entry.ts';
import {
  decodeManifestList,
  describeManifest,
  encodeManifestList,
} from '../../../src/iceberg/manifest-list.ts';
import { encodeSingleValue } from '../../../src/iceberg/single-value.ts';
import { primitive } from '../../../src/iceberg/types.ts';
import { readerPython } from '../../support/reader-python.ts';
import { BIG_SNAPSHOT_ID, dataFiles, schema, spec, syncMarker } from './manifest-fixtures.ts';

const READER = new URL('../../interop/read-manifest-list.py', import.meta.url);
const GOLDEN = new URL('../../golden/manifests/', import.meta.url);
const target = dataFiles[0]!;
const pathBound = encodeSingleValue(primitive('string'), target.filePath);
const deleteFile: DataFile = {
  content: 1,
  filePath: 's3://bucket/t/data/cat=a/0001-deletes.parquet',
  fileFormat: 'PARQUET',
  specId: target.specId,
  partition: target.partition,
  recordCount: 2,
  fileSizeInBytes: 812,
  valueCounts: new Map([
    [POSITION_DELETE_FILE_PATH_ID, 2],
    [POSITION_DELETE_POS_ID, 2],
  ]),
  lowerBounds: new Map([
    [POSITION_DELETE_FILE_PATH_ID, pathBound],
    [POSITION_DELETE_POS_ID, encodeSingleValue(primitive('long'), 3n)],
  ]),
  upperBounds: new Map([
    [POSITION_DELETE_FILE_PATH_ID, pathBound],
    [POSITION_DELETE_POS_ID, encodeSingleValue(primitive('long'), 9n)],
  ]),
  referencedDataFile: target.filePath,
};
const entry: ManifestEntry = {
  status: ENTRY_STATUS.ADDED,
  snapshotId: BIG_SNAPSHOT_ID,
  sequenceNumber: null,
  fileSequenceNumber: null,
  dataFile: deleteFile,
};
const ctx = { schema, spec, formatVersion: 2 as const, content: 'deletes' as const, syncMarker };

describe('delete manifests (v2)', () => {
  it('carry referenced_data_file (field 143) and content 1, and read back as written', () => {
    const bytes = encodeManifest([entry], ctx);
    const fields = JSON.stringify(readAvroContainer(bytes).schema);
    expect(fields).toContain('"name":"referenced_data_file","field-id":143');
    const decoded = decodeManifest(bytes);
    expect(decoded.content).toBe('deletes');
    expect(decoded.entries[0]!.dataFile).toEqual(deleteFile);
  });

  it('refuse data files, referenced_data_file on data files and v1', () => {
    expect(() => encodeManifest([{ ...entry, dataFile: target }], ctx)).toThrow(
      /deletes manifest cannot hold/,
    );
    const odd = { ...entry, dataFile: { ...target, referencedDataFile: 'x' } };
    expect(() => encodeManifest([odd], { ...ctx, content: 'data' })).toThrow(/position-delete files only/);
    expect(() => encodeManifest([entry], { ...ctx, formatVersion: 1 })).toThrow(ValidationError);
    const dv = { ...entry, dataFile: { ...deleteFile, contentOffset: 4, contentSizeInBytes: 40 } };
    expect(() => encodeManifest([dv], ctx)).toThrow(/need v3 manifests/);
  });

  it('are read by PyIceberg as a delete manifest whose file_path bounds name the data file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-delete-manifest-'));
    const manifestPath = join(dir, 'deletes-m0.avro');
    const bytes = encodeManifest([entry], ctx);
    writeFileSync(manifestPath, bytes);
    const listed = describeManifest([entry], {
      manifestPath,
      manifestLength: bytes.length,
      spec,
      schema,
      content: 1,
      snapshotId: BIG_SNAPSHOT_ID,
    });
    const listPath = join(dir, 'snap.avro');
    const list = encodeManifestList([listed], {
      snapshotId: BIG_SNAPSHOT_ID,
      parentSnapshotId: null,
      sequenceNumber: 4,
      formatVersion: 2,
      syncMarker,
    });
    writeFileSync(listPath, list);
    expect(decodeManifestList(list)[0]).toMatchObject({ content: 1, sequenceNumber: 4, addedRowsCount: 2 });
    const [seen] = JSON.parse(
      execFileSync(readerPython(), [READER.pathname, listPath], { encoding: 'utf8' }),
    );
    expect(seen).toMatchObject({ content: '1', sequence_number: '4', added_files_count: '1' });
    expect(seen.entries).toHaveLength(1);
    expect(seen.entries[0]).toMatchObject({
      content: '1',
      file_path: deleteFile.filePath,
      record_count: '2',
      sequence_number: '4',
    });
    // PyIceberg 0.12 reads manifests with its v2 read schema, which ends at field 140: it skips
    // referenced_data_file and matches the delete file to data files by the file_path bounds.
    const b64 = Buffer.from(pathBound).toString('base64');
    expect(seen.entries[0].lower_bounds[String(POSITION_DELETE_FILE_PATH_ID)]).toBe(b64);
    expect(seen.entries[0].upper_bounds[String(POSITION_DELETE_FILE_PATH_ID)]).toBe(b64);
  });

  // Written by Spark (Iceberg Java 1.12; test/interop/generate-golden-delete-manifest.py), read by PyIceberg.
  it('decodes a delete manifest Java wrote as PyIceberg reads it', () => {
    const decoded = decodeManifest(readFileSync(new URL('spark-deletes.avro', GOLDEN)));
    const want = JSON.parse(readFileSync(new URL('spark-deletes.json', GOLDEN), 'utf8')) as Array<{
      status: number;
      content: number;
      file_path: string;
      record_count: number;
      referenced_data_file: string | null;
      lower_bounds: Record<string, string>;
      upper_bounds: Record<string, string>;
    }>;
    expect(decoded).toMatchObject({ content: 'deletes', formatVersion: 2 });
    const b64 = (bounds: ReadonlyMap<number, Uint8Array> | undefined) =>
      Object.fromEntries([...(bounds ?? [])].map(([k, v]) => [String(k), Buffer.from(v).toString('base64')]));
    expect(
      decoded.entries.map((e) => ({
        status: e.status,
        content: e.dataFile.content,
        file_path: e.dataFile.filePath,
        record_count: e.dataFile.recordCount,
        referenced_data_file: e.dataFile.referencedDataFile ?? null,
        lower_bounds: b64(e.dataFile.lowerBounds),
        upper_bounds: b64(e.dataFile.upperBounds),
      })),
    ).toEqual(want);
    // Java 1.12 keeps field 143 null on v2 position-delete files: file-scoped by equal file_path bounds
    const only = decoded.entries[0]!.dataFile;
    expect(only.lowerBounds?.get(POSITION_DELETE_FILE_PATH_ID)).toEqual(
      only.upperBounds?.get(POSITION_DELETE_FILE_PATH_ID),
    );
  });
});
