// A schema declared in a connector file for schemaless JSON (value.schema):
// YAML fields turned into an Iceberg Schema. Field ids are provisional (1..n,
// each struct's fields before their children, like Iceberg's fresh-id
// assignment), like the codecs' source schemas: the sink matches by name.
import { z } from 'zod';
import type { IcebergType, NestedField, Schema } from '../iceberg/types.ts';
import type { ConfigProblem, KeyPath } from './config-problem.ts';
import { nonEmptyString } from './schema-parts.ts';
import { parseTypeString } from './type-string.ts';

/** A type written as a mapping: `{ type: struct, fields: [...] }`, `{ type: list, element: ... }`, ... */
export interface DeclaredType {
  readonly type: string;
  readonly required?: boolean | undefined;
  readonly doc?: string | undefined;
  readonly fields?: readonly DeclaredField[] | undefined;
  readonly element?: string | DeclaredType | undefined;
  readonly key?: string | DeclaredType | undefined;
  readonly value?: string | DeclaredType | undefined;
}

export interface DeclaredField extends DeclaredType {
  readonly name: string;
}

const typeReference: z.ZodType<string | DeclaredType> = z.union([
  nonEmptyString,
  z.lazy(() => declaredTypeSchema),
]);

export const declaredTypeSchema: z.ZodType<DeclaredType> = z.strictObject({
  type: nonEmptyString,
  required: z.boolean().optional(),
  doc: z.string().optional(),
  fields: z.array(z.lazy(() => declaredFieldSchema)).optional(),
  element: typeReference.optional(),
  key: typeReference.optional(),
  value: typeReference.optional(),
});

export const declaredFieldSchema: z.ZodType<DeclaredField> = z.strictObject({
  name: nonEmptyString,
  type: nonEmptyString,
  required: z.boolean().optional(),
  doc: z.string().optional(),
  fields: z.array(z.lazy(() => declaredFieldSchema)).optional(),
  element: typeReference.optional(),
  key: typeReference.optional(),
  value: typeReference.optional(),
});

/** The Iceberg schema of the declared fields, or the problems (paths relative to the field list). */
export function declaredSchemaToIceberg(
  fields: readonly DeclaredField[],
): { schema: Schema; problems: [] } | { schema?: undefined; problems: ConfigProblem[] } {
  let lastId = 0;
  const nextId = (): number => {
    lastId += 1;
    return lastId;
  };
  const problems: ConfigProblem[] = [];

  const structFields = (declared: readonly DeclaredField[], path: KeyPath): NestedField[] => {
    const names = new Set<string>();
    const ids = declared.map(nextId);
    return declared.map((field, index) => {
      if (names.has(field.name)) {
        problems.push({ path: [...path, index, 'name'], message: `duplicate field name "${field.name}"` });
      }
      names.add(field.name);
      const type = typeOf(field, [...path, index]);
      return {
        id: ids[index] as number,
        name: field.name,
        required: field.required ?? false,
        type,
        ...(field.doc !== undefined ? { doc: field.doc } : {}),
      };
    });
  };

  const typeOf = (declared: string | DeclaredType, path: KeyPath): IcebergType => {
    if (typeof declared === 'string') return parse(declared, path);
    const at = (key: string): KeyPath => [...path, key];
    const unexpected = (keys: readonly (keyof DeclaredType)[]): void => {
      for (const key of keys) {
        if (declared[key] !== undefined) {
          problems.push({ path: at(key), message: `is only used with type ${usedWith[key]}` });
        }
      }
    };
    switch (declared.type) {
      case 'struct':
        unexpected(['element', 'key', 'value']);
        if (declared.fields === undefined || declared.fields.length === 0) {
          problems.push({ path: at('fields'), message: 'is required for type struct (a list of fields)' });
          return { kind: 'struct', fields: [] };
        }
        return { kind: 'struct', fields: structFields(declared.fields, at('fields')) };
      case 'list': {
        unexpected(['fields', 'key', 'value']);
        const elementId = nextId();
        const element = required(declared.element, at('element'), 'list');
        return { kind: 'list', elementId, elementRequired: isRequired(declared.element), element };
      }
      case 'map': {
        unexpected(['fields', 'element']);
        const keyId = nextId();
        const valueId = nextId();
        const key = required(declared.key, at('key'), 'map');
        const value = required(declared.value, at('value'), 'map');
        return { kind: 'map', keyId, key, valueId, valueRequired: isRequired(declared.value), value };
      }
      default:
        unexpected(['fields', 'element', 'key', 'value']);
        return parse(declared.type, at('type'));
    }
  };

  const required = (declared: string | DeclaredType | undefined, path: KeyPath, of: string): IcebergType => {
    if (declared !== undefined) return typeOf(declared, path);
    problems.push({ path, message: `is required for type ${of}` });
    return { kind: 'string' };
  };

  const parse = (text: string, path: KeyPath): IcebergType => {
    try {
      return parseTypeString(text, nextId);
    } catch (error) {
      problems.push({ path, message: (error as Error).message });
      return { kind: 'string' };
    }
  };

  const schemaFields = structFields(fields, []);
  if (problems.length > 0) return { problems };
  return { schema: { schemaId: 0, identifierFieldIds: [], fields: schemaFields }, problems: [] };
}

const usedWith: Readonly<Record<keyof DeclaredType, string>> = {
  type: '',
  required: '',
  doc: '',
  fields: 'struct',
  element: 'list',
  key: 'map',
  value: 'map',
};

function isRequired(declared: string | DeclaredType | undefined): boolean {
  return typeof declared === 'object' && declared.required === true;
}
