// The schema a batch commits with, derived on the freshly loaded table before
// every attempt (spec: "Schema Evolution": field ids are never reused). The
// writer gave new columns ids above the last column id it had seen, and its
// Parquet files carry those ids. They may be committed only if folding the
// written schema into the fresh table by name gives every written column the
// same id and type. Otherwise another writer took those ids meanwhile (Spark
// adding a column, a second worker seeing another new field) and committing
// would make old files read as the wrong column: the batch is re-read instead.
import { IncompatibleSchemaError, unionByName } from '../iceberg/schema-evolution.ts';
import { currentSchema, type TableMetadata } from '../iceberg/table-metadata.ts';
import { type IcebergType, indexFieldsById, type Schema, typeToString } from '../iceberg/types.ts';

export type CommitSchema =
  /** `schema`: the evolved table schema to make current; undefined when the table already fits the files. */
  | { readonly kind: 'fits'; readonly schema?: Schema }
  | { readonly kind: 'conflict'; readonly reason: string };

export function commitSchema(table: TableMetadata, written: Schema): CommitSchema {
  const current = currentSchema(table);
  let union: ReturnType<typeof unionByName>;
  try {
    union = unionByName(current, written, table.lastColumnId);
  } catch (error) {
    if (!(error instanceof IncompatibleSchemaError)) throw error;
    return { kind: 'conflict', reason: `the table schema changed incompatibly meanwhile: ${error.message}` };
  }
  const committed = indexFieldsById(union.schema.fields);
  for (const [id, field] of indexFieldsById(written.fields)) {
    const other = committed.get(id);
    if (other === undefined || other.name !== field.name || !sameShape(other.type, field.type)) {
      const now = other ? `${other.name}: ${typeToString(other.type)}` : 'nothing';
      return {
        kind: 'conflict',
        reason: `field id ${id} was written as ${field.name}: ${typeToString(field.type)} but the table now gives it ${now} (another writer changed the schema)`,
      };
    }
  }
  return union.changes.length === 0 ? { kind: 'fits' } : { kind: 'fits', schema: union.schema };
}

/** Same primitive type, or the same kind of nested type (children are compared by their own ids). */
function sameShape(a: IcebergType, b: IcebergType): boolean {
  if (a.kind === 'struct' || a.kind === 'list' || a.kind === 'map') return a.kind === b.kind;
  return typeToString(a) === typeToString(b);
}
