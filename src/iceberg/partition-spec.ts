// Partition specs (spec: "Partitioning", "Partition Transforms"). The transform
// functions themselves live in transforms.ts.
import { ValidationError } from '../errors.ts';
import type { NestedField, PrimitiveType, Schema, StructType } from './types.ts';
import { indexFieldsById, isPrimitive, typeToString } from './types.ts';

export type Transform =
  | { readonly kind: 'identity' }
  | { readonly kind: 'bucket'; readonly numBuckets: number }
  | { readonly kind: 'truncate'; readonly width: number }
  | { readonly kind: 'year' }
  | { readonly kind: 'month' }
  | { readonly kind: 'day' }
  | { readonly kind: 'hour' }
  | { readonly kind: 'void' }
  | { readonly kind: 'unknown'; readonly name: string };

export interface PartitionField {
  readonly sourceId: number;
  /** Partition field ids start at 1000 (spec: "Partition Specs"). */
  readonly fieldId: number;
  readonly name: string;
  readonly transform: Transform;
}

export interface PartitionSpec {
  readonly specId: number;
  readonly fields: readonly PartitionField[];
}

export const UNPARTITIONED: PartitionSpec = { specId: 0, fields: [] };

/** First partition field id of a table with no partition fields yet. */
export const PARTITION_FIELD_ID_START = 1000;

/** Partition values of one data file, in spec field order; null for a null partition value. */
export type PartitionTuple = readonly unknown[];

// ---- Transform signatures (spec: "Partition Transforms", source and result types) ----

const BUCKET_SOURCES: ReadonlySet<string> = new Set([
  'int',
  'long',
  'decimal',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'string',
  'uuid',
  'fixed',
  'binary',
]);
const TRUNCATE_SOURCES: ReadonlySet<string> = new Set(['int', 'long', 'decimal', 'string', 'binary']);
const DATE_PART_SOURCES: ReadonlySet<string> = new Set([
  'date',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
]);
const HOUR_SOURCES: ReadonlySet<string> = new Set([
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
]);

/** Whether the transform accepts values of the source type (unknown transforms accept none). */
export function canTransform(transform: Transform, sourceType: PrimitiveType): boolean {
  switch (transform.kind) {
    case 'identity':
    case 'void':
      return true;
    case 'bucket':
      return BUCKET_SOURCES.has(sourceType.kind);
    case 'truncate':
      return TRUNCATE_SOURCES.has(sourceType.kind);
    case 'year':
    case 'month':
    case 'day':
      return DATE_PART_SOURCES.has(sourceType.kind);
    case 'hour':
      return HOUR_SOURCES.has(sourceType.kind);
    case 'unknown':
      return false;
  }
}

/** The type of the partition values a transform produces from the source type. */
export function transformResultType(transform: Transform, sourceType: PrimitiveType): PrimitiveType {
  switch (transform.kind) {
    case 'identity':
    case 'truncate':
    case 'void':
      return sourceType;
    case 'bucket':
    case 'year':
    case 'month':
    case 'hour':
      return { kind: 'int' };
    case 'day':
      return { kind: 'date' };
    case 'unknown':
      // readers ignore unknown transforms; the reference implementation reads them as strings
      return { kind: 'string' };
  }
}

function sourceField(schema: Schema, sourceId: number, where: string): NestedField & { type: PrimitiveType } {
  const field = indexFieldsById(schema.fields).get(sourceId);
  if (field === undefined) {
    throw new ValidationError(`${where}: source field id ${sourceId} is not in schema ${schema.schemaId}`);
  }
  if (!isPrimitive(field.type)) {
    throw new ValidationError(`${where}: source field '${field.name}' (id ${sourceId}) is not a primitive`);
  }
  return field as NestedField & { type: PrimitiveType };
}

/** The struct of a spec's partition tuples: one optional field per partition field, by its field id. */
export function partitionType(spec: PartitionSpec, schema: Schema): StructType {
  return {
    kind: 'struct',
    fields: spec.fields.map((field) => {
      const source = sourceField(
        schema,
        field.sourceId,
        `partition field '${field.name}' of spec ${spec.specId}`,
      );
      return {
        id: field.fieldId,
        name: field.name,
        required: false,
        type: transformResultType(field.transform, source.type),
      };
    }),
  };
}

// ---- Building a new spec from column names ----

export interface PartitionFieldRequest {
  /** Source column: its field id, or its name (dotted through structs, e.g. 'payload.ts'). */
  readonly source: string | number;
  readonly transform: Transform;
  /** Defaults to the column name for identity, else column name + '_bucket', '_trunc', '_day', ... */
  readonly name?: string;
}

const NAME_SUFFIX: Readonly<Record<Exclude<Transform['kind'], 'identity' | 'unknown'>, string>> = {
  bucket: '_bucket',
  truncate: '_trunc',
  year: '_year',
  month: '_month',
  day: '_day',
  hour: '_hour',
  void: '_null',
};

/** Field ids and dotted names of every field reachable through structs (partition sources cannot be in lists or maps). */
function structFieldsByName(schema: Schema): Map<string, NestedField> {
  const byName = new Map<string, NestedField>();
  const visit = (fields: readonly NestedField[], prefix: string): void => {
    for (const field of fields) {
      byName.set(prefix + field.name, field);
      if (field.type.kind === 'struct') visit(field.type.fields, `${prefix}${field.name}.`);
    }
  };
  visit(schema.fields, '');
  return byName;
}

/**
 * A validated spec for `schema`: partition field ids are assigned from
 * `lastPartitionId + 1` (1000 for a new table) and names default as in the
 * reference implementation ('ts_day', 'id_bucket', 'name_trunc').
 */
export function buildPartitionSpec(
  schema: Schema,
  requests: readonly PartitionFieldRequest[],
  options: { readonly specId?: number; readonly lastPartitionId?: number } = {},
): PartitionSpec {
  const byName = structFieldsByName(schema);
  const nameById = new Map([...byName].map(([name, field]) => [field.id, name]));
  const specId = options.specId ?? 0;
  let nextFieldId = (options.lastPartitionId ?? PARTITION_FIELD_ID_START - 1) + 1;
  const fields: PartitionField[] = [];
  const seenTransforms = new Set<string>();
  for (const request of requests) {
    const where = `partition field on '${request.source}' of spec ${specId}`;
    const sourceId = typeof request.source === 'number' ? request.source : byName.get(request.source)?.id;
    if (sourceId === undefined) throw new ValidationError(`${where}: no such column in the schema`);
    if (!nameById.has(sourceId)) {
      throw new ValidationError(`${where}: field id ${sourceId} is not a column outside lists and maps`);
    }
    const source = sourceField(schema, sourceId, where);
    const { transform } = request;
    checkTransformArguments(transform, where);
    if (!canTransform(transform, source.type)) {
      throw new ValidationError(
        `${where}: transform ${transform.kind} cannot apply to type ${typeToString(source.type)}`,
      );
    }
    const sourceName = nameById.get(sourceId) ?? source.name;
    const name =
      request.name ??
      (transform.kind === 'identity' || transform.kind === 'unknown'
        ? sourceName
        : sourceName + NAME_SUFFIX[transform.kind]);
    checkPartitionName(name, sourceId, transform, byName, fields, where);
    const transformKey = `${sourceId}/${JSON.stringify(transform)}`;
    if (seenTransforms.has(transformKey)) {
      throw new ValidationError(`${where}: the same transform is already applied to this column`);
    }
    seenTransforms.add(transformKey);
    fields.push({ sourceId, fieldId: nextFieldId, name, transform });
    nextFieldId += 1;
  }
  return { specId, fields };
}

function checkTransformArguments(transform: Transform, where: string): void {
  if (
    transform.kind === 'bucket' &&
    !(Number.isSafeInteger(transform.numBuckets) && transform.numBuckets > 0)
  ) {
    throw new ValidationError(
      `${where}: bucket count must be a positive integer, got ${transform.numBuckets}`,
    );
  }
  if (transform.kind === 'truncate' && !(Number.isSafeInteger(transform.width) && transform.width > 0)) {
    throw new ValidationError(`${where}: truncate width must be a positive integer, got ${transform.width}`);
  }
}

function checkPartitionName(
  name: string,
  sourceId: number,
  transform: Transform,
  schemaFields: ReadonlyMap<string, NestedField>,
  previous: readonly PartitionField[],
  where: string,
): void {
  if (name.length === 0) throw new ValidationError(`${where}: partition field name is empty`);
  if (previous.some((field) => field.name === name)) {
    throw new ValidationError(`${where}: partition field name '${name}' is used twice`);
  }
  // a partition name may shadow a column only when it is that column's identity
  const column = schemaFields.get(name);
  if (column !== undefined && !(transform.kind === 'identity' && column.id === sourceId)) {
    throw new ValidationError(`${where}: partition field name '${name}' conflicts with a schema column`);
  }
}
