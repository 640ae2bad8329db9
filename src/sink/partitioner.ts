// Row -> partition tuple under a partition spec (spec: "Partitioning"): each
// partition field applies its transform to a source column, which may sit inside
// nested structs. Also a stable string key per tuple, for fan-out.
import { ValidationError } from '../errors.ts';
import type { PartitionSpec, PartitionTuple } from '../iceberg/partition-spec.ts';
import { applyTransform } from '../iceberg/transforms.ts';
import type { IcebergType, NestedField, PrimitiveType, Row, Schema } from '../iceberg/types.ts';
import { isPrimitive } from '../iceberg/types.ts';

interface SourceAccessor {
  readonly path: readonly string[];
  readonly type: PrimitiveType;
}

/** Field id -> the struct path that reaches it (lists and maps cannot be partition sources). */
function structPaths(fields: readonly NestedField[]): Map<number, { path: string[]; type: IcebergType }> {
  const paths = new Map<number, { path: string[]; type: IcebergType }>();
  const visit = (list: readonly NestedField[], prefix: string[]) => {
    for (const field of list) {
      const path = [...prefix, field.name];
      paths.set(field.id, { path, type: field.type });
      if (field.type.kind === 'struct') visit(field.type.fields, path);
    }
  };
  visit(fields, []);
  return paths;
}

export class Partitioner {
  readonly spec: PartitionSpec;
  readonly #accessors: readonly SourceAccessor[];

  constructor(spec: PartitionSpec, schema: Schema) {
    this.spec = spec;
    const paths = structPaths(schema.fields);
    this.#accessors = spec.fields.map((field) => {
      const source = paths.get(field.sourceId);
      if (source === undefined || !isPrimitive(source.type)) {
        throw new ValidationError(
          `partition field '${field.name}' has source id ${field.sourceId}, which is not a primitive column outside lists and maps`,
          { partitionField: field.name },
        );
      }
      return { path: source.path, type: source.type };
    });
  }

  partition(row: Row): PartitionTuple {
    const fields = this.spec.fields;
    const tuple: unknown[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const accessor = this.#accessors[i]!;
      let value: unknown = row;
      for (const name of accessor.path) {
        value = value === null || value === undefined ? null : (value as Row)[name];
      }
      tuple[i] =
        value === null || value === undefined
          ? null
          : applyTransform(fields[i]!.transform, accessor.type, value);
    }
    return tuple;
  }
}

/** A string that is equal for equal tuples (bigint, bytes and null kept distinct). */
export function partitionKey(tuple: PartitionTuple): string {
  if (tuple.length === 0) return '';
  return tuple
    .map((value) => {
      if (value === null || value === undefined) return '\u0000null';
      if (typeof value === 'bigint') return `${value}n`;
      if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
      return `${typeof value}:${String(value)}`;
    })
    .join('\u0001');
}
