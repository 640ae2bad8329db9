// Avro writer schema -> Iceberg schema (DESIGN.md §3). Field ids are provisional,
// assigned 1..n depth-first (pre-order); the sink matches fields by name.
//
// Unions: ["null", T] (either order) is an optional T. Any other union becomes a
// struct, following Iceberg Java's Avro reader (SchemaToType.union): a required int
// `tag` (index of the branch among the non-null branches) and one optional field per
// non-null branch named field0, field1, ... in declaration order; exactly the
// branch named by `tag` is set. A union that also allows null makes the struct
// optional (null when the null branch was written).
import type avsc from 'avsc';
import {
  decimal,
  type IcebergType,
  type NestedField,
  type PrimitiveType,
  primitive,
  type Schema,
} from '../iceberg/types.ts';
import { type AvroLogicalMarker, logicalTypeOf, shortName } from './avro-schema.ts';
import { PayloadError } from './payload-error.ts';

/** How a raw Avro value becomes the Iceberg value of a logical type. */
export type LogicalConversion =
  | 'none'
  | 'millis-to-micros' // long millis -> bigint micros
  | 'int-millis-to-micros' // int millis of day -> bigint micros
  | 'decimal-bytes' // two's-complement big-endian bytes -> unscaled bigint
  | 'uuid-string' // lower-cased
  | 'uuid-fixed'; // 16 bytes -> canonical string

export interface LogicalMapping {
  readonly type: PrimitiveType;
  readonly conversion: LogicalConversion;
}

const MAX_DECIMAL_PRECISION = 38;

/**
 * The Iceberg type of a logical type, or undefined when the annotation is not valid
 * for its underlying type (spec: Avro "Logical Types" — an invalid logical type is
 * ignored and the underlying type is used).
 */
export function logicalMapping(marker: AvroLogicalMarker): LogicalMapping | undefined {
  const underlying = marker.underlyingType.typeName;
  const attributes = marker.attributes;
  // Iceberg writes timestamps without zone as timestamp-* with adjust-to-utc=false.
  const zoned = attributes['adjust-to-utc'] !== false;
  switch (marker.logicalName) {
    case 'date':
      return underlying === 'int' ? { type: primitive('date'), conversion: 'none' } : undefined;
    case 'time-millis':
      return underlying === 'int'
        ? { type: primitive('time'), conversion: 'int-millis-to-micros' }
        : undefined;
    case 'time-micros':
      return underlying === 'long' ? { type: primitive('time'), conversion: 'none' } : undefined;
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'local-timestamp-millis':
    case 'local-timestamp-micros': {
      if (underlying !== 'long') return undefined;
      const withZone = zoned && !marker.logicalName.startsWith('local-');
      const conversion = marker.logicalName.endsWith('millis') ? 'millis-to-micros' : 'none';
      return { type: primitive(withZone ? 'timestamptz' : 'timestamp'), conversion };
    }
    case 'timestamp-nanos':
    case 'local-timestamp-nanos': {
      if (underlying !== 'long') return undefined;
      const withZone = zoned && marker.logicalName === 'timestamp-nanos';
      return { type: primitive(withZone ? 'timestamptz_ns' : 'timestamp_ns'), conversion: 'none' };
    }
    case 'uuid':
      if (underlying === 'string') return { type: primitive('uuid'), conversion: 'uuid-string' };
      if (underlying === 'fixed' && (marker.underlyingType as avsc.types.FixedType).size === 16) {
        return { type: primitive('uuid'), conversion: 'uuid-fixed' };
      }
      return undefined;
    case 'decimal':
      return decimalMapping(marker);
    default:
      return undefined;
  }
}

function decimalMapping(marker: AvroLogicalMarker): LogicalMapping | undefined {
  const { precision, scale = 0 } = marker.attributes;
  const underlying = marker.underlyingType;
  if (underlying.typeName !== 'bytes' && underlying.typeName !== 'fixed') return undefined;
  if (!Number.isInteger(precision) || !Number.isInteger(scale)) return undefined;
  const p = precision as number;
  const s = scale as number;
  if (p < 1 || s < 0 || s > p) return undefined;
  if (underlying.typeName === 'fixed') {
    const size = (underlying as avsc.types.FixedType).size;
    if (p > Math.floor(Math.log10(2) * (8 * size - 1))) return undefined;
  }
  if (p > MAX_DECIMAL_PRECISION) {
    throw new PayloadError(
      'incompatible',
      `Avro decimal(${p},${s}) exceeds Iceberg's maximum precision ${MAX_DECIMAL_PRECISION}`,
    );
  }
  return { type: decimal(p, s), conversion: 'decimal-bytes' };
}

/** The branches of a union: where null is (or -1) and the non-null branch types in order. */
export interface UnionShape {
  readonly nullIndex: number;
  readonly branches: readonly avsc.Type[];
  /** Index in the union -> index among the non-null branches (-1 for null). */
  readonly branchOf: readonly number[];
}

export function unionShape(union: avsc.Type): UnionShape {
  const types = (union as avsc.types.WrappedUnionType).types;
  const branches: avsc.Type[] = [];
  const branchOf: number[] = [];
  let nullIndex = -1;
  types.forEach((type, index) => {
    if (type.typeName === 'null') {
      nullIndex = index;
      branchOf.push(-1);
    } else {
      branchOf.push(branches.length);
      branches.push(type);
    }
  });
  return { nullIndex, branches, branchOf };
}

export function isUnion(type: avsc.Type): boolean {
  return type.typeName.startsWith('union:');
}

/** Field names of the struct a multi-branch union becomes. */
export const UNION_TAG_FIELD = 'tag';
export const unionBranchField = (branch: number): string => `field${branch}`;

/** Maps a record writer schema to an Iceberg schema. */
export function avroToIceberg(type: avsc.Type): Schema {
  if (type.typeName !== 'record' && type.typeName !== 'error') {
    throw new PayloadError(
      'incompatible',
      `the Avro value schema must be a record to become a table row (got ${type.typeName})`,
    );
  }
  const mapper = new AvroTypeMapper();
  return {
    schemaId: 0,
    identifierFieldIds: [],
    fields: mapper.recordFields(type as avsc.types.RecordType, ''),
  };
}

class AvroTypeMapper {
  #lastId = 0;
  readonly #open = new Set<avsc.Type>();

  recordFields(record: avsc.types.RecordType, path: string): NestedField[] {
    if (this.#open.has(record)) {
      throw new PayloadError(
        'incompatible',
        `recursive Avro record ${record.name} at ${path} has no Iceberg equivalent`,
      );
    }
    this.#open.add(record);
    const fields = record.fields.map((field) => {
      const id = ++this.#lastId;
      const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
      const { type, required } = this.valueType(field.type, fieldPath);
      const doc = (field as { doc?: unknown }).doc;
      return typeof doc === 'string'
        ? { id, name: field.name, required, type, doc }
        : { id, name: field.name, required, type };
    });
    this.#open.delete(record);
    return fields;
  }

  /** The Iceberg type of a value slot (field, element, map value) and whether it is required. */
  valueType(type: avsc.Type, path: string): { type: IcebergType; required: boolean } {
    if (!isUnion(type)) return { type: this.type(type, path), required: true };
    const shape = unionShape(type);
    const required = shape.nullIndex < 0;
    if (shape.branches.length === 0) {
      throw new PayloadError(
        'incompatible',
        `Avro field ${path} only allows null, which has no Iceberg type`,
      );
    }
    if (shape.branches.length === 1) return { type: this.type(shape.branches[0]!, path), required };
    const fields: NestedField[] = [
      { id: ++this.#lastId, name: UNION_TAG_FIELD, required: true, type: primitive('int') },
    ];
    shape.branches.forEach((branch, index) => {
      const id = ++this.#lastId;
      const name = unionBranchField(index);
      fields.push({ id, name, required: false, type: this.type(branch, `${path}.${name}`) });
    });
    return { type: { kind: 'struct', fields }, required };
  }

  type(type: avsc.Type, path: string): IcebergType {
    const logical = logicalTypeOf(type);
    if (logical !== undefined) {
      const mapping = logicalMapping(logical);
      return mapping === undefined ? this.type(logical.underlyingType, path) : mapping.type;
    }
    switch (type.typeName) {
      case 'boolean':
      case 'int':
      case 'long':
      case 'float':
      case 'double':
      case 'string':
        return primitive(type.typeName);
      case 'bytes':
        return primitive('binary');
      case 'enum':
        return primitive('string');
      case 'fixed':
        return { kind: 'fixed', length: (type as avsc.types.FixedType).size };
      case 'record':
      case 'error':
        return { kind: 'struct', fields: this.recordFields(type as avsc.types.RecordType, path) };
      case 'array': {
        const elementId = ++this.#lastId;
        const element = this.valueType((type as avsc.types.ArrayType).itemsType, `${path}.element`);
        return { kind: 'list', elementId, elementRequired: element.required, element: element.type };
      }
      case 'map': {
        const keyId = ++this.#lastId;
        const valueId = ++this.#lastId;
        const value = this.valueType((type as avsc.types.MapType).valuesType as avsc.Type, `${path}.value`);
        return {
          kind: 'map',
          keyId,
          key: primitive('string'),
          valueId,
          valueRequired: value.required,
          value: value.type,
        };
      }
      default:
        throw new PayloadError(
          'incompatible',
          `Avro type ${shortName(type)} at ${path} has no Iceberg equivalent`,
        );
    }
  }
}
