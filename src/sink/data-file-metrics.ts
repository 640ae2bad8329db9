// Column statistics of a written file -> the metrics of its manifest entry
// (spec: "Manifests", data_file fields 108-128), honouring the table's metrics
// modes (write.metadata.metrics.default and write.metadata.metrics.column.<name>:
// none, counts, truncate(N), full; default truncate(16)).

import { ConfigError } from '../errors.ts';
import type { DataFile } from '../iceberg/data-file.ts';
import { encodeSingleValue, truncateLowerBound, truncateUpperBound } from '../iceberg/single-value.ts';
import type { IcebergType, NestedField, PrimitiveType, Schema } from '../iceberg/types.ts';
import { isPrimitive } from '../iceberg/types.ts';
import type { ColumnStats } from '../parquet/column-stats.ts';

type MetricsMode =
  | { readonly kind: 'none' }
  | { readonly kind: 'counts' }
  | { readonly kind: 'truncate'; readonly length: number }
  | { readonly kind: 'full' };

export type DataFileMetrics = Pick<
  DataFile,
  'columnSizes' | 'valueCounts' | 'nullValueCounts' | 'nanValueCounts' | 'lowerBounds' | 'upperBounds'
>;

const DEFAULT_MODE_KEY = 'write.metadata.metrics.default';
const COLUMN_MODE_PREFIX = 'write.metadata.metrics.column.';

export function parseMetricsMode(text: string, key: string): MetricsMode {
  const value = text.trim().toLowerCase();
  if (value === 'none' || value === 'counts' || value === 'full') return { kind: value };
  const match = /^truncate\((\d+)\)$/.exec(value);
  if (match && Number(match[1]) > 0) return { kind: 'truncate', length: Number(match[1]) };
  throw new ConfigError(`invalid metrics mode '${text}' (expected none, counts, truncate(N) or full)`, {
    key,
  });
}

interface Leaf {
  readonly type: IcebergType;
  readonly name: string;
  /** Inside a list or map: bounds are not kept, as in the reference implementation. */
  readonly repeated: boolean;
}

function leavesById(schema: Schema): Map<number, Leaf> {
  const leaves = new Map<number, Leaf>();
  const visit = (
    field: NestedField | { id: number; name: string; type: IcebergType },
    path: string,
    repeated: boolean,
  ) => {
    const name = path === '' ? field.name : `${path}.${field.name}`;
    const type = field.type;
    if (type.kind === 'struct') for (const child of type.fields) visit(child, name, repeated);
    else if (type.kind === 'list')
      visit({ id: type.elementId, name: 'element', type: type.element }, name, true);
    else if (type.kind === 'map') {
      visit({ id: type.keyId, name: 'key', type: type.key }, name, true);
      visit({ id: type.valueId, name: 'value', type: type.value }, name, true);
    } else leaves.set(field.id, { type, name, repeated });
  };
  for (const field of schema.fields) visit(field, '', false);
  return leaves;
}

export function dataFileMetrics(
  schema: Schema,
  columns: ReadonlyMap<number, ColumnStats>,
  properties: Readonly<Record<string, string>>,
): DataFileMetrics {
  const defaultMode = parseMetricsMode(properties[DEFAULT_MODE_KEY] ?? 'truncate(16)', DEFAULT_MODE_KEY);
  const leaves = leavesById(schema);
  const columnSizes = new Map<number, number>();
  const valueCounts = new Map<number, number>();
  const nullValueCounts = new Map<number, number>();
  const nanValueCounts = new Map<number, number>();
  const lowerBounds = new Map<number, Uint8Array>();
  const upperBounds = new Map<number, Uint8Array>();
  for (const [fieldId, stats] of columns) {
    const leaf = leaves.get(fieldId);
    if (leaf === undefined) continue;
    const modeKey = `${COLUMN_MODE_PREFIX}${leaf.name}`;
    const modeText = properties[modeKey];
    const mode = modeText === undefined ? defaultMode : parseMetricsMode(modeText, modeKey);
    if (stats.compressedSize !== undefined) columnSizes.set(fieldId, stats.compressedSize);
    if (mode.kind === 'none') continue;
    valueCounts.set(fieldId, stats.valueCount);
    nullValueCounts.set(fieldId, stats.nullCount);
    if (stats.nanCount !== undefined) nanValueCounts.set(fieldId, stats.nanCount);
    if (mode.kind === 'counts' || leaf.repeated || !isPrimitive(leaf.type)) continue;
    const type: PrimitiveType = leaf.type;
    if (stats.min !== undefined && stats.min !== null) {
      const lower = mode.kind === 'truncate' ? truncateLowerBound(type, stats.min, mode.length) : stats.min;
      lowerBounds.set(fieldId, encodeSingleValue(type, lower));
    }
    if (stats.max !== undefined && stats.max !== null) {
      const upper = mode.kind === 'truncate' ? truncateUpperBound(type, stats.max, mode.length) : stats.max;
      if (upper !== null) upperBounds.set(fieldId, encodeSingleValue(type, upper));
    }
  }
  return { columnSizes, valueCounts, nullValueCounts, nanValueCounts, lowerBounds, upperBounds };
}
