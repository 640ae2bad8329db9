// Whether two schemas have the same columns (ids, names, types, nullability),
// ignoring schema ids: decides if a commit must add a schema.
import { schemaToJson } from '../iceberg/schema-json.ts';
import type { Schema } from '../iceberg/types.ts';

export function sameSchemaFields(a: Schema, b: Schema): boolean {
  const strip = (schema: Schema): string => JSON.stringify(schemaToJson({ ...schema, schemaId: 0 }));
  return strip(a) === strip(b);
}
