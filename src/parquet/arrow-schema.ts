// Iceberg schema -> Arrow schema. Every Arrow field carries its Iceberg field id in
// the `PARQUET:field_id` metadata key, which the Parquet writer copies into the
// Parquet schema (spec: "Parquet", "Column IDs" — readers resolve columns by id).
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Field,
  FixedSizeBinary,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  Map_,
  Schema,
  Struct,
  Time,
  Timestamp,
  TimeUnit,
  Utf8,
} from 'apache-arrow';
import { ValidationError } from '../errors.ts';
import type { Schema as IcebergSchema, IcebergType, NestedField } from '../iceberg/types.ts';

export const FIELD_ID_METADATA_KEY = 'PARQUET:field_id';

/** Entry names Iceberg (and the Parquet LIST/MAP conventions) use for nested containers. */
export const LIST_ELEMENT_NAME = 'element';
export const MAP_ENTRIES_NAME = 'key_value';
export const MAP_KEY_NAME = 'key';
export const MAP_VALUE_NAME = 'value';

const UUID_LENGTH = 16;

export function icebergSchemaToArrow(schema: IcebergSchema): Schema {
  return new Schema(schema.fields.map(nestedFieldToArrow));
}

export function nestedFieldToArrow(field: NestedField): Field {
  return arrowField(field.name, field.id, !field.required, field.type);
}

function arrowField(name: string, id: number, nullable: boolean, type: IcebergType): Field {
  return new Field(name, icebergTypeToArrow(type), nullable, new Map([[FIELD_ID_METADATA_KEY, String(id)]]));
}

export function icebergTypeToArrow(type: IcebergType): DataType {
  switch (type.kind) {
    case 'boolean':
      return new Bool();
    case 'int':
      return new Int32();
    case 'long':
      return new Int64();
    case 'float':
      return new Float32();
    case 'double':
      return new Float64();
    case 'decimal':
      if (type.precision < 1 || type.precision > 38) {
        throw new ValidationError(`decimal precision must be 1..38, got ${type.precision}`, {
          precision: type.precision,
        });
      }
      return new Decimal(type.scale, type.precision, 128);
    case 'date':
      return new DateDay();
    case 'time':
      return new Time(TimeUnit.MICROSECOND, 64);
    case 'timestamp':
      return new Timestamp(TimeUnit.MICROSECOND);
    case 'timestamptz':
      return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
    case 'timestamp_ns':
      return new Timestamp(TimeUnit.NANOSECOND);
    case 'timestamptz_ns':
      return new Timestamp(TimeUnit.NANOSECOND, 'UTC');
    case 'string':
      return new Utf8();
    case 'uuid':
      return new FixedSizeBinary(UUID_LENGTH);
    case 'fixed':
      return new FixedSizeBinary(type.length);
    case 'binary':
      return new Binary();
    case 'struct':
      return new Struct(type.fields.map(nestedFieldToArrow));
    case 'list':
      return new List(arrowField(LIST_ELEMENT_NAME, type.elementId, !type.elementRequired, type.element));
    case 'map': {
      const entries = new Struct([
        arrowField(MAP_KEY_NAME, type.keyId, false, type.key),
        arrowField(MAP_VALUE_NAME, type.valueId, !type.valueRequired, type.value),
      ]);
      const entriesField = new Field(MAP_ENTRIES_NAME, entries, false);
      const map = new Map_(entriesField);
      // Arrow JS renames the entries field to 'entries'; Iceberg writers name the Parquet group 'key_value'.
      (entriesField as { name: string }).name = MAP_ENTRIES_NAME;
      return map;
    }
  }
}
