// Rebuilding a partition's key index from real Parquet data files: key columns
// and positions of the files attributed to the partition, minus deleted
// positions, later files winning; the file-name attribution round-trips.
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
import { rebuildPartitionIndex } from '../../../../src/worker/upsert/key-index-rebuild.ts';
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
