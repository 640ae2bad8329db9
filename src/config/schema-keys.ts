// Reads the keys a zod schema knows, for "did you mean" hints on unknown keys and
// for checking that docs/configuration.md documents every key, and what a key
// takes, for the typing of interpolated values.
import type { z } from 'zod';
import type { KeyPath } from './config-problem.ts';

type AnySchema = z.core.$ZodType;

/** Strips wrappers (optional, default, pipe/transform, lazy) down to the schema that checks the value. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = current._zod.def;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        current = (def as z.core.$ZodOptionalDef).innerType;
        break;
      case 'pipe':
        current = (def as z.core.$ZodPipeDef).in;
        break;
      case 'lazy':
        current = (def as z.core.$ZodLazyDef).getter();
        break;
      default:
        return current;
    }
  }
}

/** The object schemas a value may match (one for an object, the branches of a union). */
function objectBranches(schema: AnySchema): z.core.$ZodObjectDef[] {
  const inner = unwrap(schema);
  const def = inner._zod.def;
  if (def.type === 'object') return [def as z.core.$ZodObjectDef];
  if (def.type === 'union') return (def as z.core.$ZodUnionDef).options.flatMap(objectBranches);
  return [];
}

/** Of a union's object branches, those whose literal discriminators match the value (all when none match). */
function matchingBranches(schema: AnySchema, value: unknown): z.core.$ZodObjectDef[] {
  const branches = objectBranches(schema);
  if (typeof value !== 'object' || value === null || branches.length < 2) return branches;
  const record = value as Record<string, unknown>;
  const matching = branches.filter((branch) =>
    Object.entries(branch.shape).every(([key, field]) => {
      const fieldDef = unwrap(field)._zod.def;
      if (fieldDef.type !== 'literal') return true;
      return (fieldDef as z.core.$ZodLiteralDef<z.core.util.Literal>).values.includes(
        record[key] as z.core.util.Literal,
      );
    }),
  );
  return matching.length > 0 ? matching : branches;
}

function childSchema(schema: AnySchema, segment: string | number, value: unknown): AnySchema | undefined {
  const inner = unwrap(schema);
  const def = inner._zod.def;
  if (def.type === 'array') return (def as z.core.$ZodArrayDef).element;
  if (def.type === 'record') return (def as z.core.$ZodRecordDef).valueType;
  for (const branch of matchingBranches(inner, value)) {
    const field = branch.shape[String(segment)];
    if (field !== undefined) return field;
  }
  return undefined;
}

/** The schema of the value at `path` of `input` (undefined for a key the schema does not know). */
export function schemaAt(root: AnySchema, path: KeyPath, input: unknown): AnySchema | undefined {
  let schema: AnySchema | undefined = root;
  let value = input;
  for (const segment of path) {
    if (schema === undefined) return undefined;
    schema = childSchema(schema, segment, value);
    value = (value as Record<string | number, unknown> | undefined)?.[segment];
  }
  return schema;
}

/** The keys allowed in the mapping at `path` of `input`, given the root schema. */
export function knownKeysAt(root: AnySchema, path: KeyPath, input: unknown): string[] {
  const schema = schemaAt(root, path, input);
  if (schema === undefined) return [];
  const value = path.reduce<unknown>(
    (node, segment) => (node as Record<string | number, unknown> | undefined)?.[segment],
    input,
  );
  return [...new Set(matchingBranches(schema, value).flatMap((branch) => Object.keys(branch.shape)))];
}

/** Whether the schema takes text: a string, an enum, a string literal, or a union with one of them. */
export function takesString(schema: AnySchema): boolean {
  const def = unwrap(schema)._zod.def;
  switch (def.type) {
    case 'string':
    case 'template_literal':
      return true;
    case 'enum':
      return Object.values((def as z.core.$ZodEnumDef).entries).some((value) => typeof value === 'string');
    case 'literal':
      return (def as z.core.$ZodLiteralDef<z.core.util.Literal>).values.some(
        (value) => typeof value === 'string',
      );
    case 'union':
      return (def as z.core.$ZodUnionDef).options.some(takesString);
    default:
      return false;
  }
}

/**
 * Every key path the schema knows, dotted (`kafka.security.sasl.mechanism`);
 * list items and map entries appear as `[]` and `<name>`. Recursive schemas are
 * walked once.
 */
export function allKeyPaths(root: AnySchema): string[] {
  const paths: string[] = [];
  const walking = new Set<z.core.$ZodObjectDef>();
  const walk = (schema: AnySchema, prefix: string): void => {
    const inner = unwrap(schema);
    const def = inner._zod.def;
    if (def.type === 'array') {
      walk((def as z.core.$ZodArrayDef).element, `${prefix}[]`);
      return;
    }
    if (def.type === 'record') {
      walk((def as z.core.$ZodRecordDef).valueType, `${prefix}.<name>`);
      return;
    }
    for (const branch of objectBranches(inner)) {
      if (walking.has(branch)) continue;
      walking.add(branch);
      for (const [key, field] of Object.entries(branch.shape)) {
        const path = prefix === '' ? key : `${prefix}.${key}`;
        if (!paths.includes(path)) paths.push(path);
        walk(field, path);
      }
      walking.delete(branch);
    }
  };
  walk(root, '');
  return paths;
}
