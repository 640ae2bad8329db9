// Partition specs (spec: "Partitioning", "Partition Transforms"). The transform
// functions themselves live in transforms.ts.

export type Transform =
  | { readonly kind: 'identity' }
  | { readonly kind: 'bucket'; readonly numBuckets: number }
  | { readonly kind: 'truncate'; readonly width: number }
  | { readonly kind: 'year' }
  | { readonly kind: 'month' }
  | { readonly kind: 'day' }
  | { readonly kind: 'hour' }
  | { readonly kind: 'void' }
  | { readonly kind: 'unknown'; readonly name: string };

export interface PartitionField {
  readonly sourceId: number;
  /** Partition field ids start at 1000 (spec: "Partition Specs"). */
  readonly fieldId: number;
  readonly name: string;
  readonly transform: Transform;
}

export interface PartitionSpec {
  readonly specId: number;
  readonly fields: readonly PartitionField[];
}

export const UNPARTITIONED: PartitionSpec = { specId: 0, fields: [] };

/** First partition field id of a table with no partition fields yet. */
export const PARTITION_FIELD_ID_START = 1000;

/** Partition values of one data file, in spec field order; null for a null partition value. */
export type PartitionTuple = readonly unknown[];
