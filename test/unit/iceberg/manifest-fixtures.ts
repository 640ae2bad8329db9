// A table schema, a partition spec over every partition value kind, and data files
// for the manifest and manifest list tests.
import type { DataFile } from '../../../src/iceberg/data-file.ts';
import type { PartitionSpec } from '../../../src/iceberg/partition-spec.ts';
import { encodeSingleValue } from '../../../src/iceberg/single-value.ts';
import type { Schema } from '../../../src/iceberg/types.ts';
import { decimal, fixed, primitive } from '../../../src/iceberg/types.ts';

export const syncMarker = Uint8Array.from({ length: 16 }, (_, i) => 255 - i * 3);

/** Above 2^53: a number would round it. */
export const BIG_SNAPSHOT_ID = 9_007_199_254_740_993n * 512n + 7n;
export const PARENT_SNAPSHOT_ID = 2n ** 62n + 1n;

export const schema: Schema = {
  schemaId: 3,
  identifierFieldIds: [1],
  fields: [
    { id: 1, name: 'id', required: true, type: primitive('long') },
    { id: 2, name: 'category', required: false, type: primitive('string') },
    { id: 3, name: 'ts', required: false, type: primitive('timestamptz') },
    { id: 4, name: 'price', required: false, type: decimal(9, 2) },
    { id: 5, name: 'uid', required: false, type: primitive('uuid') },
    { id: 6, name: 'hash', required: false, type: fixed(4) },
    { id: 7, name: 'score', required: false, type: primitive('double') },
    { id: 8, name: 'payload', required: false, type: primitive('binary') },
  ],
};

export const spec: PartitionSpec = {
  specId: 1,
  fields: [
    { sourceId: 2, fieldId: 1000, name: 'category', transform: { kind: 'identity' } },
    { sourceId: 3, fieldId: 1001, name: 'ts_day', transform: { kind: 'day' } },
    { sourceId: 1, fieldId: 1002, name: 'id_bucket', transform: { kind: 'bucket', numBuckets: 8 } },
    { sourceId: 4, fieldId: 1003, name: 'price', transform: { kind: 'identity' } },
    { sourceId: 5, fieldId: 1004, name: 'uid', transform: { kind: 'identity' } },
    { sourceId: 6, fieldId: 1005, name: 'hash', transform: { kind: 'identity' } },
    // a name Avro cannot hold: written escaped, read back by field id
    { sourceId: 3, fieldId: 1006, name: 'ts.raw', transform: { kind: 'identity' } },
    { sourceId: 7, fieldId: 1007, name: 'score', transform: { kind: 'identity' } },
    { sourceId: 8, fieldId: 1008, name: 'payload', transform: { kind: 'identity' } },
  ],
};

const bound = (type: Parameters<typeof encodeSingleValue>[0], value: unknown) =>
  encodeSingleValue(type, value);

export const dataFiles: DataFile[] = [
  {
    content: 0,
    filePath: 's3://bucket/warehouse/db/t/data/category=a/00000-0.parquet',
    fileFormat: 'PARQUET',
    specId: 1,
    partition: [
      'a',
      19_724,
      3,
      -12_345n,
      '0f8fad5b-d9cb-469f-a165-70867728950e',
      Uint8Array.of(1, 2, 3, 4),
      1_704_164_645_000_000n,
      2.5,
      Uint8Array.of(0xff, 0),
    ],
    recordCount: 2,
    fileSizeInBytes: 1678,
    columnSizes: new Map([
      [1, 114],
      [2, 75],
    ]),
    valueCounts: new Map([
      [1, 2],
      [2, 2],
    ]),
    nullValueCounts: new Map([
      [1, 0],
      [2, 0],
    ]),
    nanValueCounts: new Map([[7, 0]]),
    lowerBounds: new Map([
      [1, bound(primitive('long'), 1n)],
      [2, bound(primitive('string'), 'a')],
    ]),
    upperBounds: new Map([
      [1, bound(primitive('long'), 2n ** 60n)],
      [2, bound(primitive('string'), 'a')],
    ]),
    splitOffsets: [4],
    sortOrderId: 0,
  },
  {
    content: 0,
    filePath: 's3://bucket/warehouse/db/t/data/category=null/00001-0.parquet',
    fileFormat: 'PARQUET',
    specId: 1,
    partition: [null, 19_783, 0, 99_999n, null, null, null, Number.NaN, null],
    recordCount: 1,
    fileSizeInBytes: 1646,
  },
  {
    content: 0,
    filePath: 's3://bucket/warehouse/db/t/data/category=b/00002-0.parquet',
    fileFormat: 'PARQUET',
    specId: 1,
    partition: [
      'b',
      -1,
      7,
      0n,
      'ffffffff-0000-4000-8000-000000000001',
      Uint8Array.of(0, 0, 0, 0),
      -5n,
      -0.5,
      new Uint8Array(0),
    ],
    recordCount: 5_000_000_000,
    fileSizeInBytes: 2 ** 40,
    keyMetadata: Uint8Array.of(9, 9),
  },
];
