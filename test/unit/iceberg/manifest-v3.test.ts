// v3 manifests and manifest lists: the row lineage fields (data_file.first_row_id,
// manifest_file.first_row_id, the list's first-row-id header) and the deletion
// vector fields, written by floe and read back by floe and by PyIceberg.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { readAvroContainer } from '../../../src/iceberg/avro-container.ts';
import { decodeManifest, encodeManifest } from '../../../src/iceberg/manifest.ts';
import type { ManifestEntry } from '../../../src/iceberg/manifest-entry.ts';
import { ENTRY_STATUS } from '../../../src/iceberg/manifest-entry.ts';
import {
  decodeManifestList,
  describeManifest,
  encodeManifestList,
} from '../../../src/iceberg/manifest-list.ts';
import { assignRowIds, inheritFirstRowIds } from '../../../src/iceberg/row-lineage.ts';
import { readerPython } from '../../support/reader-python.ts';
import {
  BIG_SNAPSHOT_ID,
  dataFiles,
  PARENT_SNAPSHOT_ID,
  schema,
  spec,
  syncMarker,
} from './manifest-fixtures.ts';

const READER = new URL('../../interop/read-manifest-list.py', import.meta.url);

// An EXISTING file copied by a merge keeps its id; the two ADDED files inherit.
const entries: ManifestEntry[] = [
  {
    status: ENTRY_STATUS.ADDED,
    snapshotId: BIG_SNAPSHOT_ID,
    sequenceNumber: null,
    fileSequenceNumber: null,
    dataFile: dataFiles[0]!,
  },
  {
    status: ENTRY_STATUS.EXISTING,
    snapshotId: PARENT_SNAPSHOT_ID,
    sequenceNumber: 3,
    fileSequenceNumber: 3,
    dataFile: { ...dataFiles[1]!, firstRowId: 17n },
  },
  {
    status: ENTRY_STATUS.ADDED,
    snapshotId: BIG_SNAPSHOT_ID,
    sequenceNumber: null,
    fileSequenceNumber: null,
    dataFile: dataFiles[2]!,
  },
];
const manifestCtx = { schema, spec, formatVersion: 3 as const, content: 'data' as const, syncMarker };
const listCtx = {
  snapshotId: BIG_SNAPSHOT_ID,
  parentSnapshotId: PARENT_SNAPSHOT_ID,
  sequenceNumber: 7,
  formatVersion: 3 as const,
  syncMarker,
};

const fieldIds = (schemaJson: unknown): number[] =>
  JSON.stringify(schemaJson)
    .match(/"field-id":\d+/g)!
    .map((s) => Number(s.slice(11)));

describe('v3 manifests', () => {
  it('round-trip first_row_id (null where it inherits) and declare fields 142, 144, 145', () => {
    const bytes = encodeManifest(entries, manifestCtx);
    const decoded = decodeManifest(bytes);
    expect(decoded.formatVersion).toBe(3);
    expect(decoded.entries).toEqual(entries);
    const container = readAvroContainer(bytes);
    expect(container.metadata['format-version']).toBe('3');
    expect(fieldIds(container.schema)).toEqual(expect.arrayContaining([142, 143, 144, 145]));
  });

  it('keep v2 manifests free of v3 fields and refuse first_row_id there', () => {
    const v2 = encodeManifest(
      entries.filter((e) => e.dataFile.firstRowId === undefined),
      { ...manifestCtx, formatVersion: 2 },
    );
    expect(fieldIds(readAvroContainer(v2).schema)).not.toContain(142);
    expect(() => encodeManifest(entries, { ...manifestCtx, formatVersion: 2 })).toThrow(/first_row_id/);
  });

  it('refuse first_row_id on delete files', () => {
    const bad = { ...entries[0]!, dataFile: { ...dataFiles[0]!, content: 1 as const, firstRowId: 1n } };
    expect(() => encodeManifest([bad], { ...manifestCtx, content: 'deletes' })).toThrow(ValidationError);
  });
});

describe('v3 manifest lists', () => {
  const described = describeManifest(entries, {
    manifestPath: 's3://bucket/t/metadata/new-m0.avro',
    manifestLength: 1234,
    spec,
    schema,
    content: 0,
    snapshotId: BIG_SNAPSHOT_ID,
  });

  it('round-trip first_row_id of data manifests and write the first-row-id header', () => {
    const lineage = assignRowIds([described], 5000n);
    const bytes = encodeManifestList(lineage.manifests, { ...listCtx, firstRowId: lineage.firstRowId });
    const decoded = decodeManifestList(bytes);
    expect(decoded[0]!.firstRowId).toBe(5000n);
    expect(readAvroContainer(bytes).metadata).toMatchObject({
      'format-version': '3',
      'first-row-id': '5000',
    });
    expect(fieldIds(readAvroContainer(bytes).schema)).toContain(520);
  });

  it('refuse a data manifest without first_row_id and a list without the snapshot first-row-id', () => {
    expect(() => encodeManifestList([described], { ...listCtx, firstRowId: 0n })).toThrow(/first_row_id/);
    const { manifests } = assignRowIds([described], 0n);
    expect(() => encodeManifestList(manifests, listCtx)).toThrow(/first-row-id/);
  });

  it('are accepted by PyIceberg, and fastavro reads the same stored first row ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-v3-list-'));
    try {
      const manifestPath = join(dir, 'new-m0.avro');
      const manifest = encodeManifest(entries, manifestCtx);
      writeFileSync(manifestPath, manifest);
      const lineage = assignRowIds([{ ...described, manifestPath, manifestLength: manifest.length }], 5000n);
      const listPath = join(dir, 'snap.avro');
      writeFileSync(
        listPath,
        encodeManifestList(lineage.manifests, { ...listCtx, firstRowId: lineage.firstRowId }),
      );
      const [seen] = JSON.parse(
        execFileSync(readerPython(), [READER.pathname, listPath], { encoding: 'utf8' }),
      );
      expect(seen.first_row_id).toBe('5000');
      // PyIceberg returns the stored values; inheritance is the reader's (here floe's) step
      expect(seen.entries.map((e: { first_row_id: string | null }) => e.first_row_id)).toEqual([
        null,
        '17',
        null,
      ]);
      const inherited = inheritFirstRowIds(entries, lineage.manifests[0]!).map((e) => e.dataFile.firstRowId);
      const [a, , c] = dataFiles;
      expect(inherited).toEqual([5000n, 17n, 5000n + BigInt(a!.recordCount)]);
      expect(lineage.addedRows).toBe(BigInt(a!.recordCount + dataFiles[1]!.recordCount + c!.recordCount));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
