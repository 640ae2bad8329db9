// Rebuilding a partition's key index from real Parquet data files: key columns
// and positions of the files attributed to the partition, minus deleted
// positions, later files winning; the file-name attribution round-trips.
// Re-pointing a part after a rewrite of some of its files: only when the new
// files hold exactly the replaced files' live rows.
import { describe, expect, it } from 'vitest';
import type { NestedField, Row, Schema } from '../../../../src/iceberg/types.ts';
import { primitive } from '../../../../src/iceberg/types.ts';
import { writeParquetDataFile } from '../../../../src/parquet/parquet-data-file-writer.ts';
import { DEFAULT_PARQUET_WRITE_PROPERTIES } from '../../../../src/parquet/parquet-write-properties.ts';
import {
  attributedFileSuffix,
  fileAttribution,
  splitByAttribution,
} from '../../../../src/worker/upsert/file-attribution.ts';
import { PartitionKeyIndex } from '../../../../src/worker/upsert/key-index.ts';
import {
  rebuildPartitionIndex,
  repointPartitionIndex,
} from '../../../../src/worker/upsert/key-index-rebuild.ts';
import { useTempKeyStores } from './temp-key-stores.ts';

const id: NestedField = { id: 1, name: 'id', required: true, type: primitive('long') };
const region: NestedField = { id: 2, name: 'region', required: true, type: primitive('string') };
const version: NestedField = { id: 4, name: 'version', required: false, type: primitive('long') };
const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [1, 2],
  fields: [id, region, { id: 3, name: 'payload', required: false, type: primitive('string') }, version],
};

const keyStores = useTempKeyStores();

const file = (rows: Row[]) => writeParquetDataFile(schema, rows, DEFAULT_PARQUET_WRITE_PROPERTIES).bytes;
const row = (n: number, v = 1): Row => ({
  id: BigInt(n),
  region: n % 2 ? 'eu' : 'us',
  payload: `p${n}`,
  version: BigInt(v),
});

describe('file attribution', () => {
  it('names a keyed data file after its topic and partition, and reads it back', () => {
    const path = `s3://b/t/data/00001-abc${attributedFileSuffix('orders.v2_x-y', 12)}`;
    expect(path).toBe('s3://b/t/data/00001-abc.kp12-orders.v2_x-y.parquet');
    expect(fileAttribution(path)).toEqual({ topic: 'orders.v2_x-y', partition: 12 });
    expect(fileAttribution('s3://b/t/data/part-00000-spark.snappy.parquet')).toBeUndefined();
    const split = splitByAttribution([{ path }, { path: 'x/a.kp0-t.parquet' }, { path: 'x/other.parquet' }]);
    expect([...split.byPartition.keys()]).toEqual(['orders.v2_x-y:12', 't:0']);
    expect(split.unattributed).toEqual([{ path: 'x/other.parquet' }]);
  });
});

describe('rebuildPartitionIndex', () => {
  it('indexes the live rows of the files by key, later files winning, deleted positions left out', async () => {
    const files = new Map<string, Uint8Array>([
      ['a.kp0-t.parquet', file([row(1), row(2), row(3)])],
      ['b.kp0-t.parquet', file([row(2, 5), row(4, 6)])],
    ]);
    const rebuilt: Array<[string, number]> = [];
    const index = new PartitionKeyIndex('t:0', keyStores().openFresh('t:0'), {
      indexSize: () => {},
      rebuilt: (name, keys) => rebuilt.push([name, keys]),
    });
    const stats = await rebuildPartitionIndex(index, {
      files: [
        { path: 'a.kp0-t.parquet', deleted: new Set([2]) }, // row 3 deleted
        { path: 'b.kp0-t.parquet' },
      ],
      keyFields: [id, region],
      orderField: version,
      read: async (path) => files.get(path)!,
    });
    expect(stats).toMatchObject({ files: 2, rows: 5, keys: 3 });
    expect(rebuilt).toEqual([['t:0', 3]]);
    expect(index.lookup('["1","eu"]')).toEqual({
      live: true,
      file: 'a.kp0-t.parquet',
      position: 0,
      order: 1n,
    });
    expect(index.lookup('["2","us"]')).toEqual({
      live: true,
      file: 'b.kp0-t.parquet',
      position: 0,
      order: 5n,
    });
    expect(index.lookup('["3","eu"]')).toBeUndefined();
    expect(index.lookup('["4","us"]')).toEqual({
      live: true,
      file: 'b.kp0-t.parquet',
      position: 1,
      order: 6n,
    });
  });

  it('fails naming the file and row when a key column is null', async () => {
    const nullable: Schema = { ...schema, fields: schema.fields.map((f) => ({ ...f, required: false })) };
    const bytes = writeParquetDataFile(
      nullable,
      [{ id: null, region: 'eu' }],
      DEFAULT_PARQUET_WRITE_PROPERTIES,
    ).bytes;
    await expect(
      rebuildPartitionIndex(new PartitionKeyIndex('t:0', keyStores().openFresh('t:0')), {
        files: [{ path: 'n.kp0-t.parquet' }],
        keyFields: [id],
        read: async () => bytes,
      }),
    ).rejects.toThrow('rebuilding key index t:0: n.kp0-t.parquet row 0: key column id is null');
  });
});

describe('repointPartitionIndex', () => {
  // a: rows 1, 2, 3 (3 deleted); b: rows 4, 5; c: row 6 (not rewritten).
  const files = new Map<string, Uint8Array>([
    ['a.kp0-t.parquet', file([row(1), row(2), row(3)])],
    ['b.kp0-t.parquet', file([row(4), row(5)])],
    ['c.kp0-t.parquet', file([row(6)])],
    ['ab.kp0-t.parquet', file([row(5, 2), row(9), row(1, 3), row(2), row(4)])], // row 9 deleted
    ['missing-4.kp0-t.parquet', file([row(1), row(2), row(5)])],
    ['with-6.kp0-t.parquet', file([row(1), row(2), row(4), row(5), row(6)])],
    ['new-7.kp0-t.parquet', file([row(1), row(2), row(4), row(5), row(7)])],
  ]);
  const read = async (path: string) => files.get(path)!;
  const built = async () => {
    const index = new PartitionKeyIndex('t:0', keyStores().openFresh('t:0'));
    await rebuildPartitionIndex(index, {
      files: [
        { path: 'a.kp0-t.parquet', deleted: new Set([2]) },
        { path: 'b.kp0-t.parquet' },
        { path: 'c.kp0-t.parquet' },
      ],
      keyFields: [id, region],
      orderField: version,
      read,
    });
    return index;
  };
  const repoint = (index: PartitionKeyIndex, added: string, deleted?: Set<number>) =>
    repointPartitionIndex(index, ['a.kp0-t.parquet', 'b.kp0-t.parquet'], {
      files: [deleted === undefined ? { path: added } : { path: added, deleted }],
      keyFields: [id, region],
      orderField: version,
      read,
    });

  it('moves the entries of the replaced files to the rows of the new file, the others as they were', async () => {
    const index = await built();
    const stats = await repoint(index, 'ab.kp0-t.parquet', new Set([1]));
    expect(stats).toMatchObject({ files: 1, rows: 5, keys: 5 });
    expect(index.lookup('["1","eu"]')).toEqual({
      live: true,
      file: 'ab.kp0-t.parquet',
      position: 2,
      order: 3n,
    });
    expect(index.lookup('["5","eu"]')).toEqual({
      live: true,
      file: 'ab.kp0-t.parquet',
      position: 0,
      order: 2n,
    });
    expect(index.lookup('["4","us"]')).toMatchObject({ file: 'ab.kp0-t.parquet', position: 4 });
    expect(index.lookup('["6","us"]')).toMatchObject({ file: 'c.kp0-t.parquet', position: 0 });
    expect(index.lookup('["3","eu"]')).toBeUndefined();
    expect(index.countIn(['a.kp0-t.parquet', 'b.kp0-t.parquet'])).toBe(0);
  });

  it('refuses new files that lack a live row of the replaced ones, hold a row of a kept file, or a new key', async () => {
    expect(await repoint(await built(), 'missing-4.kp0-t.parquet')).toBeUndefined();
    expect(await repoint(await built(), 'with-6.kp0-t.parquet')).toBeUndefined();
    expect(await repoint(await built(), 'new-7.kp0-t.parquet')).toBeUndefined();
  });
});
