// Plain JSON converted to the schema declared in the connector file, with the
// connector's choice for properties that schema does not name
// (value.unknownFields): `drop` leaves them out and reports them so the worker
// counts them, `error` makes the record a record error naming the field, `add`
// infers top-level ones as new optional columns (schema evolution adds them to
// the table; nested ones are dropped and reported, a declared struct is closed).
import type { IcebergType, NestedField, Row, Schema } from '../iceberg/types.ts';
import { highestFieldId } from '../iceberg/types.ts';
import type { DecodedRecord } from './decoded-record.ts';
import { InferredJsonSchema } from './json-inference.ts';
import { compileJsonConverter } from './json-value-converter.ts';
import { PayloadError } from './payload-error.ts';

export type UnknownFieldsMode = 'drop' | 'error' | 'add';

export class DeclaredJsonSchema {
  readonly #declared: Schema;
  readonly #mode: UnknownFieldsMode;
  readonly #convert: (value: unknown) => Row;
  readonly #known: ReadonlySet<string>;
  /** Unknown paths of the record being converted (reset per record; conversion is synchronous). */
  #unknown: string[] = [];
  readonly #extras = new InferredJsonSchema();
  /** Inferred extras schema -> declared + extras, one object per extras schema. */
  readonly #merged = new WeakMap<Schema, Schema>();

  constructor(declared: Schema, mode: UnknownFieldsMode = 'drop') {
    this.#declared = declared;
    this.#mode = mode;
    this.#known = new Set(declared.fields.map((field) => field.name));
    this.#convert = compileJsonConverter(declared, (path) => {
      if (mode === 'error') {
        throw new PayloadError(
          'unknown-field',
          `${path}: field is not in value.schema (value.unknownFields: error; drop or add to accept it)`,
        );
      }
      this.#unknown.push(path);
    });
  }

  /** With `add`, the table's columns the declared schema does not name continue as the inferred extras. */
  follow(table: Schema): void {
    if (this.#mode !== 'add') return;
    this.#extras.follow({ ...table, fields: table.fields.filter((field) => !this.#known.has(field.name)) });
  }

  convert(value: unknown): DecodedRecord {
    this.#unknown = [];
    const row = this.#convert(value);
    const unknown = this.#unknown;
    if (this.#mode !== 'add') {
      return unknown.length === 0
        ? { row, schema: this.#declared }
        : { row, schema: this.#declared, droppedFields: unknown };
    }
    const topLevel = unknown.filter((path) => this.#isTopLevel(path));
    const nested = unknown.filter((path) => !this.#isTopLevel(path));
    const schema = topLevel.length === 0 ? this.#current() : this.#addExtras(row, value as Row, topLevel);
    return nested.length === 0 ? { row, schema } : { row, schema, droppedFields: nested };
  }

  #isTopLevel(path: string): boolean {
    return !path.includes('.') || !this.#known.has(path.slice(0, path.indexOf('.')));
  }

  /** Declared + every extra column seen so far (records without extras read them as null). */
  #current(): Schema {
    return this.#extras.schema.fields.length === 0 ? this.#declared : this.#mergedWith(this.#extras.schema);
  }

  #addExtras(row: Row, value: Row, names: readonly string[]): Schema {
    const extras: Row = {};
    for (const name of names) extras[name] = value[name];
    const inferred = this.#extras.convert(extras);
    Object.assign(row, inferred.row);
    return this.#mergedWith(inferred.schema);
  }

  #mergedWith(extras: Schema): Schema {
    let merged = this.#merged.get(extras);
    if (merged === undefined) {
      const offset = highestFieldId(this.#declared.fields);
      merged = {
        ...this.#declared,
        fields: [...this.#declared.fields, ...extras.fields.map((f) => shifted(f, offset))],
      };
      this.#merged.set(extras, merged);
    }
    return merged;
  }
}

/** Inferred ids are 1..n; placed after the declared ones (ids are provisional, matched by name). */
function shifted(field: NestedField, offset: number): NestedField {
  return { ...field, id: field.id + offset, type: shiftedType(field.type, offset) };
}

function shiftedType(type: IcebergType, offset: number): IcebergType {
  if (type.kind === 'struct') return { kind: 'struct', fields: type.fields.map((f) => shifted(f, offset)) };
  if (type.kind === 'list')
    return { ...type, elementId: type.elementId + offset, element: shiftedType(type.element, offset) };
  return type;
}
