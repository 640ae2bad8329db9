import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { parseJson, stringifyJson } from '../../../src/iceberg/json-bigint.ts';
import { currentSchema, defaultSpec } from '../../../src/iceberg/table-metadata.ts';
import { parseTableMetadata, serializeTableMetadata } from '../../../src/iceberg/table-metadata-json.ts';

const golden = (name: string): string =>
  readFileSync(new URL(`../../golden/metadata/${name}.metadata.json`, import.meta.url), 'utf8');

/** Every integer literal following a "snapshot-id"-like key, exactly as written. */
const snapshotIdLiterals = (text: string): string[] =>
  [...text.matchAll(/"(?:snapshot-id|current-snapshot-id|parent-snapshot-id)":\s*(-?\d+)/g)].map(
    (m) => m[1]!,
  );

// Files written by floe (produced from the PyIceberg / hand-written ones below).
const ours = ['floe-v1', 'floe-v2', 'floe-v3', 'floe-legacy-v1'];
// Files written by others: PyIceberg 0.12 (v1, v2) and by hand (a v3 file, a pre-'schemas' v1 file).
const theirs = ['pyiceberg-v1', 'pyiceberg-v2', 'pyiceberg-v2-created', 'handmade-v3', 'legacy-v1'];

describe('table metadata JSON golden files', () => {
  it.each(ours)('%s: serialize(parse(file)) is byte-identical', (name) => {
    const text = golden(name);
    expect(serializeTableMetadata(parseTableMetadata(text))).toBe(text);
  });

  it.each([...ours, ...theirs])('%s: parse -> serialize -> parse gives an equal model', (name) => {
    const model = parseTableMetadata(golden(name));
    expect(parseTableMetadata(serializeTableMetadata(model))).toEqual(model);
  });

  it.each(theirs)('%s: every snapshot id is kept exactly', (name) => {
    const text = golden(name);
    const model = parseTableMetadata(text);
    const ids = new Set([
      ...model.snapshots.flatMap((s) => [
        s.snapshotId,
        ...(s.parentSnapshotId === undefined ? [] : [s.parentSnapshotId]),
      ]),
      ...model.snapshotLog.map((e) => e.snapshotId),
      ...Object.values(model.refs).map((r) => r.snapshotId),
      ...(model.currentSnapshotId === null ? [] : [model.currentSnapshotId]),
    ]);
    const written = snapshotIdLiterals(text).filter((id) => id !== '-1');
    expect(new Set(written.map(BigInt))).toEqual(ids);
    // and they come back out as the same digits
    const rewritten = snapshotIdLiterals(serializeTableMetadata(model)).filter((id) => id !== '-1');
    expect(new Set(rewritten.map(BigInt))).toEqual(ids);
  });

  it('reads a PyIceberg v2 table with two appends and an evolved spec', () => {
    const m = parseTableMetadata(golden('pyiceberg-v2'));
    expect(m.formatVersion).toBe(2);
    expect(m.currentSnapshotId).toBe(4038257664511396235n);
    expect(m.snapshots.map((s) => s.snapshotId)).toEqual([863050110371407617n, 4038257664511396235n]);
    expect(m.snapshots[1]?.parentSnapshotId).toBe(863050110371407617n);
    expect(m.snapshots[1]?.summary['total-records']).toBe('6');
    expect(m.lastSequenceNumber).toBe(2);
    expect(m.refs['first-tag']).toEqual({ snapshotId: 4038257664511396235n, type: 'tag' });
    expect(defaultSpec(m).fields.map((f) => f.name)).toEqual(['day', 'ts_day', 'id_bucket']);
    expect(m.lastPartitionId).toBe(1002);
    expect(m.metadataLog).toHaveLength(5);
    expect(currentSchema(m).fields.find((f) => f.name === 'amount')?.type).toEqual({
      kind: 'decimal',
      precision: 12,
      scale: 2,
    });
  });

  it('reads a created-but-empty table as having no current snapshot', () => {
    const m = parseTableMetadata(golden('pyiceberg-v2-created'));
    expect(m.currentSnapshotId).toBeNull();
    expect(m.refs).toEqual({});
    expect(serializeTableMetadata(m)).toContain('"current-snapshot-id":-1');
  });

  it("upgrades a v1 file that has only 'schema' and 'partition-spec'", () => {
    const m = parseTableMetadata(golden('legacy-v1'));
    expect(m.schemas.map((s) => s.schemaId)).toEqual([0]);
    expect(m.partitionSpecs).toEqual([
      {
        specId: 0,
        fields: [
          { sourceId: 1, fieldId: 1000, name: 'x', transform: { kind: 'identity' } },
          { sourceId: 3, fieldId: 1001, name: 'z_bucket', transform: { kind: 'bucket', numBuckets: 4 } },
        ],
      },
    ]);
    expect(m.lastPartitionId).toBe(1001);
    expect(m.sortOrders).toEqual([{ orderId: 0, fields: [] }]);
    expect(m.defaultSortOrderId).toBe(0);
    expect(m.lastSequenceNumber).toBe(0);
    expect(m.snapshots[0]?.sequenceNumber).toBe(0);
    // 2^53 + 1: a plain JSON.parse would have read ...992
    expect(m.currentSnapshotId).toBe(9007199254740993n);
    expect(m.refs.main).toEqual({ snapshotId: 9007199254740993n, type: 'branch' });
    const written = serializeTableMetadata(m);
    expect(written).toContain('"schema":{');
    expect(written).toContain('"partition-spec":[');
    expect(written).not.toContain('last-sequence-number');
  });

  it('reads v3 row lineage, field defaults and statistics', () => {
    const m = parseTableMetadata(golden('handmade-v3'));
    expect(m.nextRowId).toBe(6n);
    expect(m.snapshots.map((s) => [s.firstRowId, s.addedRows])).toEqual([
      [0n, 3n],
      [3n, 3n],
    ]);
    expect(currentSchema(m).fields.at(-1)).toMatchObject({
      name: 'score',
      initialDefault: 0,
      writeDefault: 7,
    });
    expect(m.statistics.map((s) => s.snapshotId)).toEqual([4038257664511396235n]);
    const written = serializeTableMetadata(m);
    expect(written).toContain('"next-row-id":6');
    expect(written).toContain('"initial-default":0,"write-default":7');
  });

  it('writes v3 with a null current snapshot', () => {
    const m = { ...parseTableMetadata(golden('floe-v3')), currentSnapshotId: null, refs: {} };
    expect(serializeTableMetadata(m)).toContain('"current-snapshot-id":null');
    expect(parseTableMetadata(serializeTableMetadata(m)).currentSnapshotId).toBeNull();
  });
});

describe('table metadata JSON errors', () => {
  /** The PyIceberg v2 file with some keys replaced (undefined: removed). */
  const variant = (changes: Record<string, unknown>): string =>
    stringifyJson({ ...(parseJson(golden('pyiceberg-v2')) as Record<string, unknown>), ...changes });

  it('rejects format versions above 3', () => {
    expect(() => parseTableMetadata(variant({ 'format-version': 4 }))).toThrow(
      /unsupported table metadata format-version 4/,
    );
  });

  it('rejects table encryption', () => {
    expect(() =>
      parseTableMetadata(variant({ 'encryption-keys': [{ 'key-id': 'k', 'key-metadata': 'AA==' }] })),
    ).toThrow(/encryption/);
  });

  it('rejects v1 snapshots that embed their manifests', () => {
    const text = golden('legacy-v1').replace(
      '"manifest-list": "s3://bucket/test/location/metadata/snap-9007199254740993.avro"',
      '"manifests": ["s3://bucket/m1.avro"]',
    );
    expect(() => parseTableMetadata(text)).toThrow(/'manifests'/);
  });

  it('rejects missing required v2 fields, naming the key', () => {
    expect(() => parseTableMetadata(variant({ 'last-sequence-number': undefined }))).toThrow(
      /'last-sequence-number' of table metadata of file:\/\/\/tmp/,
    );
    expect(() => parseTableMetadata(variant({ schemas: undefined }))).toThrow(/has no 'schemas'/);
  });

  it('rejects dangling references', () => {
    expect(() => parseTableMetadata(variant({ 'current-schema-id': 7 }))).toThrow(/no schema with id 7/);
    const text = golden('pyiceberg-v2').replace(
      '"current-snapshot-id":4038257664511396235',
      '"current-snapshot-id":1',
    );
    expect(() => parseTableMetadata(text)).toThrow(ValidationError);
  });

  it('rejects unsupported types inside a schema', () => {
    const text = golden('pyiceberg-v2').replace('"type":"boolean"', '"type":"variant"');
    expect(() => parseTableMetadata(text)).toThrow(/unsupported type "variant"/);
  });
});

describe('table metadata JSON keys floe does not model', () => {
  /** The PyIceberg v2 file with vendor keys at the top, in every snapshot and in every ref. */
  const withVendorKeys = (): string => {
    const json = parseJson(golden('pyiceberg-v2')) as Record<string, unknown>;
    const snapshots = (json.snapshots as Record<string, unknown>[]).map((s, i) => ({
      ...s,
      'key-id': `k${i}`,
    }));
    const refs = Object.fromEntries(
      Object.entries(json.refs as Record<string, Record<string, unknown>>).map(([name, ref]) => [
        name,
        { ...ref, 'vendor.retention': { days: 7 } },
      ]),
    );
    return stringifyJson({
      ...json,
      snapshots,
      refs,
      'vendor.catalog-id': 'abc',
      'future-thing': [1, { nested: 9007199254740993n }],
    });
  };

  it('reads them instead of rejecting the file', () => {
    const model = parseTableMetadata(withVendorKeys());
    expect(model.extraFields).toEqual({
      'vendor.catalog-id': 'abc',
      'future-thing': [1, { nested: 9007199254740993n }],
    });
    expect(model.snapshots.map((s) => s.extraFields)).toEqual(
      model.snapshots.map((_s, i) => ({ 'key-id': `k${i}` })),
    );
    expect(Object.values(model.refs).map((r) => r.extraFields)).toEqual(
      Object.values(model.refs).map(() => ({ 'vendor.retention': { days: 7 } })),
    );
  });

  it('writes them back, exact, after the keys floe models', () => {
    const model = parseTableMetadata(withVendorKeys());
    const written = serializeTableMetadata(model);
    expect(written).toContain('"future-thing":[1,{"nested":9007199254740993}]');
    expect(
      written.endsWith('"vendor.catalog-id":"abc","future-thing":[1,{"nested":9007199254740993}]}'),
    ).toBe(true);
    expect(written).toContain('"key-id":"k0"');
    expect(written).toContain('"vendor.retention":{"days":7}');
    expect(parseTableMetadata(written)).toEqual(model);
  });

  it('never lets a kept key overwrite one floe writes', () => {
    const model = parseTableMetadata(golden('pyiceberg-v2'));
    const written = serializeTableMetadata({ ...model, extraFields: { location: 's3://elsewhere' } });
    expect((parseJson(written) as Record<string, unknown>).location).toBe(model.location);
  });
});
