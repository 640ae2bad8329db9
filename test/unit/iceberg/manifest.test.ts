import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { readAvroContainer } from '../../../src/iceberg/avro-container.ts';
import { parseJson } from '../../../src/iceberg/json-bigint.ts';
import { decodeManifest, encodeManifest } from '../../../src/iceberg/manifest.ts';
import type { ManifestEntry } from '../../../src/iceberg/manifest-entry.ts';
import { ENTRY_STATUS, inheritManifestMetadata } from '../../../src/iceberg/manifest-entry.ts';
import { avroCompatibleName, decimalRequiredBytes } from '../../../src/iceberg/manifest-schema.ts';
import { partitionFieldsToJson } from '../../../src/iceberg/partition-spec-json.ts';
import { schemaFromJson } from '../../../src/iceberg/schema-json.ts';
import { BIG_SNAPSHOT_ID, dataFiles, schema, spec, syncMarker } from './manifest-fixtures.ts';

const GOLDEN = new URL('../../golden/manifests/', import.meta.url);

const added = (i: number): ManifestEntry => ({
  status: ENTRY_STATUS.ADDED,
  snapshotId: BIG_SNAPSHOT_ID,
  sequenceNumber: null,
  fileSequenceNumber: null,
  dataFile: dataFiles[i]!,
});
const entries: ManifestEntry[] = [
  added(0),
  {
    status: ENTRY_STATUS.EXISTING,
    snapshotId: 17n,
    sequenceNumber: 3,
    fileSequenceNumber: 2,
    dataFile: dataFiles[1]!,
  },
  {
    status: ENTRY_STATUS.DELETED,
    snapshotId: BIG_SNAPSHOT_ID,
    sequenceNumber: 1,
    fileSequenceNumber: 1,
    dataFile: dataFiles[2]!,
  },
];
const ctx = { schema, spec, formatVersion: 2 as const, content: 'data' as const, syncMarker };

/** Every Avro field of a schema JSON, nested ones included. */
function avroFields(schemaJson: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === 'object') {
      const object = node as Record<string, unknown>;
      if (Array.isArray(object.fields)) {
        for (const f of object.fields as Record<string, unknown>[]) {
          found.push(f);
          visit(f.type);
        }
      }
      if (object.items !== undefined) visit(object.items);
    }
  };
  visit(schemaJson);
  return found;
}

describe('encodeManifest / decodeManifest', () => {
  it('round-trips v2 entries with every partition value kind, maps, bounds and 64-bit ids', () => {
    const decoded = decodeManifest(encodeManifest(entries, ctx));
    expect(decoded.formatVersion).toBe(2);
    expect(decoded.content).toBe('data');
    expect(decoded.specId).toBe(1);
    expect(decoded.entries).toEqual(entries);
    expect(decoded.entries[0]!.snapshotId).toBe(BIG_SNAPSHOT_ID);
    expect(decoded.entries[0]!.dataFile.partition[3]).toBe(-12_345n);
    expect(Number.isNaN(decoded.entries[1]!.dataFile.partition[7])).toBe(true);
  });

  it('writes the required header metadata', () => {
    const { metadata } = readAvroContainer(encodeManifest(entries, ctx));
    expect(schemaFromJson(parseJson(metadata.schema!))).toEqual(schema);
    expect(parseJson(metadata['partition-spec']!)).toEqual(partitionFieldsToJson(spec.fields));
    expect(metadata['partition-spec-id']).toBe('1');
    expect(metadata['format-version']).toBe('2');
    expect(metadata.content).toBe('data');
    expect(metadata['avro.codec']).toBe('deflate');
    const decoded = decodeManifest(encodeManifest(entries, ctx));
    expect(decoded.schema).toEqual(schema);
    expect(decoded.spec).toEqual(spec);
  });

  it('puts a field id on every Avro field and names records as the reference implementation', () => {
    const container = readAvroContainer(encodeManifest(entries, ctx));
    const fields = avroFields(container.schema);
    expect(fields.length).toBeGreaterThan(30);
    for (const f of fields) expect(typeof f['field-id'], String(f.name)).toBe('number');
    const text = JSON.stringify(container.schema);
    for (const name of [
      '"manifest_entry"',
      '"r2"',
      '"r102"',
      '"k117_v118"',
      '"k129_v130"',
      '"decimal_9_2"',
      '"uuid_fixed"',
    ]) {
      expect(text).toContain(name);
    }
    const partition = fields.find((f) => f['field-id'] === 1006)!;
    expect(partition.name).toBe('ts_x2Eraw');
    expect(partition['iceberg-field-name']).toBe('ts.raw');
  });

  it('leaves ADDED sequence numbers null so they inherit from the manifest list', () => {
    const [first] = decodeManifest(encodeManifest(entries, ctx)).entries;
    expect(first!.sequenceNumber).toBeNull();
    const inherited = inheritManifestMetadata(
      { ...first!, snapshotId: null },
      { addedSnapshotId: 42n, sequenceNumber: 9 },
    );
    expect(inherited).toMatchObject({ snapshotId: 42n, sequenceNumber: 9, fileSequenceNumber: 9 });
    const existing = decodeManifest(encodeManifest(entries, ctx)).entries[1]!;
    expect(inheritManifestMetadata(existing, { addedSnapshotId: 42n, sequenceNumber: 9 })).toEqual(existing);
  });

  it('rejects EXISTING/DELETED entries without explicit sequence numbers, and mismatched files', () => {
    const bad = { ...entries[1]!, sequenceNumber: null };
    expect(() => encodeManifest([bad], ctx)).toThrow(ValidationError);
    const deletes = { ...added(0), dataFile: { ...dataFiles[0]!, content: 1 as const } };
    expect(() => encodeManifest([deletes], ctx)).toThrow(/data manifest cannot hold/);
    const otherSpec = { ...added(0), dataFile: { ...dataFiles[0]!, specId: 0 } };
    expect(() => encodeManifest([otherSpec], ctx)).toThrow(/partition spec 0/);
    const shortTuple = { ...added(0), dataFile: { ...dataFiles[0]!, partition: ['a'] } };
    expect(() => encodeManifest([shortTuple], ctx)).toThrow(/1 values/);
    const wide = {
      ...added(2),
      dataFile: { ...dataFiles[2]!, partition: ['b', 1, 1, 10n ** 12n, null, null, null, null, null] },
    };
    expect(() => encodeManifest([wide], ctx)).toThrow(/does not fit decimal/);
  });

  it('writes v1 manifests with explicit snapshot ids and reads their sequence numbers as 0', () => {
    const v1 = { ...ctx, formatVersion: 1 as const, codec: 'null' as const };
    const v1Entries = entries.map((e) => ({ ...e, sequenceNumber: null, fileSequenceNumber: null }));
    const bytes = encodeManifest(v1Entries, v1);
    const decoded = decodeManifest(bytes, spec);
    expect(decoded.formatVersion).toBe(1);
    expect(decoded.entries.map((e) => e.sequenceNumber)).toEqual([0, 0, 0]);
    expect(decoded.entries.map((e) => e.dataFile)).toEqual(dataFiles);
    const records = readAvroContainer(bytes).records as { data_file: { block_size_in_bytes: bigint } }[];
    expect(records[0]!.data_file.block_size_in_bytes).toBe(64n * 1024n * 1024n);
    expect(() => encodeManifest([{ ...added(0), snapshotId: null }], v1)).toThrow(/explicit snapshot id/);
  });

  it('rejects a spec that differs from the one in the header', () => {
    expect(() => decodeManifest(encodeManifest(entries, ctx), { specId: 0, fields: [] })).toThrow(/spec 1/);
  });

  it('decodes a manifest written by PyIceberg', () => {
    const expected = JSON.parse(readFileSync(new URL('expected.json', GOLDEN), 'utf8'));
    const decoded = decodeManifest(readFileSync(new URL('manifest.avro', GOLDEN)));
    expect(decoded.formatVersion).toBe(2);
    expect(decoded.specId).toBe(0);
    expect(decoded.spec?.fields.map((f) => f.name)).toEqual(['category', 'day']);
    expect(decoded.schema?.fields.map((f) => f.name)).toEqual(['id', 'category', 'ts', 'day']);
    const older = expected.manifests.find((m: { sequence_number: number }) => m.sequence_number === 1);
    const inherit = { addedSnapshotId: BigInt(older.added_snapshot_id), sequenceNumber: 1 };
    expect(decoded.entries).toHaveLength(expected.entries.length);
    decoded.entries.forEach((stored, i) => {
      const want = expected.entries[i];
      const entry = inheritManifestMetadata(stored, inherit);
      expect(entry.status).toBe(want.status);
      expect(entry.snapshotId).toBe(BigInt(want.snapshot_id));
      expect(entry.sequenceNumber).toBe(want.sequence_number);
      expect(entry.fileSequenceNumber).toBe(want.file_sequence_number);
      const file = entry.dataFile;
      const wantFile = want.data_file;
      expect(file.filePath).toBe(wantFile.file_path);
      expect(file.fileFormat).toBe(wantFile.file_format);
      expect(file.partition).toEqual(wantFile.partition);
      expect(file.recordCount).toBe(wantFile.record_count);
      expect(file.fileSizeInBytes).toBe(wantFile.file_size_in_bytes);
      expect(Object.fromEntries(file.columnSizes!)).toEqual(numericKeys(wantFile.column_sizes));
      expect(Object.fromEntries(file.valueCounts!)).toEqual(numericKeys(wantFile.value_counts));
      expect(Object.fromEntries(file.nullValueCounts!)).toEqual(numericKeys(wantFile.null_value_counts));
      expect(base64Map(file.lowerBounds!)).toEqual(wantFile.lower_bounds);
      expect(base64Map(file.upperBounds!)).toEqual(wantFile.upper_bounds);
      expect(file.splitOffsets).toEqual(wantFile.split_offsets);
    });
  });
});

describe('manifest schema helpers', () => {
  it('sizes decimal fixed types and escapes names like the reference implementation', () => {
    expect([1, 2, 3, 9, 10, 18, 19, 38].map(decimalRequiredBytes)).toEqual([1, 1, 2, 4, 5, 8, 9, 16]);
    expect(avroCompatibleName('ok_name1')).toBe('ok_name1');
    expect(avroCompatibleName('1st')).toBe('_1st');
    expect(avroCompatibleName('a-b')).toBe('a_x2Db');
  });
});

function numericKeys(object: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [String(Number(k)), v]));
}

function base64Map(map: ReadonlyMap<number, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...map].map(([k, v]) => [String(k), Buffer.from(v).toString('base64')]));
}
