// Iceberg's type system (spec: "Schemas and Data Types") and the in-memory value
// representation every layer agrees on. Pure data, no I/O.

export type PrimitiveTypeName =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'timestamp_ns'
  | 'timestamptz_ns'
  | 'string'
  | 'uuid'
  | 'binary';

/** Every primitive type name without parameters, as the spec writes it. */
export const PRIMITIVE_TYPE_NAMES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'string',
  'uuid',
  'binary',
]);

export interface SimpleType {
  readonly kind: PrimitiveTypeName;
}
export interface DecimalType {
  readonly kind: 'decimal';
  readonly precision: number;
  readonly scale: number;
}
export interface FixedType {
  readonly kind: 'fixed';
  readonly length: number;
}
export type PrimitiveType = SimpleType | DecimalType | FixedType;

export interface NestedField {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: IcebergType;
  readonly doc?: string;
}
export interface StructType {
  readonly kind: 'struct';
  readonly fields: readonly NestedField[];
}
export interface ListType {
  readonly kind: 'list';
  readonly elementId: number;
  readonly elementRequired: boolean;
  readonly element: IcebergType;
}
export interface MapType {
  readonly kind: 'map';
  readonly keyId: number;
  readonly key: IcebergType;
  readonly valueId: number;
  readonly valueRequired: boolean;
  readonly value: IcebergType;
}
export type NestedType = StructType | ListType | MapType;
export type IcebergType = PrimitiveType | NestedType;

export interface Schema {
  readonly schemaId: number;
  readonly identifierFieldIds: readonly number[];
  readonly fields: readonly NestedField[];
}

/*
 * Values, by type (what rows, transforms, bounds and column builders exchange):
 *   boolean -> boolean            int, date (days since 1970-01-01) -> number
 *   long -> bigint (number accepted on input)
 *   float, double -> number       decimal -> bigint unscaled value (scale from the type)
 *   time (micros of day), timestamp/timestamptz (micros since epoch) -> bigint
 *   timestamp_ns/timestamptz_ns (nanos since epoch) -> bigint
 *   string -> string              uuid -> string, canonical 8-4-4-4-12 lower case
 *   fixed, binary -> Uint8Array
 *   struct -> Row (by field name) list -> unknown[]   map -> Map<unknown, unknown>
 *   null / undefined -> null
 */
export type Row = Record<string, unknown>;

export const primitive = (kind: PrimitiveTypeName): SimpleType => ({ kind });
export const decimal = (precision: number, scale: number): DecimalType => ({
  kind: 'decimal',
  precision,
  scale,
});
export const fixed = (length: number): FixedType => ({ kind: 'fixed', length });

export function isPrimitive(type: IcebergType): type is PrimitiveType {
  return type.kind !== 'struct' && type.kind !== 'list' && type.kind !== 'map';
}

/** The spec's string form of a type: "decimal(9,2)", "fixed[16]", "long", "struct<...>". */
export function typeToString(type: IcebergType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'fixed':
      return `fixed[${type.length}]`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.id}: ${f.name}: ${f.required ? 'required ' : 'optional '}${typeToString(f.type)}`).join(', ')}>`;
    case 'list':
      return `list<${typeToString(type.element)}>`;
    case 'map':
      return `map<${typeToString(type.key)}, ${typeToString(type.value)}>`;
    default:
      return type.kind;
  }
}

/** Every field of a schema or struct, nested ones included, by field id (list elements and map keys/values too). */
export function indexFieldsById(fields: readonly NestedField[]): Map<number, NestedField> {
  const index = new Map<number, NestedField>();
  const visit = (type: IcebergType): void => {
    if (type.kind === 'struct') {
      for (const field of type.fields) {
        index.set(field.id, field);
        visit(field.type);
      }
    } else if (type.kind === 'list') {
      index.set(type.elementId, {
        id: type.elementId,
        name: 'element',
        required: type.elementRequired,
        type: type.element,
      });
      visit(type.element);
    } else if (type.kind === 'map') {
      index.set(type.keyId, { id: type.keyId, name: 'key', required: true, type: type.key });
      index.set(type.valueId, {
        id: type.valueId,
        name: 'value',
        required: type.valueRequired,
        type: type.value,
      });
      visit(type.key);
      visit(type.value);
    }
  };
  visit({ kind: 'struct', fields });
  return index;
}

/** The highest field id used anywhere in the fields (0 when there are none). */
export function highestFieldId(fields: readonly NestedField[]): number {
  let highest = 0;
  for (const id of indexFieldsById(fields).keys()) highest = Math.max(highest, id);
  return highest;
}
