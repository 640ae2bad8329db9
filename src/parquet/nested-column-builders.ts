// struct, list and map columns: validity (and offsets) here, values in child builders.
import { type Data, type DataType, type List, type Map_, makeData, type Struct } from 'apache-arrow';
import type { ColumnBuilder } from './column-builder.ts';
import { grown, invalidValue, requiredIsNull } from './column-builder.ts';
import type { ColumnStats } from './column-stats.ts';
import { ValidityBitmap } from './validity-bitmap.ts';

const INITIAL_CAPACITY = 1024;

export interface NestedColumn {
  readonly path: string;
  readonly required: boolean;
  readonly type: DataType;
}

abstract class NestedColumnBuilder implements ColumnBuilder {
  protected readonly column: NestedColumn;
  protected readonly validity = new ValidityBitmap();

  constructor(column: NestedColumn) {
    this.column = column;
  }

  get length(): number {
    return this.validity.length;
  }

  append(value: unknown): void {
    if (value === null || value === undefined) {
      if (this.column.required) throw requiredIsNull(this.column.path);
      this.appendMaskedNull();
    } else {
      this.appendValue(value);
      this.validity.appendValid();
    }
  }

  protected abstract children(): readonly ColumnBuilder[];
  protected abstract appendValue(value: unknown): void;
  /** Rolls the children back to match `length` slots of this column. */
  protected abstract rollbackChildren(length: number): void;
  abstract appendMaskedNull(): void;
  abstract finish(): Data;

  countAbsent(): void {
    for (const child of this.children()) child.countAbsent();
  }

  /** Nested columns are not presized (their children's lengths vary by row). */
  presize(_rows: number, _like: ColumnBuilder, _recycle: boolean): void {}

  // Children are rolled back even when this column's own slot was never added:
  // a field or element may have failed after its siblings were appended.
  rollback(length: number): void {
    this.rollbackChildren(length);
    this.validity.truncate(length);
  }

  byteLength(): number {
    let bytes = this.validity.byteLength();
    for (const child of this.children()) bytes += child.byteLength();
    return bytes;
  }

  collectStats(into: Map<number, ColumnStats>): void {
    for (const child of this.children()) child.collectStats(into);
  }
}

export class StructColumnBuilder extends NestedColumnBuilder {
  private readonly names: readonly string[];
  private readonly fields: readonly ColumnBuilder[];

  constructor(column: NestedColumn, names: readonly string[], fields: readonly ColumnBuilder[]) {
    super(column);
    this.names = names;
    this.fields = fields;
  }

  protected children(): readonly ColumnBuilder[] {
    return this.fields;
  }

  protected rollbackChildren(length: number): void {
    for (const field of this.fields) field.rollback(length);
  }

  protected appendValue(value: unknown): void {
    if (
      typeof value !== 'object' ||
      Array.isArray(value) ||
      value instanceof Map ||
      value instanceof Uint8Array
    ) {
      throw invalidValue(this.column.path, value, 'an object (struct)');
    }
    const row = value as Record<string, unknown>;
    for (let i = 0; i < this.fields.length; i++) {
      (this.fields[i] as ColumnBuilder).append(row[this.names[i] as string]);
    }
  }

  appendMaskedNull(): void {
    this.validity.appendNull();
    for (const field of this.fields) field.appendMaskedNull();
  }

  finish(): Data {
    return makeData({
      type: this.column.type as Struct,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.finish(),
      children: this.fields.map((field) => field.finish()),
    });
  }
}

/** Offsets shared by list and map columns. */
abstract class RepeatedColumnBuilder extends NestedColumnBuilder {
  protected offsets = new Int32Array(INITIAL_CAPACITY + 1);

  /**
   * Records where the slot being appended ends in the child (entry) column; only
   * the entry after the last slot is written, so a rollback finds its end intact.
   */
  protected pushOffset(end: number): void {
    const index = this.validity.length + 1;
    if (index >= this.offsets.length) this.offsets = grown(this.offsets, index + 1);
    this.offsets[index] = end;
  }

  /** Child slots of this column hold nothing for an empty or null value but Parquet still writes one level. */
  appendMaskedNull(): void {
    this.pushOffset(this.offsets[this.validity.length] as number);
    this.validity.appendNull();
    this.countAbsent();
  }

  override byteLength(): number {
    return super.byteLength() + (this.length + 1) * 4;
  }
}

export class ListColumnBuilder extends RepeatedColumnBuilder {
  private readonly element: ColumnBuilder;

  constructor(column: NestedColumn, element: ColumnBuilder) {
    super(column);
    this.element = element;
  }

  protected children(): readonly ColumnBuilder[] {
    return [this.element];
  }

  protected rollbackChildren(length: number): void {
    this.element.rollback(this.offsets[length] as number);
  }

  protected appendValue(value: unknown): void {
    if (!Array.isArray(value)) throw invalidValue(this.column.path, value, 'an array (list)');
    const element = this.element;
    for (let i = 0; i < value.length; i++) element.append(value[i]);
    if (value.length === 0) element.countAbsent();
    this.pushOffset(element.length);
  }

  finish(): Data {
    return makeData({
      type: this.column.type as List,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.finish(),
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      child: this.element.finish(),
    });
  }
}

export class MapColumnBuilder extends RepeatedColumnBuilder {
  private readonly key: ColumnBuilder;
  private readonly value: ColumnBuilder;

  constructor(column: NestedColumn, key: ColumnBuilder, value: ColumnBuilder) {
    super(column);
    this.key = key;
    this.value = value;
  }

  protected children(): readonly ColumnBuilder[] {
    return [this.key, this.value];
  }

  protected rollbackChildren(length: number): void {
    const entries = this.offsets[length] as number;
    this.key.rollback(entries);
    this.value.rollback(entries);
  }

  protected appendValue(value: unknown): void {
    if (!(value instanceof Map)) throw invalidValue(this.column.path, value, 'a Map');
    for (const [k, v] of value) {
      this.key.append(k);
      this.value.append(v);
    }
    if (value.size === 0) this.countAbsent();
    this.pushOffset(this.key.length);
  }

  finish(): Data {
    const entriesType = (this.column.type as Map_).children[0]?.type as Struct;
    const entries = makeData({
      type: entriesType,
      length: this.key.length,
      nullCount: 0,
      children: [this.key.finish(), this.value.finish()],
    });
    return makeData({
      type: this.column.type as Map_,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.finish(),
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      child: entries,
    });
  }
}
