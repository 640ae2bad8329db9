// Chooses the column builder for each Iceberg type, nested ones recursively, with
// Arrow types taken from the same Iceberg -> Arrow mapping the schema uses.
import type { DataType } from 'apache-arrow';
import type { IcebergType, NestedField } from '../iceberg/types.ts';
import { icebergTypeToArrow, LIST_ELEMENT_NAME, MAP_KEY_NAME, MAP_VALUE_NAME } from './arrow-schema.ts';
import { BinaryColumnBuilder, FixedColumnBuilder, Utf8ColumnBuilder } from './byte-column-builders.ts';
import type { ColumnBuilder, LeafField } from './column-builder.ts';
import { DecimalColumnBuilder } from './decimal-column-builder.ts';
import { Int64ColumnBuilder } from './int64-column-builder.ts';
import { ListColumnBuilder, MapColumnBuilder, StructColumnBuilder } from './nested-column-builders.ts';
import { BoolColumnBuilder, FloatColumnBuilder, Int32ColumnBuilder } from './numeric-column-builders.ts';
import type { RowEpoch } from './row-epoch.ts';
import { UuidColumnBuilder } from './uuid-column-builder.ts';

/** `epoch` is shared by all columns of one RecordBatchBuilder (see RowEpoch). */
export function createFieldBuilder(field: NestedField, epoch: RowEpoch, parentPath?: string): ColumnBuilder {
  const path = parentPath === undefined ? field.name : `${parentPath}.${field.name}`;
  return createColumnBuilder(field.type, { fieldId: field.id, path, required: field.required }, epoch);
}

/** `leaf.fieldId` is the id of the field, list element or map key/value holding `type`. */
export function createColumnBuilder(type: IcebergType, leaf: LeafField, epoch: RowEpoch): ColumnBuilder {
  const arrowType: DataType = icebergTypeToArrow(type);
  switch (type.kind) {
    case 'boolean':
      return new BoolColumnBuilder(leaf, epoch, arrowType);
    case 'int':
    case 'date':
      return new Int32ColumnBuilder(leaf, epoch, arrowType);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return new Int64ColumnBuilder(leaf, epoch, arrowType);
    case 'float':
      return new FloatColumnBuilder(leaf, epoch, arrowType, true);
    case 'double':
      return new FloatColumnBuilder(leaf, epoch, arrowType, false);
    case 'decimal':
      return new DecimalColumnBuilder(leaf, epoch, arrowType, type.precision);
    case 'string':
      return new Utf8ColumnBuilder(leaf, epoch, arrowType);
    case 'binary':
      return new BinaryColumnBuilder(leaf, epoch, arrowType);
    case 'fixed':
      return new FixedColumnBuilder(leaf, epoch, arrowType, type.length);
    case 'uuid':
      return new UuidColumnBuilder(leaf, epoch, arrowType);
    case 'struct':
      return new StructColumnBuilder(
        { path: leaf.path, required: leaf.required, type: arrowType },
        type.fields.map((f) => f.name),
        type.fields.map((f) => createFieldBuilder(f, epoch, leaf.path)),
      );
    case 'list':
      return new ListColumnBuilder(
        { path: leaf.path, required: leaf.required, type: arrowType },
        createColumnBuilder(
          type.element,
          {
            fieldId: type.elementId,
            path: `${leaf.path}.${LIST_ELEMENT_NAME}`,
            required: type.elementRequired,
          },
          epoch,
        ),
      );
    case 'map':
      return new MapColumnBuilder(
        { path: leaf.path, required: leaf.required, type: arrowType },
        createColumnBuilder(
          type.key,
          {
            fieldId: type.keyId,
            path: `${leaf.path}.${MAP_KEY_NAME}`,
            required: true,
          },
          epoch,
        ),
        createColumnBuilder(
          type.value,
          {
            fieldId: type.valueId,
            path: `${leaf.path}.${MAP_VALUE_NAME}`,
            required: type.valueRequired,
          },
          epoch,
        ),
      );
  }
}
