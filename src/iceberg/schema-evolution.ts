// Union by name (spec: "Schema Evolution"): folds a record's source schema into
// a table schema so every record can be written. Fields match by name at every
// struct level (case-sensitive), list elements and map keys/values by position;
// what the table lacks is added as optional columns with fresh ids, what the
// record lacks stays. Pure: the caller commits the result.
import { ValidationError } from '../errors.ts';
import { isPromotionAllowed, samePrimitiveType } from './type-promotion.ts';
import type { IcebergType, NestedField, Schema } from './types.ts';
import { highestFieldId, isPrimitive, typeToString } from './types.ts';

export { isPromotionAllowed, widenValue } from './type-promotion.ts';

/** The record's schema cannot be folded into the table's; the message names the column and both types. */
export class IncompatibleSchemaError extends ValidationError {}

export interface SchemaUnion {
  /** The table schema itself (same object) when `changes` is empty. */
  readonly schema: Schema;
  readonly lastColumnId: number;
  /** One line per change, for logs: "added optional column a.b (id 7): string", "promoted n: int -> long", "made c optional". */
  readonly changes: string[];
}

interface UnionState {
  lastColumnId: number;
  readonly changes: string[];
  readonly identifierFieldIds: ReadonlySet<number>;
}

/**
 * The table schema widened to accept `incoming`. The incoming ids carry no
 * meaning; new ids are taken depth-first (a field before its children, in the
 * record's field order) from lastColumnId + 1. A changed schema gets
 * table.schemaId + 1; identifier field ids and the table's docs are kept.
 */
export function unionByName(table: Schema, incoming: Schema, lastColumnId: number): SchemaUnion {
  const highest = highestFieldId(table.fields);
  if (lastColumnId < highest) {
    throw new ValidationError(
      `last column id ${lastColumnId} is below the highest field id ${highest} of the table schema`,
      {
        lastColumnId,
        highestFieldId: highest,
      },
    );
  }
  const state: UnionState = {
    lastColumnId,
    changes: [],
    identifierFieldIds: new Set(table.identifierFieldIds),
  };
  const fields = unionFields(table.fields, incoming.fields, '', state);
  if (state.changes.length === 0) return { schema: table, lastColumnId, changes: [] };
  return {
    schema: { ...table, schemaId: table.schemaId + 1, fields },
    lastColumnId: state.lastColumnId,
    changes: state.changes,
  };
}

function unionFields(
  tableFields: readonly NestedField[],
  incomingFields: readonly NestedField[],
  parentPath: string,
  state: UnionState,
): readonly NestedField[] {
  const incomingNames = new Set<string>();
  for (const field of incomingFields) {
    if (incomingNames.has(field.name)) {
      throw new IncompatibleSchemaError(`the record has two fields named ${pathOf(parentPath, field.name)}`, {
        column: pathOf(parentPath, field.name),
      });
    }
    incomingNames.add(field.name);
  }
  for (const field of tableFields) {
    if (field.required && !incomingNames.has(field.name)) {
      const column = pathOf(parentPath, field.name);
      throw new IncompatibleSchemaError(`required column ${column} is missing from the record`, { column });
    }
  }

  const byName = new Map(tableFields.map((field) => [field.name, field]));
  const merged = new Map<number, NestedField>();
  const added: NestedField[] = [];
  // Walk in the record's order so new ids follow it, depth-first.
  for (const field of incomingFields) {
    const existing = byName.get(field.name);
    const path = pathOf(parentPath, field.name);
    if (existing === undefined) {
      added.push(addedField(field, path, state));
    } else {
      merged.set(existing.id, unionField(existing, field, path, state));
    }
  }
  const unchanged =
    added.length === 0 && tableFields.every((field) => (merged.get(field.id) ?? field) === field);
  if (unchanged) return tableFields;
  return [...tableFields.map((field) => merged.get(field.id) ?? field), ...added];
}

function unionField(existing: NestedField, field: NestedField, path: string, state: UnionState): NestedField {
  const required = unionRequired(existing.id, existing.required, field.required, path, state);
  const type = unionType(existing.type, field.type, path, state);
  if (required === existing.required && type === existing.type) return existing;
  return { ...existing, required, type };
}

/** A required table column becomes optional when the record may omit it; the reverse needs no change. */
function unionRequired(
  id: number,
  tableRequired: boolean,
  recordRequired: boolean,
  path: string,
  state: UnionState,
): boolean {
  if (!tableRequired || recordRequired) return tableRequired;
  if (state.identifierFieldIds.has(id)) {
    throw new IncompatibleSchemaError(
      `identifier column ${path} is optional in the record but must stay required`,
      {
        column: path,
      },
    );
  }
  state.changes.push(`made ${path} optional`);
  return false;
}

/** The table type widened to accept the record type, or the table type itself when it already does. */
function unionType(
  tableType: IcebergType,
  recordType: IcebergType,
  path: string,
  state: UnionState,
): IcebergType {
  if (isPrimitive(tableType) && isPrimitive(recordType)) {
    if (samePrimitiveType(tableType, recordType)) return tableType;
    // A record narrower than the table is written by widening its values.
    if (isPromotionAllowed(recordType, tableType)) return tableType;
    if (isPromotionAllowed(tableType, recordType)) {
      state.changes.push(`promoted ${path}: ${typeToString(tableType)} -> ${typeToString(recordType)}`);
      return recordType;
    }
    throw incompatibleType(path, tableType, recordType);
  }
  if (tableType.kind === 'struct' && recordType.kind === 'struct') {
    const fields = unionFields(tableType.fields, recordType.fields, path, state);
    return fields === tableType.fields ? tableType : { ...tableType, fields };
  }
  if (tableType.kind === 'list' && recordType.kind === 'list') {
    const elementPath = `${path}.element`;
    const elementRequired = unionRequired(
      tableType.elementId,
      tableType.elementRequired,
      recordType.elementRequired,
      elementPath,
      state,
    );
    const element = unionType(tableType.element, recordType.element, elementPath, state);
    if (elementRequired === tableType.elementRequired && element === tableType.element) return tableType;
    return { ...tableType, elementRequired, element };
  }
  if (tableType.kind === 'map' && recordType.kind === 'map') {
    // Keys are always required; their type may not evolve at all.
    if (!keyAccepted(tableType.key, recordType.key, path, state)) {
      throw incompatibleType(`${path}.key`, tableType.key, recordType.key, ' (map keys cannot change)');
    }
    const valuePath = `${path}.value`;
    const valueRequired = unionRequired(
      tableType.valueId,
      tableType.valueRequired,
      recordType.valueRequired,
      valuePath,
      state,
    );
    const value = unionType(tableType.value, recordType.value, valuePath, state);
    if (valueRequired === tableType.valueRequired && value === tableType.value) return tableType;
    return { ...tableType, valueRequired, value };
  }
  throw incompatibleType(path, tableType, recordType);
}

/** Whether the table's map key takes the record's key as it is: a narrower key is fine, any evolution is not. */
function keyAccepted(
  tableKey: IcebergType,
  recordKey: IcebergType,
  path: string,
  state: UnionState,
): boolean {
  const scratch: UnionState = { ...state, changes: [] };
  try {
    return unionType(tableKey, recordKey, `${path}.key`, scratch) === tableKey;
  } catch (error) {
    if (error instanceof IncompatibleSchemaError) return false;
    throw error;
  }
}

/** A column the table lacks: optional, with fresh ids for it and everything inside it. */
function addedField(field: NestedField, path: string, state: UnionState): NestedField {
  const id = ++state.lastColumnId;
  const type = withFreshIds(field.type, state);
  state.changes.push(`added optional column ${path} (id ${id}): ${describeType(type)}`);
  return withDoc({ id, name: field.name, required: false, type }, field.doc);
}

// Depth-first: a field's id, then the ids inside its type, then its next sibling.
function withFreshIds(type: IcebergType, state: UnionState): IcebergType {
  switch (type.kind) {
    case 'struct':
      return {
        kind: 'struct',
        fields: type.fields.map((field) => {
          const id = ++state.lastColumnId;
          return withDoc(
            { id, name: field.name, required: field.required, type: withFreshIds(field.type, state) },
            field.doc,
          );
        }),
      };
    case 'list': {
      const elementId = ++state.lastColumnId;
      return { ...type, elementId, element: withFreshIds(type.element, state) };
    }
    case 'map': {
      const keyId = ++state.lastColumnId;
      const key = withFreshIds(type.key, state);
      const valueId = ++state.lastColumnId;
      return { ...type, keyId, key, valueId, value: withFreshIds(type.value, state) };
    }
    default:
      return type;
  }
}

function withDoc(field: NestedField, doc: string | undefined): NestedField {
  return doc === undefined ? field : { ...field, doc };
}

function incompatibleType(
  path: string,
  tableType: IcebergType,
  recordType: IcebergType,
  note = '',
): IncompatibleSchemaError {
  const tableText = describeType(tableType);
  const recordText = describeType(recordType);
  return new IncompatibleSchemaError(
    `incompatible type for column ${path}: table has ${tableText}, record has ${recordText}${note}`,
    { column: path, tableType: tableText, recordType: recordText },
  );
}

/** A type without field ids, for messages: "struct<a: long, b: list<string>>". */
function describeType(type: IcebergType): string {
  switch (type.kind) {
    case 'struct':
      return `struct<${type.fields.map((field) => `${field.name}: ${describeType(field.type)}`).join(', ')}>`;
    case 'list':
      return `list<${describeType(type.element)}>`;
    case 'map':
      return `map<${describeType(type.key)}, ${describeType(type.value)}>`;
    default:
      return typeToString(type);
  }
}

function pathOf(parentPath: string, name: string): string {
  return parentPath === '' ? name : `${parentPath}.${name}`;
}
