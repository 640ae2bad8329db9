// The Avro schemas of manifests and manifest lists (spec: "Manifests", "Manifest
// Lists", and Appendix A "Avro" for the type mapping). Every field carries its
// spec field id as "field-id"; record names follow the reference implementation
// (r102, k117_v118, r508) so other readers resolve the files the same way.
import { ValidationError } from '../errors.ts';
import type { AvroSchemaJson } from './avro-container.ts';
import type { PartitionSpec, PartitionTuple } from './partition-spec.ts';
import { bytesToDecimal, bytesToUuid, decimalToBytes, uuidToBytes } from './single-value.ts';
import type { PrimitiveType, StructType } from './types.ts';

export type ManifestFormatVersion = 1 | 2 | 3;

/** The 'format-version' header; old writers omitted it, then v2 is recognised by its sequence numbers. */
export function manifestFormatVersion(
  text: string | undefined,
  looksLikeV2: () => boolean,
): ManifestFormatVersion {
  if (text === undefined) return looksLikeV2() ? 2 : 1;
  if (text === '1' || text === '2' || text === '3') return Number(text) as ManifestFormatVersion;
  throw new ValidationError(`manifest format-version '${text}' is not supported (1, 2 or 3)`);
}

type AvroField = Readonly<Record<string, unknown>>;

const field = (id: number, name: string, type: AvroSchemaJson): AvroField => ({ name, 'field-id': id, type });

const optional = (id: number, name: string, type: AvroSchemaJson): AvroField => ({
  ...field(id, name, ['null', type]),
  default: null,
});

/** A map with non-string keys: an array of key/value records (Appendix A, "Avro"). */
const intKeyMap = (keyId: number, valueId: number, valueType: AvroSchemaJson): AvroSchemaJson => ({
  type: 'array',
  logicalType: 'map',
  items: {
    type: 'record',
    name: `k${keyId}_v${valueId}`,
    fields: [field(keyId, 'key', 'int'), field(valueId, 'value', valueType)],
  },
});

const list = (elementId: number, items: AvroSchemaJson): AvroSchemaJson => ({
  type: 'array',
  'element-id': elementId,
  items,
});

/** Writers of v1 must still fill the deprecated block_size_in_bytes (spec: "Manifests"). */
export const V1_BLOCK_SIZE_IN_BYTES = 64 * 1024 * 1024;

/** The data_file struct (field id 2 of manifest_entry) for a partition struct. */
function dataFileSchema(formatVersion: ManifestFormatVersion, partition: StructType): AvroSchemaJson {
  const fields: AvroField[] = [];
  if (formatVersion >= 2) fields.push(field(134, 'content', 'int'));
  fields.push(
    field(100, 'file_path', 'string'),
    field(101, 'file_format', 'string'),
    field(102, 'partition', partitionRecordSchema(partition)),
    field(103, 'record_count', 'long'),
    field(104, 'file_size_in_bytes', 'long'),
  );
  if (formatVersion === 1) {
    fields.push({ ...field(105, 'block_size_in_bytes', 'long'), default: V1_BLOCK_SIZE_IN_BYTES });
  }
  fields.push(
    optional(108, 'column_sizes', intKeyMap(117, 118, 'long')),
    optional(109, 'value_counts', intKeyMap(119, 120, 'long')),
    optional(110, 'null_value_counts', intKeyMap(121, 122, 'long')),
    optional(137, 'nan_value_counts', intKeyMap(138, 139, 'long')),
    optional(125, 'lower_bounds', intKeyMap(126, 127, 'bytes')),
    optional(128, 'upper_bounds', intKeyMap(129, 130, 'bytes')),
    optional(131, 'key_metadata', 'bytes'),
    optional(132, 'split_offsets', list(133, 'long')),
  );
  if (formatVersion >= 2) {
    fields.push(optional(135, 'equality_ids', list(136, 'int')));
  }
  fields.push(optional(140, 'sort_order_id', 'int'));
  // v2 optional (spec: "Manifests"); Java's v2 writer has it too. content_offset /
  // content_size_in_bytes (144/145) are v3 fields, for deletion vectors, and
  // first_row_id (142) is v3 row lineage (null: inherited from the manifest's).
  if (formatVersion >= 3) fields.push(optional(142, 'first_row_id', 'long'));
  if (formatVersion >= 2) fields.push(optional(143, 'referenced_data_file', 'string'));
  if (formatVersion >= 3) {
    fields.push(optional(144, 'content_offset', 'long'), optional(145, 'content_size_in_bytes', 'long'));
  }
  return { type: 'record', name: 'r2', fields };
}

/** The manifest_entry schema of a manifest file. */
export function manifestEntrySchema(
  formatVersion: ManifestFormatVersion,
  partition: StructType,
): AvroSchemaJson {
  const dataFile = field(2, 'data_file', dataFileSchema(formatVersion, partition));
  const fields: AvroField[] =
    formatVersion === 1
      ? [field(0, 'status', 'int'), field(1, 'snapshot_id', 'long'), dataFile]
      : [
          field(0, 'status', 'int'),
          optional(1, 'snapshot_id', 'long'),
          optional(3, 'sequence_number', 'long'),
          optional(4, 'file_sequence_number', 'long'),
          dataFile,
        ];
  return { type: 'record', name: 'manifest_entry', fields };
}

const FIELD_SUMMARY: AvroSchemaJson = {
  type: 'record',
  name: 'r508',
  fields: [
    field(509, 'contains_null', 'boolean'),
    optional(518, 'contains_nan', 'boolean'),
    optional(510, 'lower_bound', 'bytes'),
    optional(511, 'upper_bound', 'bytes'),
  ],
};

/** The manifest_file schema of a manifest list. */
export function manifestFileSchema(formatVersion: ManifestFormatVersion): AvroSchemaJson {
  const head = [
    field(500, 'manifest_path', 'string'),
    field(501, 'manifest_length', 'long'),
    field(502, 'partition_spec_id', 'int'),
  ];
  const tail = [
    optional(507, 'partitions', list(508, FIELD_SUMMARY)),
    optional(519, 'key_metadata', 'bytes'),
    // v3 row lineage: the first row id of the manifest's data files (null for delete manifests)
    ...(formatVersion >= 3 ? [optional(520, 'first_row_id', 'long')] : []),
  ];
  const counts = (wrap: typeof field) => [
    wrap(504, 'added_files_count', 'int'),
    wrap(505, 'existing_files_count', 'int'),
    wrap(506, 'deleted_files_count', 'int'),
    wrap(512, 'added_rows_count', 'long'),
    wrap(513, 'existing_rows_count', 'long'),
    wrap(514, 'deleted_rows_count', 'long'),
  ];
  const fields =
    formatVersion === 1
      ? [...head, field(503, 'added_snapshot_id', 'long'), ...counts(optional), ...tail]
      : [
          ...head,
          field(517, 'content', 'int'),
          field(515, 'sequence_number', 'long'),
          field(516, 'min_sequence_number', 'long'),
          field(503, 'added_snapshot_id', 'long'),
          ...counts(field),
          ...tail,
        ];
  return { type: 'record', name: 'manifest_file', fields };
}

// ---- The partition struct ----

/** The partition record (field id 102): one optional field per partition field. */
export function partitionRecordSchema(partition: StructType): AvroSchemaJson {
  const defined = new Set<string>();
  const fields = partition.fields.map((f) => {
    if (f.type.kind === 'struct' || f.type.kind === 'list' || f.type.kind === 'map') {
      throw new ValidationError(`partition field '${f.name}' (id ${f.id}) has nested type ${f.type.kind}`);
    }
    const avroName = avroCompatibleName(f.name);
    const type = primitiveAvroType(f.type, defined);
    const base = f.required ? field(f.id, avroName, type) : optional(f.id, avroName, type);
    return avroName === f.name ? base : { ...base, 'iceberg-field-name': f.name };
  });
  return { type: 'record', name: 'r102', fields };
}

/** Avro type of an Iceberg primitive (Appendix A); named types are defined once, then referenced. */
function primitiveAvroType(type: PrimitiveType, defined: Set<string>): AvroSchemaJson {
  const named = (name: string, schema: Record<string, unknown>): AvroSchemaJson => {
    if (defined.has(name)) return name;
    defined.add(name);
    return { ...schema, name };
  };
  switch (type.kind) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return type.kind;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': type.kind === 'timestamptz' };
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return {
        type: 'long',
        logicalType: 'timestamp-nanos',
        'adjust-to-utc': type.kind === 'timestamptz_ns',
      };
    case 'uuid':
      return named('uuid_fixed', { type: 'fixed', size: 16, logicalType: 'uuid' });
    case 'fixed':
      return named(`fixed_${type.length}`, { type: 'fixed', size: type.length });
    case 'decimal':
      return named(`decimal_${type.precision}_${type.scale}`, {
        type: 'fixed',
        size: decimalRequiredBytes(type.precision),
        logicalType: 'decimal',
        precision: type.precision,
        scale: type.scale,
      });
  }
}

/** The fewest bytes whose two's complement holds every unscaled value of the precision. */
export function decimalRequiredBytes(precision: number): number {
  const largest = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (largest >= 1n << BigInt(bytes * 8 - 1)) bytes += 1;
  return bytes;
}

/** Avro names match [A-Za-z_][A-Za-z0-9_]*; others are escaped as _x<HEX> like the reference implementation. */
export function avroCompatibleName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name;
  let out = '';
  for (const ch of name) {
    const ok = out === '' ? /[A-Za-z_]/.test(ch) : /[A-Za-z0-9_]/.test(ch);
    if (ok) out += ch;
    else if (out === '' && /[0-9]/.test(ch)) out += `_${ch}`;
    else out += `_x${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
  }
  return out;
}

/** A partition tuple as the Avro record of partitionRecordSchema (field names escaped like the schema). */
export function partitionToAvro(
  partition: StructType,
  tuple: PartitionTuple,
  where: string,
): Record<string, unknown> {
  if (tuple.length !== partition.fields.length) {
    throw new ValidationError(
      `${where}: partition tuple has ${tuple.length} values, the spec has ${partition.fields.length} fields`,
    );
  }
  const record: Record<string, unknown> = {};
  partition.fields.forEach((f, i) => {
    const value = tuple[i] ?? null;
    record[avroCompatibleName(f.name)] =
      value === null ? null : primitiveToAvro(f.type as PrimitiveType, value, where);
  });
  return record;
}

function primitiveToAvro(type: PrimitiveType, value: unknown, where: string): unknown {
  switch (type.kind) {
    case 'uuid':
      if (typeof value !== 'string')
        throw new ValidationError(`${where}: uuid partition value must be a string`);
      return Buffer.from(uuidToBytes(value));
    case 'decimal': {
      if (typeof value !== 'bigint')
        throw new ValidationError(`${where}: decimal partition value must be a bigint`);
      const size = decimalRequiredBytes(type.precision);
      const minimal = decimalToBytes(value);
      if (minimal.length > size) {
        throw new ValidationError(`${where}: ${value} does not fit decimal(${type.precision},${type.scale})`);
      }
      const padded = Buffer.alloc(size, value < 0n ? 0xff : 0x00); // sign extension
      padded.set(minimal, size - minimal.length);
      return padded;
    }
    case 'fixed':
    case 'binary':
      if (!(value instanceof Uint8Array))
        throw new ValidationError(`${where}: ${type.kind} partition value must be bytes`);
      return Buffer.from(value);
    default:
      return value;
  }
}

interface WriterField {
  readonly name: string;
  readonly fieldId: number | undefined;
  readonly type: AvroSchemaJson;
}

/**
 * Reads the partition record of a manifest written by any writer: fields are found
 * by field id (names may be escaped) and values converted by the writer's Avro
 * types, so the tuple follows the spec's field order when a spec is given.
 */
export function partitionFromAvro(
  writerPartition: AvroSchemaJson,
  record: Readonly<Record<string, unknown>>,
  spec: PartitionSpec | undefined,
): PartitionTuple {
  const defined = new Map<string, AvroSchemaJson>();
  const fields = writerRecordFields(writerPartition).map((f): WriterField => {
    rememberNamed(f.type, defined);
    return f;
  });
  const convert = (f: WriterField): unknown => avroToPrimitive(f.type, record[f.name] ?? null, defined);
  if (spec === undefined) return fields.map(convert);
  return spec.fields.map((pf) => {
    const writer = fields.find((f) => f.fieldId === pf.fieldId) ?? fields.find((f) => f.name === pf.name);
    if (writer === undefined) {
      throw new ValidationError(
        `manifest partition struct has no field for partition field ${pf.fieldId} ('${pf.name}')`,
      );
    }
    return convert(writer);
  });
}

/** The fields of a record schema (the partition record, or any record read from a writer schema). */
export function writerRecordFields(schema: AvroSchemaJson): WriterField[] {
  const record = nonNullBranch(schema);
  if (
    typeof record !== 'object' ||
    Array.isArray(record) ||
    !Array.isArray((record as { fields?: unknown }).fields)
  ) {
    throw new ValidationError('manifest Avro schema: expected a record');
  }
  return ((record as { fields: Record<string, unknown>[] }).fields ?? []).map((f) => ({
    name: String(f.name),
    fieldId: typeof f['field-id'] === 'number' ? f['field-id'] : undefined,
    type: f.type as AvroSchemaJson,
  }));
}

function nonNullBranch(schema: AvroSchemaJson): AvroSchemaJson {
  if (!Array.isArray(schema)) return schema;
  const branches = (schema as readonly AvroSchemaJson[]).filter((b) => b !== 'null');
  return branches.length === 1 ? branches[0]! : schema;
}

function rememberNamed(schema: AvroSchemaJson, defined: Map<string, AvroSchemaJson>): void {
  const type = nonNullBranch(schema);
  if (
    typeof type === 'object' &&
    !Array.isArray(type) &&
    typeof (type as { name?: unknown }).name === 'string'
  ) {
    defined.set((type as { name: string }).name, type);
  }
}

function avroToPrimitive(
  schema: AvroSchemaJson,
  value: unknown,
  defined: Map<string, AvroSchemaJson>,
): unknown {
  if (value === null) return null;
  let type = nonNullBranch(schema);
  if (typeof type === 'string') type = defined.get(type) ?? type;
  const logical = typeof type === 'object' ? (type as { logicalType?: unknown }).logicalType : undefined;
  if (value instanceof Uint8Array) {
    if (logical === 'decimal') return bytesToDecimal(value);
    if (logical === 'uuid') return bytesToUuid(value);
    return new Uint8Array(value);
  }
  return value;
}
